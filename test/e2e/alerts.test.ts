import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createManualClock } from '../../src/core/clock.ts';
import { postgresTestUrl } from '../../src/storage/test-databases.ts';
import { startOperon, type RunningOperon } from './harness.ts';

/**
 * Alerts end to end: gateway calls that fail make an error-rate rule fire, and once the window has
 * passed without errors it resolves; the local receiver gets each exactly once. Time is a manual
 * clock, so the evaluation rounds happen when the test advances it.
 */
const MINUTE = 60_000;
const T0 = Date.UTC(2026, 0, 5, 10, 0, 0);

// On embedded SQLite, and on the PostgreSQL server when one is given (always in CI).
const backends = postgresTestUrl() || process.env.CI === 'true' ? (['sqlite', 'postgres'] as const) : (['sqlite'] as const);
for (const backend of backends) describe(`alerts on ${backend}`, () => suite(backend));

function suite(backend: 'sqlite' | 'postgres'): void {
  const clock = createManualClock(T0);
  let operon: RunningOperon;
  let gatewayKey: string;
  let receiver: Server;
  let receiverUrl: string;
  const received: Array<{ body: Record<string, unknown>; headers: Record<string, unknown> }> = [];

  before(async () => {
    receiver = createServer((request, response) => {
      let text = '';
      request.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      request.on('end', () => {
        received.push({ body: JSON.parse(text) as Record<string, unknown>, headers: request.headers });
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/operon?token=s3cret`;
    operon = await startOperon(
      {
        providers: { mock: { type: 'mock', script: [{ match: { lastUserMessageIncludes: 'fail' }, error: { status: 500, message: 'upstream broke' } }] } },
        routing: { retries: { maxAttempts: 1 } },
        alerts: { allowPrivateWebhooks: true },
      },
      { clock, backend },
    );
    gatewayKey = (await operon.createKey({ scopes: ['gateway'] })).key;
  });
  after(async () => {
    await operon?.close();
    receiver?.closeAllConnections();
    await new Promise<void>((resolve) => receiver?.close(() => resolve()));
  });

  const api = (method: string, path: string, body?: unknown) =>
    fetch(`${operon.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${operon.adminKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  const chat = (content: string) =>
    fetch(`${operon.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gatewayKey}`, 'content-type': 'application/json', 'x-operon-cache': 'no-store' },
      body: JSON.stringify({ model: 'mock/mock-model', messages: [{ role: 'user', content }] }),
    });

  /** Waits (on real time, for the server's asynchronous work) until `done` holds. */
  async function waitFor(done: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (!done()) {
      if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** Moves the clock on and waits for the evaluation round it starts to finish. */
  async function evaluateAfter(ms: number): Promise<void> {
    const evaluator = operon.operon.alertEvaluator;
    const before = evaluator.stats().evaluations;
    clock.advance(ms);
    await waitFor(() => evaluator.stats().evaluations > before, 'an evaluation round');
    await evaluator.idle();
  }

  test('failing gateway calls fire an error-rate alert once, and it resolves once after the window', async () => {
    await waitFor(() => operon.operon.alertEvaluator.stats().evaluations >= 1, 'the first round at start');
    const created = await api('POST', '/api/alerts/rules', {
      name: 'gateway errors', metric: 'errorRate', comparison: '>', threshold: 0.5, window: '5m', minRequests: 3, webhookUrl: receiverUrl,
    });
    assert.equal(created.status, 201, await created.clone().text());
    const rule = (await created.json()) as { id: string };

    for (const content of ['fail 1', 'fail 2', 'fail 3', 'fail 4', 'fine']) await chat(content);
    await operon.flush();

    await evaluateAfter(MINUTE);
    await waitFor(() => received.length >= 1, 'the firing webhook');
    const firing = received[0]?.body as Record<string, unknown> & { link: string; rule: { id: string } };
    assert.equal(firing.status, 'firing');
    assert.equal(firing.rule.id, rule.id);
    assert.equal(firing.value, 0.8);
    assert.equal(firing.requests, 5);
    assert.equal(firing.startsAt, new Date(T0 + MINUTE).toISOString());
    assert.deepEqual(firing.project, { id: operon.project.id, name: operon.project.name });
    assert.equal(received[0]?.headers['x-operon-alert-event'], firing.id);

    // The link is the trace list of the window, errors only: it answers with the four failed calls.
    const link = new URL(firing.link);
    assert.equal(link.pathname, '/api/traces');
    assert.equal(link.searchParams.get('status'), 'error');
    const offending = (await (await api('GET', `${link.pathname}${link.search}`)).json()) as { traces: Array<{ status: string }> };
    assert.deepEqual(offending.traces.map((trace) => trace.status), ['error', 'error', 'error', 'error']);

    await evaluateAfter(MINUTE);
    await evaluateAfter(MINUTE);
    assert.equal(received.length, 1, 'not sent again while firing');
    const state = (await (await api('GET', `/api/alerts/rules/${rule.id}`)).json()) as { state: { state: string; value: number } };
    assert.deepEqual([state.state.state, state.state.value], ['firing', 0.8]);

    await evaluateAfter(5 * MINUTE); // the failed calls have left the window
    await waitFor(() => received.length >= 2, 'the resolved webhook');
    const resolved = received[1]?.body as Record<string, unknown>;
    assert.equal(resolved.status, 'resolved');
    assert.equal(resolved.startsAt, firing.startsAt);
    assert.equal(resolved.endsAt, new Date(T0 + 8 * MINUTE).toISOString());

    await evaluateAfter(MINUTE);
    await evaluateAfter(MINUTE);
    assert.equal(received.length, 2, 'fired once, resolved once');

    const history = (await (await api('GET', `/api/alerts/history?rule_id=${rule.id}`)).json()) as {
      events: Array<{ status: string; value: number | null; delivery: { status: string; attempts: number; responseStatus: number } }>;
    };
    assert.deepEqual(history.events.map((event) => [event.status, event.delivery.status, event.delivery.attempts, event.delivery.responseStatus]), [
      ['resolved', 'delivered', 1, 204],
      ['firing', 'delivered', 1, 204],
    ]);
  });
}
