import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ingestRecorded } from '../otlp/__fixtures__/export-spans.ts';

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const T = NOW - 60_000;

describe('Operon SDK spans', () => {
  const spans = ingestRecorded(
    [
      {
        name: 'checkout assistant',
        startTime: T,
        endTime: T + 1_000,
        attributes: {
          'operon.span.kind': 'workflow',
          'input.value': '{"cart":["sku-1","sku-2"]}',
          'output.value': '{"approved":true}',
          'session.id': 'sess-1',
          'user.id': 'user-1',
          'operon.tags': ['beta', 'checkout'],
          'operon.metadata.tenant': 'acme',
          'operon.metadata.plan': 'pro',
          'operon.release': '2026.01.15',
        },
        children: [
          {
            name: 'moderate',
            startTime: T + 10,
            endTime: T + 20,
            attributes: {
              'operon.span.kind': 'guardrail',
              'openinference.span.kind': 'LLM', // the explicit Operon kind wins
              'gen_ai.operation.name': 'chat',
              'gen_ai.request.model': 'omni-moderation-latest',
              'operon.session.id': 'sess-override',
              'session.id': 'sess-1',
              'tag.tags': ['checkout', 'safety'],
              metadata: '{"plan":"free","region":"eu"}',
              'operon.metadata.plan': 'pro',
            },
          },
          { name: 'unknown kind', startTime: T + 20, endTime: T + 30, attributes: { 'operon.span.kind': 'banana', 'enduser.id': 'user-9' } },
        ],
      },
    ],
    NOW,
    { resource: { 'service.name': 'shop', 'service.version': '9.9.9', 'operon.environment': 'staging', 'deployment.environment.name': 'production' } },
  );

  it('maps kind, input and output, session, user, tags, metadata and release', () => {
    const root = spans.get('checkout assistant');
    assert.equal(root.kind, 'workflow');
    assert.deepEqual(root.input, { cart: ['sku-1', 'sku-2'] });
    assert.deepEqual(root.output, { approved: true });
    assert.equal(root.sessionId, 'sess-1');
    assert.equal(root.userId, 'user-1');
    assert.deepEqual(root.tags, ['beta', 'checkout']);
    assert.deepEqual(root.metadata, { tenant: 'acme', plan: 'pro' });
    assert.equal(root.release, '2026.01.15'); // the span's operon.release before the resource's service.version
    assert.equal(root.environment, 'staging'); // the resource's operon.environment before deployment.environment.name
    assert.equal(root.serviceName, 'shop');
  });

  it('lets operon.* win over the other conventions and unites the tags', () => {
    const moderate = spans.get('moderate');
    assert.equal(moderate.kind, 'guardrail');
    assert.equal(moderate.modelRequested, 'omni-moderation-latest');
    assert.equal(moderate.sessionId, 'sess-override');
    assert.deepEqual(moderate.tags, ['checkout', 'safety']);
    assert.deepEqual(moderate.metadata, { plan: 'pro', region: 'eu' });
    assert.equal(moderate.release, '9.9.9'); // no operon.release on this span: the resource's service.version
  });

  it('ignores an operon.span.kind it does not know and reads enduser.id', () => {
    const span = spans.get('unknown kind');
    assert.equal(span.kind, 'other');
    assert.equal(span.userId, 'user-9');
  });
});
