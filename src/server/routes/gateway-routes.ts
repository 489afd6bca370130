import type { OpenAPIHono } from '@hono/zod-openapi';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { toOperonError } from '../../core/errors.ts';
import type { CallContext } from '../../gateway/pipeline.ts';
import { newCallRecord } from '../../gateway/pipeline.ts';
import type { EmbeddingRequest, EmbeddingResult } from '../../providers/chat-model.ts';
import {
  anthropicMessagesRequestSchema,
  createAnthropicEventEncoder,
  createOpenAIChunkEncoder,
  embeddingsRequestSchema,
  encodeAnthropicErrorEvent,
  encodeOpenAIErrorEvent,
  openAIChatRequestSchema,
  parseAnthropicMessagesRequest,
  parseEmbeddingsRequest,
  parseOpenAIChatRequest,
  toAnthropicErrorBody,
  toAnthropicMessage,
  toOpenAIChatCompletion,
  toOpenAIEmbeddingsResponse,
  toOpenAIErrorBody,
  toOpenAIModelList,
} from '../../gateway/wire/index.ts';
import type { AppEnv } from '../app-env.ts';
import type { NodeHandler } from '../node-listener.ts';
import { errorHeaders, httpStatusOf } from '../error-response.ts';
import { readJsonBody } from '../request-body.ts';
import { serveChat, writeJson, type ChatWire, type ExchangeDeps } from './gateway-exchange.ts';

export const openAIWire: ChatWire = {
  name: 'openai',
  parse: parseOpenAIChatRequest,
  render: toOpenAIChatCompletion,
  encoder: createOpenAIChunkEncoder,
  errorBody: toOpenAIErrorBody,
  errorEvent: encodeOpenAIErrorEvent,
};

export const anthropicWire: ChatWire = {
  name: 'anthropic',
  parse: (json) => parseAnthropicMessagesRequest(json),
  render: (result) => toAnthropicMessage(result),
  encoder: (options) => createAnthropicEventEncoder({ requestedModel: options.requestedModel }),
  errorBody: toAnthropicErrorBody,
  errorEvent: encodeAnthropicErrorEvent,
};

export interface GatewayRouteDeps extends ExchangeDeps {
  embed(request: EmbeddingRequest, context: CallContext): Promise<EmbeddingResult>;
  listModels(): Array<{ id: string; ownedBy: string }>;
}

/** The chat endpoints by path, as Node handlers (the server's listener also calls them directly). */
export function chatHandlers(deps: ExchangeDeps): Record<string, NodeHandler> {
  return {
    '/v1/chat/completions': (incoming, outgoing) => serveChat(openAIWire, deps, incoming, outgoing),
    '/v1/messages': (incoming, outgoing) => serveChat(anthropicWire, deps, incoming, outgoing),
  };
}

/**
 * The OpenAI- and Anthropic-compatible endpoints. Handlers write to Node's response directly
 * (`RESPONSE_ALREADY_SENT`); their request schemas are registered for `/openapi.json`.
 */
export function registerGatewayRoutes(app: OpenAPIHono<AppEnv>, deps: GatewayRouteDeps): void {
  for (const [path, handler] of Object.entries(chatHandlers(deps))) {
    app.post(path, async (c) => {
      await handler(c.env.incoming, c.env.outgoing);
      return RESPONSE_ALREADY_SENT;
    });
  }
  app.post('/v1/embeddings', async (c) => {
    const { incoming, outgoing } = c.env;
    const traceId = deps.ids.next('trace');
    const startedAt = deps.clock.now();
    let principal: Awaited<ReturnType<typeof deps.authenticator.authenticate>> | undefined;
    let parsedOk = false;
    try {
      principal = await deps.authenticator.authenticate(incoming.headers, 'gateway');
      const parsed = parseEmbeddingsRequest(await readJsonBody(incoming, deps.maxBodyBytes));
      parsedOk = true;
      const context = {
        project: principal.project,
        key: principal.key,
        requestedModel: parsed.request.model,
        stream: false,
        wire: 'openai' as const,
        headers: {},
        signal: AbortSignal.timeout(600_000),
        record: newCallRecord(),
        traceId,
      };
      const result = await deps.embed(parsed.request, context);
      writeJson(outgoing, 200, toOpenAIEmbeddingsResponse(result, parsed.encodingFormat), traceId);
    } catch (thrown) {
      const error = toOperonError(thrown);
      if (principal && !parsedOk) {
        deps.rejected({ traceId, project: principal.project, key: principal.key, name: 'embeddings', wire: 'openai', startedAt, error });
      }
      writeJson(outgoing, httpStatusOf(error), toOpenAIErrorBody(error), principal ? traceId : undefined, errorHeaders(error));
    }
    return RESPONSE_ALREADY_SENT;
  });
  app.get('/v1/models', async (c) => {
    await deps.authenticator.authenticate(c.req.header(), 'gateway');
    return c.json(toOpenAIModelList(deps.listModels()));
  });

  const registry = app.openAPIRegistry;
  const errorResponse = { description: 'Error in the OpenAI error shape: { error: { message, type, code, param } }' };
  registry.registerPath({
    method: 'post',
    path: '/v1/chat/completions',
    tags: ['gateway'],
    summary: 'OpenAI-compatible chat completions (JSON or SSE stream)',
    security: [{ bearer: [] }],
    request: { body: { content: { 'application/json': { schema: openAIChatRequestSchema } }, required: true } },
    responses: { 200: { description: 'chat.completion, or text/event-stream of chat.completion.chunk when stream is true' }, 400: errorResponse, 401: errorResponse, 404: errorResponse, 429: errorResponse, 502: errorResponse },
  });
  registry.registerPath({
    method: 'post',
    path: '/v1/messages',
    tags: ['gateway'],
    summary: 'Anthropic Messages API (JSON or SSE stream)',
    security: [{ bearer: [] }],
    request: { body: { content: { 'application/json': { schema: anthropicMessagesRequestSchema } }, required: true } },
    responses: { 200: { description: 'message, or text/event-stream of Messages stream events when stream is true' }, 400: errorResponse, 401: errorResponse, 429: errorResponse, 502: errorResponse },
  });
  registry.registerPath({
    method: 'post',
    path: '/v1/embeddings',
    tags: ['gateway'],
    summary: 'OpenAI-compatible embeddings',
    security: [{ bearer: [] }],
    request: { body: { content: { 'application/json': { schema: embeddingsRequestSchema } }, required: true } },
    responses: { 200: { description: 'list of embedding objects' }, 400: errorResponse, 401: errorResponse, 404: errorResponse },
  });
  registry.registerPath({
    method: 'get',
    path: '/v1/models',
    tags: ['gateway'],
    summary: 'Model aliases and provider/model names this gateway serves',
    security: [{ bearer: [] }],
    responses: { 200: { description: 'list of model objects' }, 401: errorResponse },
  });
}
