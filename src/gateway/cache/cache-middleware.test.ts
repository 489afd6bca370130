import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createManualClock } from '../../core/clock.ts';
import type { ChatRequest, ChatResult, ChatStreamPart } from '../../providers/chat-model.ts';
import type { ApiKey, Project } from '../../projects/project-store.ts';
import { newCallRecord, type CallContext, type ChatHandler } from '../pipeline.ts';
import { createCacheMiddleware } from './cache-middleware.ts';
import { cacheKey, canonicalJson } from './cache-key.ts';

const config = { enabled: true, ttlSeconds: 60, maxEntries: 100 };

function context(options: { project?: Partial<Project>; headers?: Record<string, string> } = {}): CallContext {
  const project: Project = {
    id: 'proj_1', name: 'default', createdAt: 0, captureBodies: 'none', limits: {}, cacheEnabled: true, cacheTtlSeconds: null, retentionDays: null, ...options.project,
  };
  const key = { id: 'key_1', projectId: project.id, name: 'k', limits: {} } as ApiKey;
  return {
    project, key, requestedModel: 'smart', stream: false, wire: 'openai', headers: options.headers ?? {},
    signal: new AbortController().signal, record: newCallRecord(),
  };
}

function request(text = 'Hi', extra: Partial<ChatRequest> = {}): ChatRequest {
  return { model: 'smart', messages: [{ role: 'user', content: [{ type: 'text', text }] }], ...extra };
}

const streamParts: ChatStreamPart[] = [
  { type: 'start', id: 'c1', model: 'gpt-4o', created: 7 },
  { type: 'text-delta', index: 0, text: 'Hello ' },
  { type: 'text-delta', index: 0, text: 'there, this answer is long enough to be replayed in chunks.' },
  { type: 'tool-call-start', index: 0, toolIndex: 0, id: 't1', name: 'lookup' },
  { type: 'tool-call-delta', index: 0, toolIndex: 0, argumentsDelta: '{"q":' },
  { type: 'tool-call-delta', index: 0, toolIndex: 0, argumentsDelta: '"x"}' },
  { type: 'finish', index: 0, finishReason: 'tool_calls' },
  { type: 'usage', usage: { inputTokens: 5, outputTokens: 9 } },
];

/** A provider stand-in that counts calls and sets the record as the inner layers would. */
function upstream(options: { finishReason?: 'stop' | 'error'; parts?: ChatStreamPart[] } = {}) {
  const calls = { generate: 0, stream: 0 };
  const handler: ChatHandler = {
    async generate(req, ctx) {
      calls.generate += 1;
      ctx.record.provider = 'openai';
      ctx.record.modelUsed = 'gpt-4o';
      ctx.record.usage = { inputTokens: 3, outputTokens: 4 };
      ctx.record.costUsd = 0.01;
      const result: ChatResult = {
        id: `r${calls.generate}`, model: 'gpt-4o', created: 1,
        choices: [{ index: 0, message: { content: `answer to ${JSON.stringify(req.messages)}` }, finishReason: options.finishReason ?? 'stop' }],
        usage: { inputTokens: 3, outputTokens: 4 },
      };
      return result;
    },
    async stream(_req, ctx) {
      calls.stream += 1;
      ctx.record.provider = 'openai';
      ctx.record.modelUsed = 'gpt-4o';
      const parts = options.parts ?? streamParts;
      return (async function* () {
        for (const part of parts) {
          if (part.type === 'usage') ctx.record.usage = part.usage;
          yield part;
        }
      })();
    },
  };
  return { handler, calls };
}

async function collect(parts: AsyncIterable<ChatStreamPart>): Promise<ChatStreamPart[]> {
  const seen: ChatStreamPart[] = [];
  for await (const part of parts) seen.push(part);
  return seen;
}

test('a repeated request is served from the cache and marked as a hit with no cost', async () => {
  const cache = createCacheMiddleware({ config, clock: createManualClock() });
  const { handler, calls } = upstream();
  const layered = cache(handler);
  const first = await layered.generate(request(), context());
  const call = context();
  const second = await layered.generate(request(), call);
  assert.equal(calls.generate, 1);
  assert.deepEqual(second, first);
  assert.equal(call.record.cacheHit, true);
  assert.equal(call.record.costUsd, 0);
  assert.equal(call.record.provider, 'openai');
  assert.equal(call.record.modelUsed, 'gpt-4o');
  assert.deepEqual(call.record.usage, { inputTokens: 3, outputTokens: 4 });
  assert.deepEqual(cache.stats(), { hits: 1, misses: 1, entries: 1, bytes: cache.stats().bytes, evictions: 0 });
});

