import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startSdk } from './test-support/sdk-under-test.ts';

const SPAN_KIND_INTERNAL = 1;
const SPAN_KIND_CLIENT = 3;
const STATUS_ERROR = 2;

describe('operon client: spans', () => {
  it('nests spans through async/await and Promise.all, in one trace', async (t) => {
    const { operon, receiver } = await startSdk(t);
    await operon.trace('handle-request', async () => {
      await operon.span('retrieve', async () => {
        await Promise.resolve();
        await operon.span('embed-query', async () => 'vector');
      });
      await Promise.all([
        operon.span('rerank-a', async () => 1),
        operon.span('rerank-b', async () => {
          await new Promise((resolve) => setImmediate(resolve));
          return 2;
        }),
      ]);
    });
    await operon.flush();

    const root = receiver.span('handle-request');
    assert.equal(root.parentSpanId, undefined);
    assert.equal(root.attributes['operon.span.kind'], 'workflow');
    assert.equal(root.kind, SPAN_KIND_INTERNAL);
    const retrieve = receiver.span('retrieve');
    assert.equal(retrieve.parentSpanId, root.spanId);
    assert.equal(retrieve.attributes['operon.span.kind'], 'other');
    assert.equal(receiver.span('embed-query').parentSpanId, retrieve.spanId);
    assert.equal(receiver.span('rerank-a').parentSpanId, root.spanId);
    assert.equal(receiver.span('rerank-b').parentSpanId, root.spanId);
    assert.equal(new Set(receiver.spans().map((span) => span.traceId)).size, 1);
  });

  it('returns what the callback returns and captures it as output unless told not to', async (t) => {
    const { operon, receiver } = await startSdk(t);
    const syncValue = operon.span('sync', () => ({ answer: 42 }), { input: { question: 'why' } });
    const asyncValue = await operon.span('async', async () => 'done');
    const hidden = operon.span('hidden', () => 'secret', { captureOutput: false });
    const explicit = operon.span('explicit', (span) => {
      span.setOutput({ summary: 'short' });
      return 'long raw value';
    });
    assert.deepEqual(syncValue, { answer: 42 });
    assert.equal(asyncValue, 'done');
    assert.equal(hidden, 'secret');
    assert.equal(explicit, 'long raw value');
    await operon.flush();

    const sync = receiver.span('sync');
    assert.equal(sync.attributes['input.value'], '{"question":"why"}');
    assert.equal(sync.attributes['input.mime_type'], 'application/json');
    assert.equal(sync.attributes['output.value'], '{"answer":42}');
    assert.equal(sync.attributes['output.mime_type'], 'application/json');
    assert.equal(receiver.span('async').attributes['output.value'], '"done"');
    assert.equal(receiver.span('hidden').attributes['output.value'], undefined);
    assert.equal(receiver.span('explicit').attributes['output.value'], '{"summary":"short"}');
  });

  it('records exceptions and rethrows the very same error, sync and async', async (t) => {
    const { operon, receiver } = await startSdk(t);
    const syncError = new RangeError('out of range');
    const asyncError = new TypeError('bad type');
    assert.throws(() => operon.span('sync-failure', () => { throw syncError; }), (error) => error === syncError);
    await assert.rejects(operon.span('async-failure', async () => { throw asyncError; }), (error) => error === asyncError);
    await operon.flush();

    for (const [name, type, message] of [['sync-failure', 'RangeError', 'out of range'], ['async-failure', 'TypeError', 'bad type']] as const) {
      const span = receiver.span(name);
      assert.equal(span.status.code, STATUS_ERROR);
      assert.equal(span.status.message, message);
      assert.equal(span.attributes['error.type'], type);
      const exception = span.events.find((event) => event.name === 'exception');
      assert.equal(exception?.attributes['exception.message'], message);
      assert.equal(exception?.attributes['exception.type'], type);
    }
  });

  it('stamps session, user, tags and metadata on every span started inside withContext', async (t) => {
    const { operon, receiver } = await startSdk(t, { release: '2.3.0', environment: 'staging' });
    await operon.withSession('session-1', () =>
      operon.withUser('user-9', () =>
        operon.withContext({ tags: ['beta'], metadata: { plan: 'pro', seats: 3, flags: { a: true } } }, () =>
          operon.trace('conversation-turn', async () => {
            await operon.span('tool-call', async () => 'ok', { kind: 'tool', tags: ['search'], metadata: { plan: 'enterprise' } });
          }),
        ),
      ),
    );
    await operon.span('outside', () => 'no context');
    await operon.flush();

    for (const name of ['conversation-turn', 'tool-call']) {
      const { attributes } = receiver.span(name);
      assert.equal(attributes['session.id'], 'session-1');
      assert.equal(attributes['user.id'], 'user-9');
      assert.equal(attributes['operon.metadata.seats'], 3);
      assert.equal(attributes['operon.metadata.flags'], '{"a":true}');
      assert.equal(attributes['operon.release'], '2.3.0');
      assert.equal(attributes['operon.environment'], 'staging');
    }
    assert.deepEqual(receiver.span('conversation-turn').attributes['operon.tags'], ['beta']);
    assert.equal(receiver.span('conversation-turn').attributes['operon.metadata.plan'], 'pro');
    const tool = receiver.span('tool-call');
    assert.equal(tool.attributes['operon.span.kind'], 'tool');
    assert.deepEqual(tool.attributes['operon.tags'], ['beta', 'search']);
    assert.equal(tool.attributes['operon.metadata.plan'], 'enterprise', 'the span\'s own metadata wins');
    const outside = receiver.span('outside');
    assert.equal(outside.attributes['session.id'], undefined);
    assert.equal(outside.attributes['operon.release'], '2.3.0');
  });

  it('describes the service in the resource', async (t) => {
    const { operon, receiver } = await startSdk(t, { serviceName: 'support-bot', release: '1.4.2', environment: 'production' });
    operon.span('one', () => 1);
    await operon.flush();
    const { resource } = receiver.span('one');
    assert.equal(resource['service.name'], 'support-bot');
    assert.equal(resource['service.version'], '1.4.2');
    assert.equal(resource['deployment.environment.name'], 'production');
    assert.equal(resource['telemetry.sdk.name'], 'opentelemetry');
  });

  it('records a manual generation with GenAI attributes', async (t) => {
    const { operon, receiver } = await startSdk(t);
    const text = await operon.generation(
      'summarize',
      async (span) => {
        span.setGeneration({ responseModel: 'llama-3.1-8b-q4', inputTokens: 12, outputTokens: 5, finishReasons: ['stop'], output: 'A short summary.' });
        return 'A short summary.';
      },
      { model: 'llama-3.1-8b', provider: 'ollama', temperature: 0.2, maxTokens: 64, input: [{ role: 'user', content: 'Summarize this.' }] },
    );
    assert.equal(text, 'A short summary.');
    await operon.flush();

    const { attributes, kind } = receiver.span('summarize');
    assert.equal(kind, SPAN_KIND_CLIENT);
    assert.equal(attributes['operon.span.kind'], 'generation');
    assert.equal(attributes['gen_ai.operation.name'], 'chat');
    assert.equal(attributes['gen_ai.provider.name'], 'ollama');
    assert.equal(attributes['gen_ai.request.model'], 'llama-3.1-8b');
    assert.equal(attributes['gen_ai.response.model'], 'llama-3.1-8b-q4');
    assert.equal(attributes['gen_ai.request.temperature'], 0.2);
    assert.equal(attributes['gen_ai.request.max_tokens'], 64);
    assert.equal(attributes['gen_ai.usage.input_tokens'], 12);
    assert.equal(attributes['gen_ai.usage.output_tokens'], 5);
    assert.deepEqual(attributes['gen_ai.response.finish_reasons'], ['stop']);
    assert.deepEqual(JSON.parse(attributes['gen_ai.input.messages'] as string), [
      { role: 'user', parts: [{ type: 'text', content: 'Summarize this.' }] },
    ]);
    assert.deepEqual(JSON.parse(attributes['gen_ai.output.messages'] as string), [
      { role: 'assistant', parts: [{ type: 'text', content: 'A short summary.' }], finish_reason: 'stop' },
    ]);
  });

  it('observe() traces each call with its arguments as input and keeps `this`', async (t) => {
    const { operon, receiver } = await startSdk(t);
    const calculator = {
      factor: 10,
      scale: operon.observe('scale', function (this: { factor: number }, value: number) {
        return value * this.factor;
      }),
    };
    assert.equal(calculator.scale(4), 40);
    await operon.flush();
    const span = receiver.span('scale');
    assert.equal(span.attributes['input.value'], '4');
    assert.equal(span.attributes['output.value'], '40');
  });

  it('starts a new trace when asked, even inside a span', async (t) => {
    const { operon, receiver } = await startSdk(t);
    await operon.trace('request', async () => {
      await operon.trace('background-job', async () => 'queued', { newTrace: true });
    });
    await operon.flush();
    const job = receiver.span('background-job');
    assert.equal(job.parentSpanId, undefined);
    assert.notEqual(job.traceId, receiver.span('request').traceId);
  });

  it('never throws on bad arguments: logs once and runs the code', async (t) => {
    const { operon, logger } = await startSdk(t);
    const bad = operon as unknown as Record<string, (...args: unknown[]) => unknown>;
    assert.equal(bad.span!(42, () => 'ran'), 'ran');
    assert.equal(bad.span!(42, () => 'ran again'), 'ran again');
    assert.equal(bad.span!('x', 'not a function'), undefined);
    assert.equal(bad.span!('kind', () => 'ok', { kind: 'nonsense' }), 'ok');
    assert.equal(bad.withContext!(null, () => 'plain'), 'plain');
    await bad.score!({ name: 'no-trace', value: 1 });
    await bad.score!('garbage');
    assert.equal(logger.lines.filter((line) => line.includes('non-empty string')).length, 1);
    assert.ok(logger.lines.some((line) => line.includes('unknown span kind')));
  });

  it('gives a disabled client that runs code untraced when baseUrl or apiKey is missing', async (t) => {
    const { createOperon } = await import('./operon-client.ts');
    const lines: string[] = [];
    const { operon } = createOperon({ baseUrl: 'not a url', apiKey: '', logger: { warn: (line: string) => lines.push(line) } });
    t.after(() => operon.shutdown());
    assert.equal(await operon.trace('t', async () => 7), 7);
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /baseUrl/);
    assert.deepEqual(operon.stats(), { spansExported: 0, spansDropped: 0, scoresSent: 0, scoresDropped: 0, exportErrors: 0 });
  });
});

