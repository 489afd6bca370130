import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TokenUsage } from './compute-cost.ts';
import { createCostMiddleware, type CostedCall, type CostedHandler, type CostedRequest } from './cost-middleware.ts';
import { createTokenCounter } from './token-counter.ts';

// Shapes of the gateway's types, declared here because tracing may not import the gateway or providers.
// `src/gateway/limits/policy-layers.test.ts` composes this layer with the real ones.
type ChatStreamPart =
  | { type: 'start'; id: string; model: string; created: number }
  | { type: 'text-delta'; index: number; text: string }
  | { type: 'finish'; index: number; finishReason: string }
  | { type: 'usage'; usage: TokenUsage };
interface ChatResult {
  id: string;
  model: string;
  created: number;
  choices: Array<{ index: number; message: { content: string | null }; finishReason: string }>;
  usage?: TokenUsage;
}
type Call = CostedCall;
type ChatHandler = CostedHandler<Call, CostedRequest, ChatResult, ChatStreamPart>;

const request: CostedRequest = { model: 'smart', messages: [{ role: 'user', content: [{ type: 'text', text: 'one two three' }] }] };

// One token per word, so estimates are predictable.
const wordCounter = createTokenCounter({ load: async () => (text) => text.split(/\s+/).filter(Boolean).length });

function result(usage?: ChatResult['usage']): ChatResult {
  return { id: 'r1', model: 'gpt-4o', created: 0, choices: [{ index: 0, message: { content: 'alpha beta' }, finishReason: 'stop' }], usage };
}

function handler(answer: { result?: ChatResult; parts?: ChatStreamPart[]; modelUsed?: string; failAfter?: number }): ChatHandler {
  return {
    async generate(_request, context) {
      context.record.modelUsed = answer.modelUsed;
      return answer.result ?? result();
    },
    async stream(_request, context) {
      context.record.modelUsed = answer.modelUsed;
      const parts = answer.parts ?? [];
      return (async function* () {
        let index = 0;
        for (const part of parts) {
          if (answer.failAfter === index++) throw new Error('connection reset');
          yield part;
        }
      })();
    },
  };
}

function context(): Call {
  return { record: { cacheHit: false, usageEstimated: false } };
}

async function drain(parts: AsyncIterable<ChatStreamPart>): Promise<ChatStreamPart[]> {
  const seen: ChatStreamPart[] = [];
  for await (const part of parts) seen.push(part);
  return seen;
}

test('prices a generated answer from its usage and the model the router used', async () => {
  const cost = createCostMiddleware();
  const call = context();
  await cost(handler({ result: result({ inputTokens: 1_000_000, outputTokens: 100_000 }), modelUsed: 'gpt-4o-2024-08-06' })).generate(request, call);
  assert.deepEqual(call.record.usage, { inputTokens: 1_000_000, outputTokens: 100_000 });
  assert.equal(call.record.costUsd, 2.5 + 1);
  assert.equal(call.record.usageEstimated, false);
});

test('uses config pricing over the built-in table', async () => {
  const cost = createCostMiddleware({ pricing: { 'gpt-4o': { input: 1, output: 1 } } });
  const call = context();
  await cost(handler({ result: result({ inputTokens: 500_000, outputTokens: 500_000 }), modelUsed: 'gpt-4o' })).generate(request, call);
  assert.equal(call.record.costUsd, 1);
});

test('leaves the cost unset for an unpriced model, warns once and lists it', async () => {
  const warnings: string[] = [];
  const cost = createCostMiddleware({ logger: { warn: (_fields: unknown, message: string) => warnings.push(message) } as never });
  for (let i = 0; i < 2; i++) {
    const call = context();
    await cost(handler({ result: result({ inputTokens: 10, outputTokens: 10 }), modelUsed: 'llama3.1:8b' })).generate(request, call);
    assert.equal(call.record.costUsd, undefined);
    assert.deepEqual(call.record.usage, { inputTokens: 10, outputTokens: 10 });
  }
  assert.equal(warnings.length, 1);
  assert.match(warnings[0] ?? '', /llama3\.1:8b.*pricing:/);
  assert.deepEqual(cost.unpricedModels(), ['llama3.1:8b']);
});

