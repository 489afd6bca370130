/**
 * OpenAI requests and replies → span attributes, per the GenAI semantic conventions for OpenAI
 * (docs/gen-ai/openai.md in open-telemetry/semantic-conventions): Chat Completions, Responses and
 * Embeddings. Reads plain objects only; nothing here depends on the `openai` package.
 */
import type { Attributes } from '@opentelemetry/api';
import {
  chatChoicesToOutputMessages,
  normalizeFinishReason,
  responsesInputToMessages,
  responsesOutputToMessages,
  toInputMessages,
  toSystemInstructions,
} from '../gen-ai-messages.ts';
import { ATTR, toJsonAttribute, type OperonSpanKind } from '../span-attributes.ts';

export type UnknownRecord = Record<string, unknown>;

export function isRecord(value: unknown): value is UnknownRecord {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** One instrumented OpenAI method: how its request and its reply read as attributes. */
export interface OpenAIOperation {
  /** `gen_ai.operation.name` */
  operationName: 'chat' | 'embeddings';
  spanKind: OperonSpanKind;
  requestAttributes(params: UnknownRecord): Attributes;
  responseAttributes(reply: UnknownRecord): Attributes;
}

function setNumber(attributes: Attributes, key: string, value: unknown): void {
  if (typeof value === 'number' && Number.isFinite(value)) attributes[key] = value;
}

function setString(attributes: Attributes, key: string, value: unknown): void {
  if (typeof value === 'string' && value !== '') attributes[key] = value;
}

function commonRequestAttributes(operationName: string, params: UnknownRecord): Attributes {
  const attributes: Attributes = {
    [ATTR.genAiOperationName]: operationName,
    [ATTR.genAiProviderName]: 'openai',
  };
  setString(attributes, ATTR.genAiRequestModel, params.model);
  return attributes;
}

/** `server.address` and `server.port` from the client's base URL. */
export function serverAttributes(baseURL: unknown): Attributes {
  if (typeof baseURL !== 'string') return {};
  try {
    const url = new URL(baseURL);
    const port = url.port !== '' ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
    return { [ATTR.serverAddress]: url.hostname, [ATTR.serverPort]: port };
  } catch {
    return {};
  }
}

function usageAttributes(usage: unknown, inputKey: string, outputKey: string): Attributes {
  const attributes: Attributes = {};
  if (!isRecord(usage)) return attributes;
  setNumber(attributes, ATTR.genAiInputTokens, usage[inputKey]);
  setNumber(attributes, ATTR.genAiOutputTokens, usage[outputKey]);
  return attributes;
}

export const chatCompletionsOperation: OpenAIOperation = {
  operationName: 'chat',
  spanKind: 'generation',
  requestAttributes(params) {
    const attributes = commonRequestAttributes('chat', params);
    setNumber(attributes, ATTR.genAiTemperature, params.temperature);
    setNumber(attributes, ATTR.genAiMaxTokens, params.max_completion_tokens ?? params.max_tokens);
    setNumber(attributes, ATTR.genAiTopP, params.top_p);
    setNumber(attributes, ATTR.genAiSeed, params.seed);
    const stop = typeof params.stop === 'string' ? [params.stop] : params.stop;
    if (Array.isArray(stop)) attributes[ATTR.genAiStopSequences] = stop.filter((item) => typeof item === 'string');
    attributes[ATTR.genAiInputMessages] = toJsonAttribute(toInputMessages(params.messages));
    return attributes;
  },
  responseAttributes(reply) {
    const attributes: Attributes = usageAttributes(reply.usage, 'prompt_tokens', 'completion_tokens');
    setString(attributes, ATTR.genAiResponseModel, reply.model);
    setString(attributes, ATTR.genAiResponseId, reply.id);
    const outputMessages = chatChoicesToOutputMessages(reply.choices);
    attributes[ATTR.genAiFinishReasons] = outputMessages.map((message) => message.finish_reason);
    attributes[ATTR.genAiOutputMessages] = toJsonAttribute(outputMessages);
    return attributes;
  },
};

/** The finish reason of a Responses reply: why it stopped, in the conventions' words. */
function responsesFinishReason(reply: UnknownRecord): string {
  const output = Array.isArray(reply.output) ? reply.output : [];
  if (output.some((item) => isRecord(item) && item.type === 'function_call')) return 'tool_call';
  if (reply.status === 'completed') return 'stop';
  if (reply.status === 'incomplete') {
    const reason = isRecord(reply.incomplete_details) ? reply.incomplete_details.reason : undefined;
    return reason === 'content_filter' ? 'content_filter' : 'length';
  }
  return normalizeFinishReason(undefined);
}

export const responsesOperation: OpenAIOperation = {
  operationName: 'chat',
  spanKind: 'generation',
  requestAttributes(params) {
    const attributes = commonRequestAttributes('chat', params);
    setNumber(attributes, ATTR.genAiTemperature, params.temperature);
    setNumber(attributes, ATTR.genAiMaxTokens, params.max_output_tokens);
    setNumber(attributes, ATTR.genAiTopP, params.top_p);
    attributes[ATTR.genAiInputMessages] = toJsonAttribute(responsesInputToMessages(params.input));
    const instructions = toSystemInstructions(params.instructions);
    if (instructions !== undefined) attributes[ATTR.genAiSystemInstructions] = toJsonAttribute(instructions);
    return attributes;
  },
  responseAttributes(reply) {
    const attributes: Attributes = usageAttributes(reply.usage, 'input_tokens', 'output_tokens');
    setString(attributes, ATTR.genAiResponseModel, reply.model);
    setString(attributes, ATTR.genAiResponseId, reply.id);
    const finishReason = responsesFinishReason(reply);
    attributes[ATTR.genAiFinishReasons] = [finishReason];
    attributes[ATTR.genAiOutputMessages] = toJsonAttribute(responsesOutputToMessages(reply.output, finishReason));
    return attributes;
  },
};

export const embeddingsOperation: OpenAIOperation = {
  operationName: 'embeddings',
  spanKind: 'embedding',
  requestAttributes(params) {
    const attributes = commonRequestAttributes('embeddings', params);
    setNumber(attributes, ATTR.genAiEmbeddingDimensions, params.dimensions);
    if (typeof params.encoding_format === 'string') attributes[ATTR.genAiEncodingFormats] = [params.encoding_format];
    if (params.input !== undefined) {
      attributes[ATTR.inputValue] = toJsonAttribute(params.input);
      attributes[ATTR.inputMimeType] = 'application/json';
    }
    return attributes;
  },
  responseAttributes(reply) {
    const attributes: Attributes = usageAttributes(reply.usage, 'prompt_tokens', 'completion_tokens');
    setString(attributes, ATTR.genAiResponseModel, reply.model);
    const first = Array.isArray(reply.data) ? reply.data[0] : undefined;
    const vector = isRecord(first) ? first.embedding : undefined;
    if (Array.isArray(vector) || ArrayBuffer.isView(vector)) {
      attributes[ATTR.genAiEmbeddingDimensions] = (vector as ArrayLike<number>).length;
    }
    return attributes;
  },
};