describe('operon client: scores', () => {
  it('posts a score for the active span with the bearer key', async (t) => {
    const { operon, receiver } = await startSdk(t);
    let ids: { traceId: string; spanId: string } | undefined;
    await operon.trace('answer', async () => {
      ids = operon.currentTrace();
      await operon.score({ name: 'helpful', value: true, comment: 'thumbs up' });
    });
    const request = receiver.requests.find((item) => item.path === '/v1/scores');
    assert.equal(request?.method, 'POST');
    assert.equal(request?.headers.authorization, 'Bearer opk_test_key');
    assert.equal(request?.headers['content-type'], 'application/json');
    assert.deepEqual(receiver.scores(), [
      { traceId: ids?.traceId, spanId: ids?.spanId, name: 'helpful', value: true, comment: 'thumbs up', source: 'sdk' },
    ]);
    assert.equal(operon.stats().scoresSent, 1);
  });

  it('posts a score for an explicit trace, later, outside any span', async (t) => {
    const { operon, receiver } = await startSdk(t);
    const traceId = 'a'.repeat(32);
    await operon.score({ traceId, name: 'relevance', value: 0.75 });
    assert.deepEqual(receiver.scores(), [{ traceId, name: 'relevance', value: 0.75, source: 'sdk' }]);
  });

  it('drops and counts invalid scores without sending them', async (t) => {
    const { operon, receiver } = await startSdk(t);
    await operon.score({ traceId: 'not-hex', name: 'x', value: 1 });
    await operon.score({ traceId: 'b'.repeat(32), name: '', value: 1 });
    await operon.score({ traceId: 'b'.repeat(32), name: 'nan', value: Number.NaN });
    assert.equal(receiver.scores().length, 0);
    assert.equal(operon.stats().scoresDropped, 3);
  });
});
