import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startSdk } from './test-support/sdk-under-test.ts';

describe('span buffer', () => {
  it('drops and counts spans past maxQueueSize while an export is in flight, then delivers the rest', async (t) => {
    const { operon, receiver, logger } = await startSdk(t, { maxQueueSize: 2 });
    const release = receiver.hold();
    for (const name of ['s1', 's2']) operon.span(name, () => name);
    // the second span filled a batch: its export is now waiting on the held receiver
    await receiver.waitForRequests(1);
    for (const name of ['s3', 's4', 's5', 's6', 's7']) assert.equal(operon.span(name, () => name), name);
    assert.equal(operon.stats().spansDropped, 3);
    release();
    await operon.flush();

    assert.deepEqual(
      receiver.spans().map((span) => span.name).sort(),
      ['s1', 's2', 's3', 's4'],
    );
    assert.deepEqual(operon.stats(), { spansExported: 4, spansDropped: 3, scoresSent: 0, scoresDropped: 0, exportErrors: 0 });
    assert.equal(logger.lines.filter((line) => line.includes('buffer is full')).length, 1);
  });

  it('flush() and shutdown() deliver everything buffered', async (t) => {
    const { operon, receiver } = await startSdk(t);
    for (let index = 0; index < 5; index++) operon.span(`buffered-${index}`, () => index);
    assert.equal(receiver.traceRequests().length, 0, 'nothing leaves before the interval or a flush');
    await operon.flush();
    assert.equal(receiver.spans().length, 5);
    operon.span('at-shutdown', () => 'last');
    await operon.shutdown();
    assert.equal(receiver.spans().length, 6);
    assert.equal(operon.stats().spansExported, 6);
    assert.equal(operon.span('after-shutdown', () => 'still runs'), 'still runs');
  });
});