test('a changed answer object does not change the stored entry', async () => {
  const cache = createCacheMiddleware({ config, clock: createManualClock() });
  const layered = cache(upstream().handler);
  const first = await layered.generate(request(), context());
  (first.choices[0] as { message: { content: string | null } }).message.content = 'tampered';
  const second = await layered.generate(request(), context());
  assert.notEqual(second.choices[0]?.message.content, 'tampered');
});

test('different requests, models and projects do not share entries', async () => {
  const cache = createCacheMiddleware({ config, clock: createManualClock() });
  const { handler, calls } = upstream();
  const layered = cache(handler);
  await layered.generate(request('a'), context());
  await layered.generate(request('b'), context());
  await layered.generate(request('a', { temperature: 0.5 }), context());
  await layered.generate(request('a'), context({ project: { id: 'proj_2' } }));
  const other = context();
  other.requestedModel = 'fast';
  await layered.generate({ ...request('a'), model: 'fast' }, other);
  assert.equal(calls.generate, 5);
});

test('the key ignores key order and undefined members', () => {
  const a = { model: 'm', messages: [], temperature: 0, user: undefined } as ChatRequest;
  const b = { temperature: 0, messages: [], model: 'm' } as ChatRequest;
  assert.equal(cacheKey('p', 'm', a), cacheKey('p', 'm', b));
  assert.equal(canonicalJson({ b: [1, undefined], a: { d: 1, c: 'x' } }), '{"a":{"c":"x","d":1},"b":[1,null]}');
});

test('a project with the cache turned off is never cached', async () => {
  const cache = createCacheMiddleware({ config, clock: createManualClock() });
  const { handler, calls } = upstream();
  const layered = cache(handler);
  const off = { project: { cacheEnabled: false } };
  await layered.generate(request(), context(off));
  await layered.generate(request(), context(off));
  assert.equal(calls.generate, 2);
  assert.equal(cache.stats().entries, 0);
});

test('config cache.enabled false turns the cache off everywhere', async () => {
  const cache = createCacheMiddleware({ config: { ...config, enabled: false }, clock: createManualClock() });
  const { handler, calls } = upstream();
  await cache(handler).generate(request(), context());
  await cache(handler).generate(request(), context());
  assert.equal(calls.generate, 2);
});

test('x-operon-cache: no-store neither reads nor writes', async () => {
  const cache = createCacheMiddleware({ config, clock: createManualClock() });
  const { handler, calls } = upstream();
  const layered = cache(handler);
  await layered.generate(request(), context());
  const call = context({ headers: { 'x-operon-cache': 'no-store' } });
  await layered.generate(request('other'), call);
  await layered.generate(request(), context({ headers: { 'x-operon-cache': 'no-store' } }));
  assert.equal(calls.generate, 3);
  assert.equal(cache.stats().entries, 1);
  assert.equal(call.record.cacheHit, false);
});

test('x-operon-cache: no-cache skips the lookup but refreshes the entry', async () => {
  const cache = createCacheMiddleware({ config, clock: createManualClock() });
  const { handler, calls } = upstream();
  const layered = cache(handler);
  await layered.generate(request(), context());
  const refreshed = await layered.generate(request(), context({ headers: { 'x-operon-cache': 'no-cache' } }));
  assert.equal(calls.generate, 2);
  const served = await layered.generate(request(), context());
  assert.equal(calls.generate, 2);
  assert.equal(served.id, refreshed.id);
});

test('entries expire after the TTL, the project TTL taking precedence', async () => {
  const clock = createManualClock();
  const cache = createCacheMiddleware({ config, clock });
  const { handler, calls } = upstream();
  const layered = cache(handler);
  await layered.generate(request(), context());
  clock.advance(59_999);
  await layered.generate(request(), context());
  assert.equal(calls.generate, 1);
  clock.advance(1);
  await layered.generate(request(), context());
  assert.equal(calls.generate, 2);

  const short = { project: { id: 'proj_short', cacheTtlSeconds: 5 } };
  await layered.generate(request(), context(short));
  clock.advance(5_000);
  await layered.generate(request(), context(short));
  assert.equal(calls.generate, 4);
});

test('the least recently used entry is evicted first when maxEntries is reached', async () => {
  const cache = createCacheMiddleware({ config: { ...config, maxEntries: 2 }, clock: createManualClock() });
  const { handler, calls } = upstream();
  const layered = cache(handler);
  await layered.generate(request('a'), context());
  await layered.generate(request('b'), context());
  await layered.generate(request('a'), context()); // a is now the most recently used
  await layered.generate(request('c'), context()); // evicts b
  assert.equal(calls.generate, 3);
  await layered.generate(request('a'), context());
  assert.equal(calls.generate, 3);
  await layered.generate(request('b'), context());
  assert.equal(calls.generate, 4);
  assert.equal(cache.stats().entries, 2);
  assert.equal(cache.stats().evictions, 2);
});

