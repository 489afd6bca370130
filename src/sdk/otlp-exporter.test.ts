import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tracesUrl } from './otlp-exporter.ts';
import { startSdk } from './test-support/sdk-under-test.ts';

describe('OTLP exporter', () => {
  it('sends OTLP/HTTP protobuf to /v1/traces with the bearer key by default', async (t) => {
    const { operon, receiver } = await startSdk(t, { protocol: undefined });
    operon.span('proto-span', () => 'x');
    await operon.flush();

    const [request] = receiver.traceRequests();
    assert.ok(request !== undefined);
    assert.equal(request.method, 'POST');
    assert.equal(request.path, '/v1/traces');
    assert.equal(request.headers['content-type'], 'application/x-protobuf');
    assert.equal(request.headers.authorization, 'Bearer opk_test_key');
    assert.ok(request.body.length > 0);
    // protobuf carries strings as raw UTF-8: the span name and the kind attribute are in the bytes
    assert.ok(request.body.includes('proto-span'));
    assert.ok(request.body.includes('operon.span.kind'));
    assert.equal(operon.stats().spansExported, 1);
  });

  it('sends OTLP/JSON when asked', async (t) => {
    const { operon, receiver } = await startSdk(t, { protocol: 'http/json' });
    operon.span('json-span', () => 'x');
    await operon.flush();
    assert.equal(receiver.traceRequests()[0]?.headers['content-type'], 'application/json');
    assert.equal(receiver.span('json-span').attributes['operon.span.kind'], 'other');
  });

  it('builds the traces URL from the base URL', () => {
    assert.equal(tracesUrl('http://127.0.0.1:4100'), 'http://127.0.0.1:4100/v1/traces');
    assert.equal(tracesUrl('https://operon.example.com/base/'), 'https://operon.example.com/base/v1/traces');
  });
});
