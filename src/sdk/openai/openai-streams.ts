/**
 * Streamed OpenAI replies, folded chunk by chunk into the reply they add up to, so a streamed call
 * gets the same attributes as a plain one. Chat Completions chunk shape: "The chat completion chunk
 * object" in OpenAI's API reference (usage arrives in a last chunk with `choices: []` when the request
 * set `stream_options.include_usage`). Responses: the `response.*` server-sent events, whose
 * `response.completed` (or `.incomplete` / `.failed`) event carries the whole final response.
 */
import type { Attributes } from '@opentelemetry/api';
import { chatCompletionsOperation, isRecord, responsesOperation, type UnknownRecord } from './openai-attributes.ts';

export interface StreamAccumulator {
  /** Takes one chunk or event; returns true when it carried the first token of the answer. */
  add(chunk: unknown): boolean;
  /** The reply so far, as a plain (non-streamed) reply would have been. */
  reply(): UnknownRecord;
  attributes(): Attributes;
}

interface ToolCallState {
  id?: string;
  name: string;
  arguments: string;
}

interface ChoiceState {
  role: string;
  content: string;
  refusal: string;
  toolCalls: Map<number, ToolCallState>;
  finishReason: string | null;
}

export function chatStreamAccumulator(): StreamAccumulator {
  let id: unknown;
  let model: unknown;
  let usage: unknown;
  let sawToken = false;
  const choices = new Map<number, ChoiceState>();

  const choiceAt = (index: number): ChoiceState => {
    let state = choices.get(index);
    if (state === undefined) {
      state = { role: 'assistant', content: '', refusal: '', toolCalls: new Map(), finishReason: null };
      choices.set(index, state);
    }
    return state;
  };

  const addToolCalls = (state: ChoiceState, deltas: unknown): boolean => {
    if (!Array.isArray(deltas)) return false;
    for (const delta of deltas.filter(isRecord)) {
      const index = typeof delta.index === 'number' ? delta.index : state.toolCalls.size;
      const call = state.toolCalls.get(index) ?? { name: '', arguments: '' };
      if (typeof delta.id === 'string') call.id = delta.id;
      const fn = isRecord(delta.function) ? delta.function : {};
      if (typeof fn.name === 'string') call.name += fn.name;
      if (typeof fn.arguments === 'string') call.arguments += fn.arguments;
      state.toolCalls.set(index, call);
    }
    return deltas.length > 0;
  };

  const accumulator: StreamAccumulator = {
    add(chunk) {
      if (!isRecord(chunk)) return false;
      id ??= chunk.id;
      if (typeof chunk.model === 'string') model = chunk.model;
      if (isRecord(chunk.usage)) usage = chunk.usage;
      let token = false;
      for (const choice of Array.isArray(chunk.choices) ? chunk.choices.filter(isRecord) : []) {
        const state = choiceAt(typeof choice.index === 'number' ? choice.index : 0);
        const delta = isRecord(choice.delta) ? choice.delta : {};
        if (typeof delta.role === 'string') state.role = delta.role;
        if (typeof delta.content === 'string' && delta.content !== '') {
          state.content += delta.content;
          token = true;
        }
        if (typeof delta.refusal === 'string' && delta.refusal !== '') {
          state.refusal += delta.refusal;
          token = true;
        }
        if (addToolCalls(state, delta.tool_calls)) token = true;
        if (typeof choice.finish_reason === 'string') state.finishReason = choice.finish_reason;
      }
      const first = token && !sawToken;
      if (token) sawToken = true;
      return first;
    },
    reply() {
      const replyChoices = [...choices.entries()]
        .sort(([a], [b]) => a - b)
        .map(([index, state]) => ({
          index,
          message: {
            role: state.role,
            content: state.content === '' && state.toolCalls.size > 0 ? null : state.content,
            ...(state.refusal !== '' ? { refusal: state.refusal } : {}),
            ...(state.toolCalls.size > 0
              ? {
                  tool_calls: [...state.toolCalls.values()].map((call) => ({
                    id: call.id,
                    type: 'function',
                    function: { name: call.name, arguments: call.arguments },
                  })),
                }
              : {}),
          },
          finish_reason: state.finishReason,
        }));
      return { id, model, usage, choices: replyChoices };
    },
    attributes() {
      return chatCompletionsOperation.responseAttributes(accumulator.reply());
    },
  };
  return accumulator;
}

const FINAL_RESPONSE_EVENTS = new Set(['response.completed', 'response.incomplete', 'response.failed']);

export function responsesStreamAccumulator(): StreamAccumulator {
  let started: UnknownRecord | undefined;
  let final: UnknownRecord | undefined;
  let text = '';
  let sawToken = false;

  const accumulator: StreamAccumulator = {
    add(event) {
      if (!isRecord(event) || typeof event.type !== 'string') return false;
      if (event.type === 'response.created' && isRecord(event.response)) started = event.response;
      if (FINAL_RESPONSE_EVENTS.has(event.type) && isRecord(event.response)) final = event.response;
      const token =
        (event.type === 'response.output_text.delta' && typeof event.delta === 'string' && event.delta !== '') ||
        event.type === 'response.function_call_arguments.delta';
      if (event.type === 'response.output_text.delta' && typeof event.delta === 'string') text += event.delta;
      const first = token && !sawToken;
      if (token) sawToken = true;
      return first;
    },
    reply() {
      if (final !== undefined) return final;
      // the stream stopped before its final event: what was said so far
      return {
        id: started?.id,
        model: started?.model,
        status: 'in_progress',
        output: text === '' ? [] : [{ type: 'message', role: 'assistant', content: [{ type: 'output_text', text }] }],
      };
    },
    attributes() {
      return responsesOperation.responseAttributes(accumulator.reply());
    },
  };
  return accumulator;
}