test('the byte bound evicts entries too', async () => {
  const cache = createCacheMiddleware({ config, clock: createManualClock(), maxBytes: 1_500 });
  const layered = cache(upstream().handler);
  for (const text of ['a', 'b', 'c', 'd']) await layered.generate(request(text), context());
  assert.ok(cache.stats().bytes <= 1_500);
  assert.ok(cache.stats().entries < 4);
});

test('answers that finished with an error are not stored', async () => {
  const cache = createCacheMiddleware({ config, clock: createManualClock() });
  const { handler, calls } = upstream({ finishReason: 'error' });
  await cache(handler).generate(request(), context());
  await cache(handler).generate(request(), context());
  assert.equal(calls.generate, 2);
});

test('a streamed miss passes parts through unchanged and is stored when it completes', async () => {
  const cache = createCacheMiddleware({ config, clock: createManualClock() });
  const { handler, calls } = upstream();
  const layered = cache(handler);
  const parts = await collect(await layered.stream(request(), context()));
  assert.deepEqual(parts, streamParts);
  assert.equal(cache.stats().entries, 1);

  const hit = context();
  const result = await layered.generate(request(), hit);
  assert.equal(calls.generate, 0, 'the stored stream serves a non-streaming call');
  assert.equal(result.choices[0]?.message.content, 'Hello there, this answer is long enough to be replayed in chunks.');
  assert.deepEqual(result.choices[0]?.message.toolCalls, [{ id: 't1', name: 'lookup', arguments: '{"q":"x"}' }]);
  assert.equal(result.choices[0]?.finishReason, 'tool_calls');
  assert.deepEqual(hit.record.usage, { inputTokens: 5, outputTokens: 9 });
  assert.equal(calls.stream, 1);
});

test('a hit for a streaming call is replayed as parts', async () => {
  const cache = createCacheMiddleware({ config, clock: createManualClock(), replayChunkSize: 16 });
  const { handler, calls } = upstream();
  const layered = cache(handler);
  await layered.generate(request(), context());
  const hit = context();
  const parts = await collect(await layered.stream(request(), hit));
  assert.equal(calls.stream, 0);
  assert.equal(hit.record.cacheHit, true);
  assert.equal(parts[0]?.type, 'start');
  const text = parts.flatMap((part) => (part.type === 'text-delta' ? [part.text] : []));
  assert.ok(text.length > 1, 'long text comes in several chunks');
  assert.ok(text.every((chunk) => chunk.length <= 16));
  assert.equal(text.join(''), `answer to ${JSON.stringify(request().messages)}`);
  assert.deepEqual(parts.slice(-2), [
    { type: 'finish', index: 0, finishReason: 'stop' },
    { type: 'usage', usage: { inputTokens: 3, outputTokens: 4 } },
  ]);
});

test('a streamed answer replays with its tool calls', async () => {
  const cache = createCacheMiddleware({ config, clock: createManualClock(), replayChunkSize: 1_000 });
  const layered = cache(upstream().handler);
  await collect(await layered.stream(request(), context()));
  const parts = await collect(await layered.stream(request(), context()));
  assert.deepEqual(parts.map((part) => part.type), ['start', 'text-delta', 'tool-call-start', 'tool-call-delta', 'finish', 'usage']);
});

test('a stream that is cut short or fails is not stored', async () => {
  const cache = createCacheMiddleware({ config, clock: createManualClock() });
  const layered = cache(upstream().handler);
  for await (const part of await layered.stream(request(), context())) if (part.type === 'text-delta') break;
  assert.equal(cache.stats().entries, 0);

  const unfinished = cache(upstream({ parts: streamParts.slice(0, 3) }).handler);
  await collect(await unfinished.stream(request(), context()));
  assert.equal(cache.stats().entries, 0);
});

test('replayed chunks never split a surrogate pair', async () => {
  const cache = createCacheMiddleware({ config, clock: createManualClock(), replayChunkSize: 3 });
  const emoji = '😀😀😀😀';
  const parts: ChatStreamPart[] = [
    { type: 'start', id: 'e', model: 'm', created: 0 },
    { type: 'text-delta', index: 0, text: emoji },
    { type: 'finish', index: 0, finishReason: 'stop' },
  ];
  const layered = cache(upstream({ parts }).handler);
  await collect(await layered.stream(request(), context()));
  const replayed = await collect(await layered.stream(request(), context()));
  const chunks = replayed.flatMap((part) => (part.type === 'text-delta' ? [part.text] : []));
  assert.equal(chunks.join(''), emoji);
  for (const chunk of chunks) assert.doesNotMatch(chunk, /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
});

test('clear drops the entries of one project', async () => {
  const cache = createCacheMiddleware({ config, clock: createManualClock() });
  const layered = cache(upstream().handler);
  await layered.generate(request(), context());
  await layered.generate(request(), context({ project: { id: 'proj_2' } }));
  cache.clear('proj_1');
  assert.equal(cache.stats().entries, 1);
});
