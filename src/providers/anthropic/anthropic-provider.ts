import type { ProviderConfig } from '../../core/config.ts';
import type { CallOptions, ChatModel, ChatRequest, Provider } from '../chat-model.ts';
import type { HttpRequest, HttpTransport } from '../http-transport.ts';
import { callUpstream, closeable, isRecord, missingKeyError, readJson, trimTrailingSlash, type UpstreamClient } from '../upstream-call.ts';
import { toAnthropicBody } from './anthropic-request.ts';
import { fromAnthropicMessage, parseAnthropicError } from './anthropic-response.ts';
import { anthropicStreamParts } from './anthropic-stream.ts';

export type AnthropicProviderConfig = Extract<ProviderConfig, { type: 'anthropic' }>;

export interface AnthropicProviderOptions {
  /** Provider instance name from config. */
  name: string;
  config: AnthropicProviderConfig;
  transport: HttpTransport;
  /** The key to use when `config.apiKey` is unset (the registry passes `ANTHROPIC_API_KEY`). */
  apiKey?: string;
  /** Milliseconds since the epoch; `created` of results and `retry-after` dates. Defaults to `Date.now`. */
  now?: () => number;
}

export const ANTHROPIC_KEY_ENV = 'ANTHROPIC_API_KEY';

/**
 * A provider on Anthropic's Messages API (`POST {baseUrl}/v1/messages`). Offers chat and model listing;
 * Anthropic has no embeddings endpoint, so there is no `embeddings()`.
 *
 * @example
 * const provider = createAnthropicProvider({ name: 'anthropic', config, transport, apiKey: env.ANTHROPIC_API_KEY });
 * const parts = await provider.chat().stream({ model: 'claude-sonnet-4-5', messages });
 */
export function createAnthropicProvider(options: AnthropicProviderOptions): Provider {
  const { name, config, transport } = options;
  const baseUrl = trimTrailingSlash(config.baseUrl);
  const apiKey = config.apiKey ?? options.apiKey;
  const now = options.now ?? Date.now;
  const settings = { defaultMaxTokens: config.defaultMaxTokens, version: config.version };
  const client: UpstreamClient = { provider: name, transport, apiKey, apiKeyEnv: ANTHROPIC_KEY_ENV, now, parseError: parseAnthropicError };

  function headers(accept: string): Record<string, string> {
    if (!apiKey) throw missingKeyError(name, ANTHROPIC_KEY_ENV);
    return { 'content-type': 'application/json', accept, 'x-api-key': apiKey, 'anthropic-version': config.version, ...config.headers };
  }

  function post(body: unknown, accept: string, call?: CallOptions): HttpRequest {
    return { method: 'POST', url: `${baseUrl}/v1/messages`, headers: headers(accept), body: JSON.stringify(body), signal: call?.signal };
  }

  const chat: ChatModel = {
    provider: name,
    providerType: 'anthropic',
    async generate(request: ChatRequest, call?: CallOptions) {
      const body = toAnthropicBody(request, settings, false);
      const response = await callUpstream(client, post(body, 'application/json', call));
      const json = await readJson(client, response);
      return fromAnthropicMessage(json, name, Math.floor(now() / 1000));
    },
    async stream(request: ChatRequest, call?: CallOptions) {
      const body = toAnthropicBody(request, settings, true);
      const response = await callUpstream(client, post(body, 'text/event-stream', call));
      return closeable(anthropicStreamParts(response.body, name, Math.floor(now() / 1000), apiKey), response);
    },
  };

  return {
    name,
    type: 'anthropic',
    chat: () => chat,
    async listModels(call?: CallOptions) {
      const url = `${baseUrl}/v1/models?limit=1000`;
      const response = await callUpstream(client, { method: 'GET', url, headers: headers('application/json'), signal: call?.signal });
      const json = await readJson(client, response);
      return Array.isArray(json.data) ? json.data.filter(isRecord).map((model) => String(model.id)) : [];
    },
  };
}
