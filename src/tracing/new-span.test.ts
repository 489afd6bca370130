import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newSpan } from './new-span.ts';

const essentials = { id: 's', traceId: 't', projectId: 'p', type: 'embedding' as const, name: 'embeddings', startedAt: 1, endedAt: 2, status: 'ok' as const, latencyMs: 1 };

test('a new span records nothing beyond its essentials by default', () => {
  const span = newSpan(essentials);
  assert.equal(span.keyId, null);
  assert.deepEqual(span.attempts, []);
  assert.equal(span.bodyCapture, 'none');
  assert.equal(span.input, null);
  assert.equal(span.cacheHit, false);
});

test('recorded fields override the empty defaults, and essentials stay', () => {
  const span = newSpan(essentials, { keyId: 'k', inputTokens: 7, attributes: { a: 1 } });
  assert.equal(span.keyId, 'k');
  assert.equal(span.inputTokens, 7);
  assert.deepEqual(span.attributes, { a: 1 });
  assert.equal(span.name, 'embeddings');
});
