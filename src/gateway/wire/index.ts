/**
 * Client-facing wire formats of the gateway: OpenAI chat completions, embeddings and models, and
 * Anthropic Messages, in both directions and streaming included. Pure functions: snake_case ends here.
 */
export {
  openAIChatRequestSchema,
  parseOpenAIChatRequest,
  type OpenAIChatRequestBody,
  type ParsedOpenAIChatRequest,
} from './openai-chat-request.ts';
export {
  createOpenAIChunkEncoder,
  toOpenAIChatCompletion,
  toOpenAIUsage,
  type OpenAIChatCompletion,
  type OpenAIChunkEncoder,
  type OpenAIChunkEncoderOptions,
  type OpenAITokenLogprob,
  type OpenAIToolCall,
  type OpenAIUsage,
} from './openai-chat-response.ts';
export { encodeOpenAIErrorEvent, openAIErrorType, toOpenAIErrorBody, type OpenAIErrorBody, type OpenAIErrorType } from './openai-error.ts';
export {
  anthropicMessagesRequestSchema,
  parseAnthropicMessagesRequest,
  type AnthropicMessagesRequestBody,
  type ParsedAnthropicMessagesRequest,
} from './anthropic-messages-request.ts';
export {
  ANTHROPIC_PING_EVENT,
  createAnthropicEventEncoder,
  toAnthropicMessage,
  toAnthropicStopReason,
  toAnthropicUsage,
  type AnthropicContentBlock,
  type AnthropicEventEncoder,
  type AnthropicEventEncoderOptions,
  type AnthropicMessage,
  type AnthropicStopReason,
  type AnthropicUsage,
} from './anthropic-messages-response.ts';
export {
  anthropicErrorType,
  encodeAnthropicErrorEvent,
  toAnthropicErrorBody,
  type AnthropicErrorBody,
  type AnthropicErrorType,
} from './anthropic-error.ts';
export {
  embeddingsRequestSchema,
  parseEmbeddingsRequest,
  toBase64Float32,
  toOpenAIEmbeddingsResponse,
  type EmbeddingEncodingFormat,
  type OpenAIEmbeddingsRequestBody,
  type OpenAIEmbeddingsResponse,
  type ParsedEmbeddingsRequest,
} from './embeddings.ts';
export { toOpenAIModelList, type OpenAIModelList } from './models.ts';
export { describeValue, formatPath, toValidationError } from './validation-error.ts';
