import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import protobuf from 'protobufjs';
import { createManualClock } from '../../core/clock.ts';
import { parseConfig } from '../../core/config-loader.ts';
import { silentLogger } from '../../core/logger.ts';
import { createIngestQueue } from '../../ingest/ingest-queue.ts';
import { createPriceLookup } from '../../tracing/cost/index.ts';
import type { TraceStore } from '../../tracing/trace-store.ts';
import type { Authenticator } from '../authenticator.ts';
import { serveOtlpTraces } from './otlp-exchange.ts';

const NOW = Date.UTC(2026, 10, 25);
const principal = {
  project: { id: 'prj_1', name: 'p', createdAt: 0, captureBodies: 'full' as const, limits: {}, cacheEnabled: true, cacheTtlSeconds: null },
  key: { id: 'key_1', projectId: 'prj_1', name: 'k', prefix: 'opk_x', hash: 'h', scopes: ['ingest' as const], limits: {}, createdAt: 0, revokedAt: null },
};

/** Serves /v1/traces over a store whose writes finish only when the test says so. */
async function start(maxPendingSpans: number) {
  const finishers: (() => void)[] = [];
  const store: TraceStore = {
    writeSpans: () => new Promise<void>((resolve) => finishers.push(resolve)),
    listTraces: async () => ({ traces: [], nextCursor: null }),
    getTrace: async () => undefined,
  };
  const queue = createIngestQueue({ store, logger: silentLogger(), maxPendingSpans, batchSize: 1_000, retryAfterSeconds: 3 });
  const deps = {
    authenticator: { authenticate: async () => principal } as unknown as Authenticator,
    queue,
    clock: createManualClock(NOW),
    logger: silentLogger(),
    prices: createPriceLookup({}),
    limits: parseConfig({}).ingest,
  };
  const server: Server = createServer((incoming, outgoing) => void serveOtlpTraces(deps, incoming, outgoing));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  after(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`, finishers, queue };
}

const spans = (count: number, first = 0) =>
  Array.from({ length: count }, (_, index) => ({
    traceId: 'a'.repeat(32), spanId: (first + index + 1).toString(16).padStart(16, '0'), name: `s${index}`,
    startTimeUnixNano: String(BigInt(NOW) * 1_000_000n), endTimeUnixNano: String(BigInt(NOW + 1) * 1_000_000n),
  }));
const post = (url: string, body: unknown, contentType = 'application/json') =>
  fetch(url, { method: 'POST', headers: { 'content-type': contentType, authorization: 'Bearer opk_x' }, body: JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: body }] }] }) });

test('an export past the pending limit gets 429 with Retry-After and a google.rpc.Status body, and is not kept; an accepted one is answered only when stored', async () => {
  const { url, finishers, queue } = await start(150);
  let firstAnswered = false;
  const first = post(url, spans(100)).then((response) => {
    firstAnswered = true;
    return response;
  });
  while (finishers.length === 0) await new Promise((resolve) => setImmediate(resolve));
  const refused = await post(url, spans(100, 100));
  assert.equal(refused.status, 429);
  assert.equal(refused.headers.get('retry-after'), '3');
  const status = (await refused.json()) as { code: number; message: string };
  assert.equal(status.code, 8); // RESOURCE_EXHAUSTED
  assert.match(status.message, /Retry/);
  assert.equal(queue.stats().refused, 100);
  assert.equal(firstAnswered, false, 'not acknowledged before it is stored');
  finishers[0]?.();
  assert.equal((await first).status, 200);
  assert.equal(queue.stats().written, 100);
});

test('errors answer in the request\'s encoding: protobuf clients get a protobuf Status', async () => {
  const { url } = await start(10);
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-protobuf', authorization: 'Bearer opk_x' }, body: new Uint8Array([0x0a, 0xff, 0xff]) });
  assert.equal(response.status, 400);
  assert.equal(response.headers.get('content-type'), 'application/x-protobuf');
  const reader = protobuf.Reader.create(new Uint8Array(await response.arrayBuffer()));
  const fields: Record<number, unknown> = {};
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    fields[tag >>> 3] = (tag & 7) === 0 ? reader.int32() : reader.string();
  }
  assert.equal(fields[1], 3); // INVALID_ARGUMENT
  assert.match(String(fields[2]), /protobuf|export/i);
});
