import type { ProviderConfig } from '../../core/config.ts';
import type { CallOptions, ChatModel, ChatRequest, EmbeddingModel, EmbeddingRequest, Provider } from '../chat-model.ts';
import type { HttpRequest, HttpTransport } from '../http-transport.ts';
import { callUpstream, closeable, isRecord, missingKeyError, readJson, trimTrailingSlash, type UpstreamClient } from '../upstream-call.ts';
import { toOpenAIChatBody, toOpenAIEmbeddingBody, type OpenAIProviderType } from './openai-request.ts';
import { fromOpenAIChatCompletion, fromOpenAIEmbeddings, parseOpenAIError } from './openai-response.ts';
import { openAIStreamParts } from './openai-stream.ts';

export type OpenAIProviderConfig = Extract<ProviderConfig, { type: OpenAIProviderType }>;

export interface OpenAIProviderOptions {
  /** Provider instance name from config, e.g. `openai`, `my-vllm`. */
  name: string;
  config: OpenAIProviderConfig;
  transport: HttpTransport;
  /** The key to use when `config.apiKey` is unset (the registry passes the env var's value). */
  apiKey?: string;
  /** For `retry-after` dates; defaults to `Date.now`. */
  now?: () => number;
}

/**
 * Env vars the registry reads a key from, by provider type. An openai-compatible server has none: an
 * OpenAI key must never be sent to some other server by default, and local servers need no key.
 */
export const OPENAI_KEY_ENV = { openai: 'OPENAI_API_KEY', 'azure-openai': 'AZURE_OPENAI_API_KEY' } as const;

/**
 * A provider that speaks OpenAI's Chat Completions: OpenAI itself, Azure OpenAI (deployment URLs and the
 * `api-key` header), and any OpenAI-compatible server (Ollama, vLLM, llama.cpp, Together, Groq, …).
 *
 * @example
 * const provider = createOpenAIProvider({ name: 'openai', config: { type: 'openai', baseUrl: 'https://api.openai.com/v1', headers: {}, apiKey }, transport });
 * const result = await provider.chat().generate({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }] });
 */
export function createOpenAIProvider(options: OpenAIProviderOptions): Provider {
  const { name, config, transport } = options;
  const type = config.type;
  const baseUrl = trimTrailingSlash(config.baseUrl);
  const apiKey = config.apiKey ?? options.apiKey;
  const client: UpstreamClient = {
    provider: name,
    transport,
    apiKey,
    apiKeyEnv: type === 'openai-compatible' ? undefined : OPENAI_KEY_ENV[type],
    now: options.now ?? Date.now,
    parseError: parseOpenAIError,
  };

  // Built once per accept value: the transport copies them, so calls can share them.
  const headersByAccept = new Map<string, Record<string, string>>();
  function headers(accept: string): Record<string, string> {
    // openai-compatible servers often need no key (a local Ollama); OpenAI and Azure always do.
    if (!apiKey && type !== 'openai-compatible') throw missingKeyError(name, OPENAI_KEY_ENV[type]);
    let built = headersByAccept.get(accept);
    if (!built) {
      built = buildHeaders(accept);
      headersByAccept.set(accept, built);
    }
    return built;
  }

  function buildHeaders(accept: string): Record<string, string> {
    const result: Record<string, string> = { 'content-type': 'application/json', accept };
    if (apiKey) {
      if (type === 'azure-openai') result['api-key'] = apiKey;
      else result.authorization = `Bearer ${apiKey}`;
    }
    if (config.type === 'openai' && config.organization) result['openai-organization'] = config.organization;
    return { ...result, ...config.headers };
  }

  function url(operation: 'chat/completions' | 'embeddings', model: string): string {
    if (config.type !== 'azure-openai') return `${baseUrl}/${operation}`;
    const version = encodeURIComponent(config.apiVersion);
    return `${baseUrl}/openai/deployments/${encodeURIComponent(model)}/${operation}?api-version=${version}`;
  }

  function post(path: 'chat/completions' | 'embeddings', model: string, body: unknown, accept: string, call?: CallOptions): HttpRequest {
    return { method: 'POST', url: url(path, model), headers: headers(accept), body: JSON.stringify(body), signal: call?.signal };
  }

  const chat: ChatModel = {
    provider: name,
    providerType: type,
    async generate(request: ChatRequest, call?: CallOptions) {
      const body = toOpenAIChatBody(request, type, false);
      const response = await callUpstream(client, post('chat/completions', request.model, body, 'application/json', call));
      return fromOpenAIChatCompletion(await readJson(client, response), name);
    },
    async stream(request: ChatRequest, call?: CallOptions) {
      const body = toOpenAIChatBody(request, type, true);
      const response = await callUpstream(client, post('chat/completions', request.model, body, 'text/event-stream', call));
      return closeable(openAIStreamParts(response.body, name, apiKey), response);
    },
  };

  const embeddings: EmbeddingModel = {
    provider: name,
    providerType: type,
    async embed(request: EmbeddingRequest, call?: CallOptions) {
      const body = toOpenAIEmbeddingBody(request, type);
      const response = await callUpstream(client, post('embeddings', request.model, body, 'application/json', call));
      return fromOpenAIEmbeddings(await readJson(client, response), name, request.input.length);
    },
  };

  return {
    name,
    type,
    chat: () => chat,
    embeddings: () => embeddings,
    async listModels(call?: CallOptions) {
      // Azure lists base models, not the deployments a request names, so there is nothing useful to list.
      if (config.type === 'azure-openai') return [];
      const response = await callUpstream(client, { method: 'GET', url: `${baseUrl}/models`, headers: headers('application/json'), signal: call?.signal });
      const json = await readJson(client, response);
      return Array.isArray(json.data) ? json.data.filter(isRecord).map((model) => String(model.id)) : [];
    },
  };
}
