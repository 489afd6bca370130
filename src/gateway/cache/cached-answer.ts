import type { ChatChoice, ChatResult, ChatStreamPart, FinishReason, TokenLogprob, ToolCall } from '../../providers/chat-model.ts';

/**
 * Rebuilds a `ChatResult` from stream parts, so a streamed answer can be stored and later served to both
 * streaming and non-streaming callers. Only a stream that finished every choice it started is complete.
 */
export class StreamAssembler {
  #id = '';
  #model = '';
  #created = 0;
  #systemFingerprint: string | undefined;
  #usage: ChatResult['usage'];
  readonly #choices = new Map<number, AssembledChoice>();

  add(part: ChatStreamPart): void {
    switch (part.type) {
      case 'start':
        this.#id = part.id;
        this.#model = part.model;
        this.#created = part.created;
        this.#systemFingerprint = part.systemFingerprint;
        return;
      case 'text-delta':
        this.#choice(part.index).text.push(part.text);
        return;
      case 'refusal-delta':
        this.#choice(part.index).refusal.push(part.text);
        return;
      case 'tool-call-start':
        this.#choice(part.index).tools.set(part.toolIndex, { id: part.id, name: part.name, arguments: [] });
        return;
      case 'tool-call-delta':
        this.#choice(part.index).tools.get(part.toolIndex)?.arguments.push(part.argumentsDelta);
        return;
      case 'logprobs':
        this.#choice(part.index).logprobs.push(...part.logprobs);
        return;
      case 'finish':
        this.#choice(part.index).finishReason = part.finishReason;
        return;
      case 'usage':
        this.#usage = part.usage;
        return;
    }
  }

  /** The assembled answer, or undefined when some choice did not finish or finished with an error. */
  complete(): ChatResult | undefined {
    if (this.#choices.size === 0) return undefined;
    const choices: ChatChoice[] = [];
    for (const [index, choice] of [...this.#choices].sort((a, b) => a[0] - b[0])) {
      if (choice.finishReason === undefined || choice.finishReason === 'error') return undefined;
      const toolCalls: ToolCall[] = [...choice.tools]
        .sort((a, b) => a[0] - b[0])
        .map(([, call]) => ({ id: call.id, name: call.name, arguments: call.arguments.join('') }));
      choices.push({
        index,
        message: {
          content: choice.text.length > 0 ? choice.text.join('') : toolCalls.length > 0 ? null : '',
          ...(toolCalls.length > 0 ? { toolCalls } : {}),
          ...(choice.refusal.length > 0 ? { refusal: choice.refusal.join('') } : {}),
        },
        finishReason: choice.finishReason,
        ...(choice.logprobs.length > 0 ? { logprobs: choice.logprobs } : {}),
      });
    }
    return {
      id: this.#id,
      model: this.#model,
      created: this.#created,
      choices,
      ...(this.#usage ? { usage: this.#usage } : {}),
      ...(this.#systemFingerprint === undefined ? {} : { systemFingerprint: this.#systemFingerprint }),
    };
  }

  #choice(index: number): AssembledChoice {
    let choice = this.#choices.get(index);
    if (!choice) {
      choice = { text: [], refusal: [], tools: new Map(), logprobs: [], finishReason: undefined };
      this.#choices.set(index, choice);
    }
    return choice;
  }
}

interface AssembledChoice {
  text: string[];
  refusal: string[];
  tools: Map<number, { id: string; name: string; arguments: string[] }>;
  logprobs: TokenLogprob[];
  finishReason: FinishReason | undefined;
}

/**
 * The parts a stored answer is replayed as: `start`, then per choice its text in chunks of
 * `chunkSize` characters, refusal, tool calls and log probabilities, then a `finish` per choice, then the
 * usage. Chunks never split a surrogate pair.
 */
export function replayParts(result: ChatResult, chunkSize: number): ChatStreamPart[] {
  const parts: ChatStreamPart[] = [
    {
      type: 'start',
      id: result.id,
      model: result.model,
      created: result.created,
      ...(result.systemFingerprint === undefined ? {} : { systemFingerprint: result.systemFingerprint }),
    },
  ];
  for (const choice of result.choices) {
    const index = choice.index;
    for (const text of chunks(choice.message.content ?? '', chunkSize)) parts.push({ type: 'text-delta', index, text });
    for (const text of chunks(choice.message.refusal ?? '', chunkSize)) parts.push({ type: 'refusal-delta', index, text });
    (choice.message.toolCalls ?? []).forEach((call, toolIndex) => {
      parts.push({ type: 'tool-call-start', index, toolIndex, id: call.id, name: call.name });
      if (call.arguments) parts.push({ type: 'tool-call-delta', index, toolIndex, argumentsDelta: call.arguments });
    });
    if (choice.logprobs && choice.logprobs.length > 0) parts.push({ type: 'logprobs', index, logprobs: choice.logprobs });
  }
  for (const choice of result.choices) parts.push({ type: 'finish', index: choice.index, finishReason: choice.finishReason });
  if (result.usage) parts.push({ type: 'usage', usage: result.usage });
  return parts;
}

function chunks(text: string, size: number): string[] {
  if (text.length <= size) return text.length === 0 ? [] : [text];
  const out: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(start + size, text.length);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end -= 1; // keep the pair together
    out.push(text.slice(start, end));
    start = end;
  }
  return out;
}

/** A copy deep enough that a caller changing the answer it got cannot change what is stored. */
export function copyResult(result: ChatResult): ChatResult {
  return {
    ...result,
    choices: result.choices.map((choice) => ({
      ...choice,
      message: { ...choice.message, ...(choice.message.toolCalls ? { toolCalls: choice.message.toolCalls.map((call) => ({ ...call })) } : {}) },
    })),
    ...(result.usage ? { usage: { ...result.usage } } : {}),
  };
}

/** Approximate memory held by a stored answer, in bytes (strings at two bytes a character). */
export function approximateBytes(result: ChatResult): number {
  let characters = result.id.length + result.model.length;
  for (const choice of result.choices) {
    characters += (choice.message.content?.length ?? 0) + (choice.message.refusal?.length ?? 0);
    for (const call of choice.message.toolCalls ?? []) characters += call.id.length + call.name.length + call.arguments.length;
    characters += (choice.logprobs?.length ?? 0) * 48;
  }
  return 512 + characters * 2;
}
