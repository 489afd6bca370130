import type { Clock } from '../core/clock.ts';
import { toOperonError } from '../core/errors.ts';
import type { IdGenerator } from '../core/ids.ts';
import type { EmbeddingRequest, EmbeddingResult } from '../providers/chat-model.ts';
import { captureBody } from '../tracing/body-capture.ts';
import { newSpan } from '../tracing/new-span.ts';
import type { SpanQueue } from '../tracing/span-queue.ts';
import type { CallContext } from './pipeline.ts';

/**
 * Records an `embedding` span for every embeddings call, like the tracing layer does for chat.
 * Vectors are never stored; the output records only their count and dimension.
 */
export function traceEmbedding(deps: {
  queue: SpanQueue;
  clock: Clock;
  ids: IdGenerator;
  embed(request: EmbeddingRequest, context: CallContext): Promise<EmbeddingResult>;
}) {
  return async (request: EmbeddingRequest, context: CallContext & { traceId: string }): Promise<EmbeddingResult> => {
    const startedAt = deps.clock.now();
    const startedMono = deps.clock.monotonic();
    let result: EmbeddingResult | undefined;
    let failure: ReturnType<typeof toOperonError> | undefined;
    try {
      result = await deps.embed(request, context);
      return result;
    } catch (error) {
      failure = toOperonError(error);
      throw error;
    } finally {
      const latencyMs = Math.round((deps.clock.monotonic() - startedMono) * 100) / 100;
      const record = context.record;
      deps.queue.enqueue(
        newSpan(
          {
            id: deps.ids.next('span'),
            traceId: context.traceId,
            projectId: context.project.id,
            type: 'embedding',
            name: 'embeddings',
            startedAt,
            endedAt: startedAt + Math.round(latencyMs),
            status: failure ? 'error' : 'ok',
            latencyMs,
          },
          {
            keyId: context.key.id,
            modelRequested: context.requestedModel,
            modelUsed: record.modelUsed ?? result?.model ?? null,
            provider: record.provider ?? null,
            attempts: record.attempts,
            fallbackUsed: record.fallbackUsed,
            inputTokens: result?.usage?.inputTokens ?? null,
            outputTokens: result ? 0 : null,
            costUsd: record.costUsd ?? null,
            errorCode: failure?.code ?? null,
            errorMessage: failure?.message ?? null,
            bodyCapture: context.project.captureBodies,
            input: captureBody(context.project.captureBodies, request),
            output: result ? { count: result.embeddings.length, dimensions: result.embeddings[0]?.length ?? 0 } : null,
            attributes: { 'gen_ai.operation.name': 'embeddings' },
          },
        ),
      );
    }
  };
}
