import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { trace as otelTrace } from '@opentelemetry/api';
import OpenAI from 'openai';
import * as sdk from './index.ts';
import { BasicTracerProviderForTest } from './test-support/basic-provider.ts';
import { FakeOperonReceiver, recordingLogger } from './test-support/fake-operon-receiver.ts';
import { FakeOpenAIServer } from './test-support/fake-openai-server.ts';

// Runs in its own process (node --test isolates files), so it may touch OpenTelemetry's globals.
describe('operon/sdk module functions', () => {
  it('run code untraced before init(), and trace with the last init() after', async (t) => {
    const upstream = await FakeOpenAIServer.start();
    const receiver = await FakeOperonReceiver.start();
    t.after(async () => {
      await sdk.shutdown();
      await Promise.all([upstream.close(), receiver.close()]);
    });
    // wrapped at import time, before init(): calls are traced by whatever client is current then
    const openai = sdk.wrapOpenAI(new OpenAI({ apiKey: 'sk-test', baseURL: upstream.baseURL, maxRetries: 0 }));
    const originalWarn = console.warn;
    const warnings: unknown[] = [];
    console.warn = (...args: unknown[]) => void warnings.push(args.join(' '));
    try {
      assert.equal(sdk.span('before-init', () => 'ran'), 'ran');
    } finally {
      console.warn = originalWarn;
    }
    assert.equal(warnings.length, 1);

    const operon = sdk.init({
      baseUrl: receiver.baseUrl,
      apiKey: 'opk_test_key',
      protocol: 'http/json',
      flushOnExit: false,
      flushIntervalMs: 60_000,
      logger: recordingLogger(),
    });
    await sdk.withSession('s-1', () =>
      sdk.trace('turn', async () => {
        await openai.chat.completions.create({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'Hi' }] });
        await sdk.score({ name: 'ok', value: 1 });
      }),
    );
    await sdk.flush();
    const turn = receiver.span('turn');
    const chat = receiver.span('chat gpt-4.1');
    assert.equal(chat.parentSpanId, turn.spanId);
    assert.equal(chat.attributes['session.id'], 's-1');
    assert.deepEqual(receiver.scores(), [{ traceId: turn.traceId, spanId: turn.spanId, name: 'ok', value: 1, source: 'sdk' }]);
    assert.deepEqual(sdk.stats(), operon.stats());
    assert.equal(sdk.stats().spansExported, 2);
  });

  it('registers as the global tracer provider only when none is registered, and gives it back on shutdown', async (t) => {
    const receiver = await FakeOperonReceiver.start();
    t.after(() => receiver.close());
    const options = { baseUrl: receiver.baseUrl, apiKey: 'opk_test_key', protocol: 'http/json' as const, flushOnExit: false, logger: recordingLogger() };

    const operon = sdk.init(options);
    otelTrace.getTracer('third-party-instrumentation').startSpan('from-global-api').end();
    await operon.flush();
    assert.deepEqual(receiver.spans().map((span) => span.name), ['from-global-api']);
    await operon.shutdown();

    const appProvider = new BasicTracerProviderForTest();
    assert.equal(otelTrace.setGlobalTracerProvider(appProvider), true);
    const second = sdk.init(options);
    otelTrace.getTracer('app').startSpan('app-span').end();
    second.span('sdk-span', () => 1);
    await second.flush();
    assert.deepEqual(appProvider.names, ['app-span'], 'the app keeps its own provider');
    assert.deepEqual(receiver.spans().map((span) => span.name), ['from-global-api', 'sdk-span']);
    await second.shutdown();
    otelTrace.disable();
  });
});
