import type { ChatChoice, ChatResult, ChatStreamPart, FinishReason, TokenLogprob, ToolCall } from '../providers/chat-model.ts';

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
    for (const choice of this.#choices.values()) {
      if (choice.finishReason === undefined || choice.finishReason === 'error') return undefined;
    }
    return this.partial();
  }

  /** What arrived so far, finished or not (for traces of streams that were cut); unfinished choices read as `stop`. */
  partial(): ChatResult {
    const choices: ChatChoice[] = [];
    for (const [index, choice] of [...this.#choices].sort((a, b) => a[0] - b[0])) {
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
        finishReason: choice.finishReason ?? 'stop',
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
