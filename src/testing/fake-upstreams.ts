import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  splitEvents,
  startFakeUpstream,
  type FakeBehavior,
  type FakeUpstream,
  type RecordedRequest,
} from './fake-upstream-server.ts';

export type { FakeBehavior, FakeUpstream, RecordedRequest } from './fake-upstream-server.ts';

/** The recorded OpenAI replies (`src/providers/openai/__fixtures__/`). */
export const OPENAI_FIXTURES = new URL('../providers/openai/__fixtures__/', import.meta.url);
/** The recorded Anthropic replies (`src/providers/anthropic/__fixtures__/`). */
export const ANTHROPIC_FIXTURES = new URL('../providers/anthropic/__fixtures__/', import.meta.url);

export interface FakeUpstreamOptions {
  /** Behaviours for the first requests (more can be queued with `enqueue`). */
  behaviors?: FakeBehavior[];
}

/**
 * An OpenAI-shaped server on 127.0.0.1 for tests: `url` ends in `/v1`, as OpenAI's base URL does (Azure
 * deployment paths work too, under the origin). With nothing queued it answers from the recorded
 * fixtures, with the requested model filled in: chat completions (streamed with a usage chunk when asked),
 * embeddings (one vector per input) and the model list.
 *
 * @example
 * const upstream = await startFakeOpenAIUpstream();
 * upstream.enqueue({ kind: 'error', status: 429, retryAfter: '2' });
 * const openai = new OpenAI({ baseURL: upstream.url, apiKey: 'sk-test', maxRetries: 0 });
 * // … assert on upstream.requests[0].body …
 * await upstream.close();
 */
export function startFakeOpenAIUpstream(options: FakeUpstreamOptions = {}): Promise<FakeUpstream> {
  return startFakeUpstream(
    {
      fixtures: OPENAI_FIXTURES,
      basePath: '/v1',
      errorBody: (status) => readJson(OPENAI_FIXTURES, OPENAI_ERROR_FIXTURE[status] ?? 'error-500.json'),
      fallback: openAIFallback,
    },
    options.behaviors,
  );
}

/**
 * An Anthropic-shaped server on 127.0.0.1 for tests: `url` is the origin (the provider adds `/v1/messages`).
 * With nothing queued it answers messages from the recorded fixtures (streamed when asked) and lists models.
 */
export function startFakeAnthropicUpstream(options: FakeUpstreamOptions = {}): Promise<FakeUpstream> {
  return startFakeUpstream(
    {
      fixtures: ANTHROPIC_FIXTURES,
      basePath: '',
      errorBody: anthropicErrorBody,
      fallback: anthropicFallback,
    },
    options.behaviors,
  );
}

const OPENAI_ERROR_FIXTURE: Record<number, string> = {
  400: 'error-400.json',
  401: 'error-401.json',
  403: 'error-401.json',
  404: 'error-404.json',
  429: 'error-429.json',
};

function openAIFallback(request: RecordedRequest): FakeBehavior {
  const path = request.path.split('?')[0] ?? '';
  const body = isRecord(request.body) ? request.body : {};
  const model = typeof body.model === 'string' ? body.model : undefined;
  if (request.method === 'POST' && path.endsWith('/chat/completions')) {
    if (body.stream === true) return { kind: 'sse', body: withModel(readText(OPENAI_FIXTURES, 'stream-usage.sse'), model, 'openai') };
    return { kind: 'json', body: { ...readJson(OPENAI_FIXTURES, 'chat-completion.json'), ...(model && { model }) } };
  }
  if (request.method === 'POST' && path.endsWith('/embeddings')) {
    const inputs = Array.isArray(body.input) ? body.input.map(String) : [String(body.input ?? '')];
    return {
      kind: 'json',
      body: {
        object: 'list',
        // The OpenAI SDK asks for base64 (little-endian float32) unless told otherwise.
        data: inputs.map((input, index) => {
          const vector = fakeVector(input);
          const embedding = body.encoding_format === 'base64' ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector;
          return { object: 'embedding', index, embedding };
        }),
        model: model ?? 'text-embedding-3-small',
        usage: { prompt_tokens: inputs.length * 2, total_tokens: inputs.length * 2 },
      },
    };
  }
  if (request.method === 'GET' && path.endsWith('/models')) return { kind: 'fixture', name: 'models.json' };
  return { kind: 'error', status: 404, body: { error: { message: `Unknown path ${path}`, type: 'invalid_request_error', param: null, code: null } } };
}

function anthropicFallback(request: RecordedRequest): FakeBehavior {
  const path = request.path.split('?')[0] ?? '';
  const body = isRecord(request.body) ? request.body : {};
  const model = typeof body.model === 'string' ? body.model : undefined;
  if (request.method === 'POST' && path === '/v1/messages') {
    if (body.stream === true) return { kind: 'sse', body: withModel(readText(ANTHROPIC_FIXTURES, 'stream-text.sse'), model, 'anthropic') };
    return { kind: 'json', body: { ...readJson(ANTHROPIC_FIXTURES, 'message.json'), ...(model && { model }) } };
  }
  if (request.method === 'GET' && path === '/v1/models') return { kind: 'fixture', name: 'models.json' };
  return { kind: 'error', status: 404, body: { type: 'error', error: { type: 'not_found_error', message: `Unknown path ${path}` } } };
}

function anthropicErrorBody(status: number): unknown {
  if (status === 400) return readJson(ANTHROPIC_FIXTURES, 'error-invalid-request.json');
  if (status === 401) return readJson(ANTHROPIC_FIXTURES, 'error-authentication.json');
  if (status === 429) return readJson(ANTHROPIC_FIXTURES, 'error-rate-limit.json');
  if (status === 529) return readJson(ANTHROPIC_FIXTURES, 'error-overloaded.json');
  const type = status === 403 ? 'permission_error' : status === 404 ? 'not_found_error' : 'api_error';
  return { type: 'error', error: { type, message: status >= 500 ? 'Internal server error' : `Error ${status}` } };
}

/** Rewrites the model name in every event of a recorded stream. */
function withModel(text: string, model: string | undefined, provider: 'openai' | 'anthropic'): string {
  if (!model) return text;
  return splitEvents(text)
    .map((event) =>
      event.replace(/^data: (.*)$/m, (line, data: string) => {
        if (data === '[DONE]') return line;
        const value = JSON.parse(data) as Record<string, unknown>;
        if (provider === 'openai') value.model = model;
        else if (isRecord(value.message)) value.message.model = model;
        return `data: ${JSON.stringify(value)}`;
      }),
    )
    .join('');
}

/** Four numbers from a hash of the input, like a (very small) embedding. */
function fakeVector(input: string): number[] {
  const digest = createHash('sha256').update(input).digest();
  return [0, 4, 8, 12].map((offset) => Number((digest.readInt32BE(offset) / 2 ** 31).toFixed(6)));
}

function readText(folder: URL, name: string): string {
  return readFileSync(new URL(name, folder), 'utf8');
}

function readJson(folder: URL, name: string): Record<string, unknown> {
  return JSON.parse(readText(folder, name)) as Record<string, unknown>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