test('falls back to the requested model when the record names none', async () => {
  const cost = createCostMiddleware();
  const call = context();
  await cost(handler({ result: result({ inputTokens: 1_000_000, outputTokens: 0 }) })).generate({ ...request, model: 'gpt-4o-mini' }, call);
  assert.equal(call.record.costUsd, 0.15);
});

test('a cache hit costs nothing', async () => {
  const cost = createCostMiddleware();
  const call = context();
  const inner = handler({ result: result({ inputTokens: 1000, outputTokens: 1000 }), modelUsed: 'gpt-4o' });
  await cost({ ...inner, generate: async (r, c) => { c.record.cacheHit = true; return inner.generate(r, c); } }).generate(request, call);
  assert.equal(call.record.costUsd, 0);
});

test('a stream is priced from its usage part when it ends, and parts pass through unchanged', async () => {
  const cost = createCostMiddleware();
  const call = context();
  const parts: ChatStreamPart[] = [
    { type: 'start', id: 's', model: 'gpt-4o-mini', created: 0 },
    { type: 'text-delta', index: 0, text: 'Hi' },
    { type: 'finish', index: 0, finishReason: 'stop' },
    { type: 'usage', usage: { inputTokens: 1_000_000, outputTokens: 1_000_000 } },
  ];
  const stream = await cost(handler({ parts, modelUsed: 'gpt-4o-mini' })).stream(request, call);
  assert.equal(call.record.costUsd, undefined, 'not priced before the stream ends');
  assert.deepEqual(await drain(stream), parts);
  assert.equal(call.record.costUsd, 0.15 + 0.6);
  assert.equal(call.record.usageEstimated, false);
});

test('a stream without a usage part is counted with the tokenizer and marked estimated', async () => {
  const cost = createCostMiddleware({ tokenCounter: wordCounter });
  const call = context();
  const parts: ChatStreamPart[] = [
    { type: 'start', id: 's', model: 'gpt-4o', created: 0 },
    { type: 'text-delta', index: 0, text: 'four five ' },
    { type: 'text-delta', index: 0, text: 'six' },
    { type: 'finish', index: 0, finishReason: 'stop' },
  ];
  await drain(await cost(handler({ parts, modelUsed: 'gpt-4o' })).stream(request, call));
  // prompt: 3 words + 3 per message + 3 reply priming; completion: 3 words
  assert.deepEqual(call.record.usage, { inputTokens: 9, outputTokens: 3 });
  assert.equal(call.record.usageEstimated, true);
  assert.ok((call.record.costUsd ?? 0) > 0);
});

test('a generated answer without usage is counted with the tokenizer', async () => {
  const cost = createCostMiddleware({ tokenCounter: wordCounter });
  const call = context();
  await cost(handler({ result: result(), modelUsed: 'gpt-4o' })).generate(request, call);
  assert.deepEqual(call.record.usage, { inputTokens: 9, outputTokens: 2 });
  assert.equal(call.record.usageEstimated, true);
});

test('a stream that fails midway still records what was streamed, then rethrows', async () => {
  const cost = createCostMiddleware({ tokenCounter: wordCounter });
  const call = context();
  const parts: ChatStreamPart[] = [
    { type: 'start', id: 's', model: 'gpt-4o', created: 0 },
    { type: 'text-delta', index: 0, text: 'partial answer' },
    { type: 'text-delta', index: 0, text: 'never sent' },
  ];
  const stream = await cost(handler({ parts, modelUsed: 'gpt-4o', failAfter: 2 })).stream(request, call);
  await assert.rejects(drain(stream), /connection reset/);
  assert.deepEqual(call.record.usage, { inputTokens: 9, outputTokens: 2 });
});

test('a stream closed early by the consumer is priced for what was read', async () => {
  const cost = createCostMiddleware({ tokenCounter: wordCounter });
  const call = context();
  const parts: ChatStreamPart[] = [
    { type: 'start', id: 's', model: 'gpt-4o', created: 0 },
    { type: 'text-delta', index: 0, text: 'one' },
    { type: 'text-delta', index: 0, text: 'two' },
  ];
  const stream = await cost(handler({ parts, modelUsed: 'gpt-4o' })).stream(request, call);
  for await (const part of stream) if (part.type === 'text-delta') break;
  assert.deepEqual(call.record.usage, { inputTokens: 9, outputTokens: 1 });
});
