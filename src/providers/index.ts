/**
 * The providers: the port every model speaks (`chat-model.ts`), the HTTP transport they call through,
 * and one implementation per wire format. Other modules import from here, not from the files inside.
 */
export type * from './chat-model.ts';
export { createHttpTransport, type HttpRequest, type HttpResponse, type HttpTransport, type HttpTransportOptions } from './http-transport.ts';
export { createSseParser, parseSse, type SseEvent, type SseParser } from './sse.ts';
export { createProviders, type ProviderDependencies } from './registry.ts';
export { createOpenAIProvider, OPENAI_KEY_ENV, type OpenAIProviderConfig, type OpenAIProviderOptions } from './openai/openai-provider.ts';
export type { OpenAIProviderType } from './openai/openai-request.ts';
export { createAnthropicProvider, ANTHROPIC_KEY_ENV, type AnthropicProviderConfig, type AnthropicProviderOptions } from './anthropic/anthropic-provider.ts';
export { createMockProvider, type MockCall, type MockProvider, type MockProviderOptions } from './mock/mock-provider.ts';
export { mockScriptEntrySchema, parseMockScript, type MockScriptEntry } from './mock/mock-script.ts';
export { badResponseError, retryAfterSeconds, upstreamHttpError, type UpstreamErrorDetails } from './upstream-error.ts';
