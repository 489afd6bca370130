import type { ChatResult, ChatStreamPart } from '../../providers/chat-model.ts';

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
