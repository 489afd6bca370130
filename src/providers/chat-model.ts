/**
 * The provider port: the one internal shape every provider speaks and every wire format translates to.
 *
 * Internal names are camelCase; snake_case ends at the wire (`src/gateway/wire/`) and at each provider's
 * own mapping. Provider-specific options pass through `providerOptions`, an opaque bag keyed by provider
 * type, so the port stays small.
 *
 * @example
 * const result = await model.generate(
 *   { model: 'gpt-4o-mini', messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }] },
 *   { signal: AbortSignal.timeout(30_000) },
 * );
 * console.log(result.choices[0]?.message.content);
 */

export type TextPart = { type: 'text'; text: string };
/** An image by URL or `data:` URL. */
export type ImagePart = { type: 'image'; url: string; detail?: 'auto' | 'low' | 'high' };
export type ContentPart = TextPart | ImagePart;

export interface ToolCall {
  id: string;
  name: string;
  /** The arguments as JSON text, exactly as the model produced them (may be invalid JSON). */
  arguments: string;
}

export type ChatMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: ContentPart[]; name?: string }
  | { role: 'assistant'; content: string | null; toolCalls?: ToolCall[]; name?: string }
  | { role: 'tool'; toolCallId: string; content: string };

export interface ToolDefinition {
  name: string;
  description?: string;
  /** JSON Schema of the arguments. */
  parameters: Record<string, unknown>;
  strict?: boolean;
}

export type ToolChoice = 'auto' | 'none' | 'required' | { name: string };

export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; name: string; schema: Record<string, unknown>; description?: string; strict?: boolean };

export interface ChatRequest {
  /** The model id as the provider knows it (after alias resolution). */
  model: string;
  messages: ChatMessage[];
  tools?: ToolDefinition[];
  toolChoice?: ToolChoice;
  parallelToolCalls?: boolean;
  responseFormat?: ResponseFormat;
  temperature?: number;
  topP?: number;
  maxTokens?: number;
  stop?: string[];
  /** Number of choices. Providers that cannot do n > 1 reject it with an invalid_request error. */
  n?: number;
  seed?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  /** Return log probabilities of output tokens. */
  logprobs?: boolean;
  /** Number of most likely alternatives per token, 0–20 (needs `logprobs`). */
  topLogprobs?: number;
  /** End-user id, passed to providers that take one. */
  user?: string;
  /** Provider-specific options, keyed by provider type (`openai`, `anthropic`, …). Passed through as they are. */
  providerOptions?: Record<string, Record<string, unknown>>;
}

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'error';

export interface TokenLogprob {
  token: string;
  logprob: number;
  bytes: number[] | null;
  topLogprobs: Array<{ token: string; logprob: number; bytes: number[] | null }>;
}

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  /** Input tokens served from the provider's prompt cache (billed cheaper), part of `inputTokens`. */
  cachedInputTokens?: number;
  /** Input tokens written to the provider's prompt cache (Anthropic), part of `inputTokens`. */
  cacheWriteInputTokens?: number;
  /** Reasoning tokens, part of `outputTokens`. */
  reasoningTokens?: number;
}

export interface ChatChoice {
  index: number;
  message: { content: string | null; toolCalls?: ToolCall[]; refusal?: string | null };
  finishReason: FinishReason;
  logprobs?: TokenLogprob[] | null;
}

export interface ChatResult {
  id: string;
  /** The model that answered, as the provider reports it. */
  model: string;
  /** Unix seconds. */
  created: number;
  choices: ChatChoice[];
  usage?: Usage;
  systemFingerprint?: string;
}

/**
 * One event of a streamed answer. A stream is: `start`, then any number of deltas per choice,
 * then `finish` per choice, then at most one `usage`. Tool call arguments arrive as deltas of JSON text.
 */
export type ChatStreamPart =
  | { type: 'start'; id: string; model: string; created: number; systemFingerprint?: string }
  | { type: 'text-delta'; index: number; text: string }
  | { type: 'refusal-delta'; index: number; text: string }
  | { type: 'tool-call-start'; index: number; toolIndex: number; id: string; name: string }
  | { type: 'tool-call-delta'; index: number; toolIndex: number; argumentsDelta: string }
  | { type: 'logprobs'; index: number; logprobs: TokenLogprob[] }
  | { type: 'finish'; index: number; finishReason: FinishReason }
  | { type: 'usage'; usage: Usage };

export interface CallOptions {
  /** Aborts the upstream call (client went away, or the per-target timeout fired). */
  signal?: AbortSignal;
}

/**
 * A chat model of one provider. `stream` resolves once the upstream accepted the request (HTTP status
 * and headers are in), and throws an `OperonError` before that, so a router can fall back; errors after
 * that surface from the iterator.
 */
export interface ChatModel {
  /** Provider instance name from config, e.g. `openai`, `my-vllm`. */
  readonly provider: string;
  /** Provider type: `openai`, `anthropic`, `openai-compatible`, `azure-openai`, `mock`. */
  readonly providerType: string;
  generate(request: ChatRequest, options?: CallOptions): Promise<ChatResult>;
  stream(request: ChatRequest, options?: CallOptions): Promise<AsyncIterable<ChatStreamPart>>;
}

export interface EmbeddingRequest {
  model: string;
  input: string[];
  dimensions?: number;
  user?: string;
  providerOptions?: Record<string, Record<string, unknown>>;
}

export interface EmbeddingResult {
  model: string;
  /** One vector per input, in input order. */
  embeddings: number[][];
  usage?: { inputTokens: number };
}

export interface EmbeddingModel {
  readonly provider: string;
  readonly providerType: string;
  embed(request: EmbeddingRequest, options?: CallOptions): Promise<EmbeddingResult>;
}

/** What a configured provider instance offers. */
export interface Provider {
  readonly name: string;
  readonly type: string;
  chat(): ChatModel;
  /** Absent when the provider has no embeddings endpoint (Anthropic). */
  embeddings?(): EmbeddingModel;
  /** Models the provider lists (for `GET /v1/models`); may be empty if it cannot list. */
  listModels?(options?: CallOptions): Promise<string[]>;
}
