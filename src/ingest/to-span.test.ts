import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createPriceLookup } from '../tracing/cost/index.ts';
import type { IngestedSpan } from './ingested-span.ts';
import { toSpan } from './to-span.ts';

function ingested(overrides: Partial<IngestedSpan> = {}): IngestedSpan {
  return {
    traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), parentSpanId: null, name: 'chat', kind: 'generation', startedAt: 1_000, endedAt: 1_250,
    status: 'ok', statusMessage: null, provider: 'openai', operation: 'chat', modelRequested: 'gpt-4o-mini', modelUsed: 'gpt-4o-mini',
    inputTokens: 1_000_000, outputTokens: 1_000_000, costUsd: null, timeToFirstTokenMs: null,
    input: [{ role: 'user', content: 'my card is 4111 1111 1111 1111' }], output: { role: 'assistant', content: 'ok' },
    sessionId: null, userId: null, tags: [], metadata: {}, release: null, environment: null, serviceName: 'app', scope: null,
    attributes: {
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.input.messages': '[{"role":"user","parts":[{"type":"text","content":"my card is 4111 1111 1111 1111"}]}]',
      'llm.input_messages.0.message.content': 'my card is 4111 1111 1111 1111',
      'input.value': 'my card is 4111 1111 1111 1111',
    },
    resourceAttributes: { 'service.name': 'app' }, events: [], truncated: false,
    ...overrides,
  };
}

const context = (captureBodies: 'full' | 'redacted' | 'none') => ({ projectId: 'prj_1', keyId: 'key_1', captureBodies, prices: createPriceLookup({ 'gpt-4o-mini': { input: 0.15, output: 0.6 } }) });

test('prompt-carrying attributes never outlive the project\'s body capture: they are the input, not attributes', () => {
  for (const mode of ['full', 'redacted', 'none'] as const) {
    const span = toSpan(ingested(), context(mode));
    const stored = JSON.stringify(span.attributes);
    assert.doesNotMatch(stored, /4111/, `mode ${mode}`);
    assert.equal(span.attributes['gen_ai.request.model'], 'gpt-4o-mini');
    assert.deepEqual(span.attributes['operon.resource'], { 'service.name': 'app' });
  }
  assert.equal(toSpan(ingested(), context('none')).input, null);
  assert.match(JSON.stringify(toSpan(ingested(), context('full')).input), /4111/);
});

test('generations without a cost are priced from the table; the span\'s own cost wins; other kinds are not priced', () => {
  assert.equal(toSpan(ingested(), context('none')).costUsd, 0.75);
  assert.equal(toSpan(ingested({ costUsd: 0.01 }), context('none')).costUsd, 0.01);
  assert.equal(toSpan(ingested({ kind: 'agent' }), context('none')).costUsd, null);
  assert.equal(toSpan(ingested({ modelUsed: 'unknown-model', modelRequested: null }), context('none')).costUsd, null);
});

test('status, parent, project, key and timing carry over', () => {
  const span = toSpan(ingested({ status: 'error', statusMessage: 'rate limited', parentSpanId: 'c'.repeat(16) }), context('none'));
  assert.equal(span.status, 'error');
  assert.equal(span.errorMessage, 'rate limited');
  assert.equal(span.parentSpanId, 'c'.repeat(16));
  assert.equal(span.projectId, 'prj_1');
  assert.equal(span.keyId, 'key_1');
  assert.equal(span.latencyMs, 250);
  assert.equal(toSpan(ingested({ status: 'unset' }), context('none')).status, 'ok');
});
