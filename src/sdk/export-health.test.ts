import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createOperon } from './operon-client.ts';
import { describeDeliveryFailure } from './export-health.ts';
import { closedPort, recordingLogger } from './test-support/fake-operon-receiver.ts';
import { startSdk } from './test-support/sdk-under-test.ts';

describe('when Operon is down or refuses the key', () => {
  it('leaves the application unaffected, counts the losses and logs one line', async (t) => {
    const port = await closedPort();
    const logger = recordingLogger();
    const { operon } = createOperon({
      baseUrl: `http://127.0.0.1:${port}`,
      apiKey: 'opk_test_key',
      protocol: 'http/json',
      registerGlobal: 'never',
      flushOnExit: false,
      flushIntervalMs: 60_000,
      // shorter than the exporter's first retry backoff (about 1 s), so it gives up at once
      exportTimeoutMs: 300,
      logger,
    });
    t.after(() => operon.shutdown());

    const answer = await operon.trace('request', async () => {
      operon.span('step', () => 'x');
      await operon.score({ name: 'helpful', value: true });
      return 'served';
    });
    assert.equal(answer, 'served');
    await operon.flush();
    operon.span('another', () => 'y');
    await operon.flush();

    const stats = operon.stats();
    assert.equal(stats.spansDropped, 3);
    assert.equal(stats.spansExported, 0);
    assert.equal(stats.exportErrors, 2);
    assert.equal(stats.scoresDropped, 1);
    assert.equal(logger.lines.length, 1, logger.lines.join('\n'));
    assert.match(logger.lines[0]!, /^warn: Operon is unreachable at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
  });

  it('logs a rejected key once, says when delivery works again, and logs the next failure', async (t) => {
    const { operon, receiver, logger } = await startSdk(t);
    receiver.replyWith({ status: 401 }, { status: 401 });
    operon.span('first', () => 1);
    await operon.flush();
    operon.span('second', () => 2);
    await operon.flush();
    assert.equal(logger.lines.length, 1);
    assert.match(logger.lines[0]!, /rejected the API key \(HTTP 401\)/);

    operon.span('third', () => 3);
    await operon.flush();
    assert.match(logger.lines[1] ?? '', /^info: .*accepts telemetry again/);

    receiver.replyWith({ status: 403 });
    operon.span('fourth', () => 4);
    await operon.flush();
    assert.equal(logger.lines.length, 3);
    assert.match(logger.lines[2]!, /rejected the API key \(HTTP 403\)/);
    assert.deepEqual(operon.stats(), { spansExported: 1, spansDropped: 3, scoresSent: 0, scoresDropped: 0, exportErrors: 3 });
  });

  it('retries a 503 with Retry-After and delivers', async (t) => {
    const { operon, receiver, logger } = await startSdk(t);
    // an HTTP date already past means "retry now" without a real wait (and, unlike "0", without
    // OTel's exporter setting a negative timer, which Node warns about)
    receiver.replyWith({ status: 503, headers: { 'retry-after': new Date(0).toUTCString() } });
    operon.span('overloaded', () => 1);
    await operon.flush();
    assert.equal(receiver.traceRequests().length, 2);
    assert.equal(receiver.spans().length, 2, 'the batch was sent twice, the second time accepted');
    assert.deepEqual(operon.stats(), { spansExported: 1, spansDropped: 0, scoresSent: 0, scoresDropped: 0, exportErrors: 0 });
    assert.deepEqual(logger.lines, []);
  });

  it('names the failure for people', () => {
    const target = 'http://operon:4100';
    assert.match(describeDeliveryFailure(Object.assign(new Error('x'), { code: 401 }), target), /rejected the API key/);
    assert.match(describeDeliveryFailure(Object.assign(new Error('x'), { status: 500 }), target), /HTTP 500/);
    const fetchFailure = new TypeError('fetch failed', { cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }) });
    assert.match(describeDeliveryFailure(fetchFailure, target), /unreachable at http:\/\/operon:4100 \(ECONNREFUSED\)/);
    assert.match(describeDeliveryFailure(new Error('Request timed out'), target), /did not answer in time/);
  });
});
