import { Worker } from 'node:worker_threads';
import { OperonError } from '../../core/errors.ts';
import type { SpansTable } from '../schema.ts';
import type { SpanWriteReply, SpanWriteRequest, SpanWriteSql, SpanWriteWorkerData } from './span-write-protocol.ts';

/**
 * Writes span rows to the embedded SQLite file from a worker thread (span-write-worker.ts), one
 * transaction per batch. The main thread only converts spans to rows and posts them (about a
 * microsecond per row); the inserts and the WAL checkpoints run beside it.
 *
 * The thread starts with the first batch and is kept alive only while a batch is in flight. If it dies
 * (out of memory, a crash), the batches in flight fail with a retryable error — the span queue retries
 * them — and the next batch starts a new thread.
 *
 * @example
 * const thread = createSpanWriteThread({ path: '/var/lib/operon/operon.db', compileSql: () => sql });
 * await thread.write(rows);
 * await thread.close();
 */
export interface SpanWriteThread {
  write(rows: SpansTable[]): Promise<void>;
  /** Indexes up to `maxSpans` spans for search on the thread's connection; resolves to how many. */
  indexSearch(maxSpans: number): Promise<number>;
  /** Waits for the batches in flight, then stops the thread. */
  close(): Promise<void>;
}

export interface SpanWriteThreadOptions {
  path: string;
  /** The statements, compiled from the first batch's rows. */
  compileSql: (rows: SpansTable[]) => SpanWriteSql;
  /** The worker's module; tests substitute one that fails. */
  workerUrl?: URL;
}

/**
 * The thread's heap: it holds one batch at a time. A 2 MB young generation cost ~10 % of the thread's
 * time in GC on 5,000-span ingestion batches; 16 MB is grown into only under such load.
 */
const RESOURCE_LIMITS = { maxYoungGenerationSizeMb: 16, maxOldGenerationSizeMb: 512 };

export function createSpanWriteThread(options: SpanWriteThreadOptions): SpanWriteThread {
  let worker: Worker | undefined;
  let sql: SpanWriteSql | undefined;
  let sentSql = false;
  let nextId = 1;
  let closed = false;
  const inFlight = new Map<number, { resolve: (indexed?: number) => void; reject: (error: Error) => void }>();

  const failAll = (error: Error) => {
    for (const pending of inFlight.values()) pending.reject(error);
    inFlight.clear();
  };

  const start = (): Worker => {
    const data: SpanWriteWorkerData = { path: options.path };
    const started = new Worker(options.workerUrl ?? new URL('./span-write-worker.ts', import.meta.url), { workerData: data, resourceLimits: RESOURCE_LIMITS });
    sentSql = false;
    started.on('message', (reply: SpanWriteReply) => {
      const pending = inFlight.get(reply.id);
      if (!pending) return;
      inFlight.delete(reply.id);
      if (inFlight.size === 0) started.unref();
      if (reply.error) pending.reject(writeFailed(reply.error.message, reply.error.code));
      else pending.resolve(reply.indexed);
    });
    const lost = (reason: string, cause?: unknown) => {
      if (worker === started) worker = undefined;
      failAll(writeFailed(`the span writer thread ${reason}`, undefined, cause));
    };
    started.on('error', (error) => lost(`failed: ${error.message}`, error));
    started.on('exit', (code) => lost(`exited (code ${code})`));
    return started;
  };

  return {
    write(rows) {
      if (closed) return Promise.reject(writeFailed('the store is closed'));
      if (rows.length === 0) return Promise.resolve();
      sql ??= options.compileSql(rows);
      worker ??= start();
      const id = nextId++;
      const request: SpanWriteRequest = { id, rows, ...(sentSql ? {} : { sql }) };
      sentSql = true;
      worker.ref();
      return new Promise<void>((resolve, reject) => {
        inFlight.set(id, { resolve: () => resolve(), reject });
        worker?.postMessage(request);
      });
    },
    indexSearch(maxSpans) {
      if (closed) return Promise.reject(writeFailed('the store is closed'));
      worker ??= start();
      const request: SpanWriteRequest = { id: nextId++, rows: [], indexSearch: maxSpans };
      worker.ref();
      return new Promise<number>((resolve, reject) => {
        inFlight.set(request.id, { resolve: (indexed) => resolve(indexed ?? 0), reject });
        worker?.postMessage(request);
      });
    },
    async close() {
      closed = true;
      const waiting = [...inFlight.values()].map(
        (pending) => new Promise<void>((resolve) => {
          const { resolve: done, reject } = pending;
          pending.resolve = () => (done(), resolve());
          pending.reject = (error) => (reject(error), resolve());
        }),
      );
      await Promise.all(waiting);
      const stopping = worker;
      worker = undefined;
      await stopping?.terminate();
    },
  };
}

function writeFailed(message: string, code?: string, cause?: unknown): OperonError {
  return new OperonError({
    code: 'trace_write_failed',
    kind: 'unavailable',
    blame: 'system',
    isRetryable: true,
    message: `Writing spans to the embedded database failed: ${message}${code ? ` (${code})` : ''}.`,
    cause,
  });
}
