import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { OperonError } from '../core/errors.ts';
import { conditionHolds, metricValue, parseAlertRule, parseDuration } from './alert-rule.ts';
import { tracesLink } from './alert-payload.ts';

const strict = { allowPrivateWebhooks: false };
const valid = { name: 'slow', metric: 'latencyP95', comparison: '>', threshold: 2000, window: '5m', webhookUrl: 'https://hooks.example.com/operon' };

function refuses(input: Record<string, unknown>, param: string, message: RegExp, options = strict): void {
  assert.throws(
    () => parseAlertRule(input, options),
    (error: unknown) => OperonError.is(error) && error.kind === 'invalid_request' && error.param === param && message.test(error.message),
    `${JSON.stringify(input)} → ${param}`,
  );
}

describe('alert rules', () => {
  test('a rule gets defaults for `for`, filters, minRequests and enabled', () => {
    assert.deepEqual(parseAlertRule(valid, strict), { ...valid, for: '0m', filters: {}, minRequests: 1, enabled: true });
    const guardrail = { ...valid, metric: 'errorRate', threshold: 0.1, window: '1h', filters: { kind: ['guardrail'], route: ['pii'] } };
    assert.deepEqual(parseAlertRule(guardrail, strict).filters, { kind: ['guardrail'], route: ['pii'] });
  });

  test('a bad rule is refused naming the field and the fix', () => {
    refuses({ ...valid, window: '5 minutes' }, 'window', /like '5m'/);
    refuses({ ...valid, window: '30s' }, 'window', /whole minutes from 1m to 31d/);
    refuses({ ...valid, window: '90s' }, 'window', /whole minutes/);
    refuses({ ...valid, window: '32d' }, 'window', /31d/);
    refuses({ ...valid, for: '8d' }, 'for', /at most 7d/);
    refuses({ ...valid, metric: 'p95' }, 'metric', /latencyP95/);
    refuses({ ...valid, comparison: '=' }, 'comparison', />=/);
    refuses({ ...valid, threshold: '2s' }, 'threshold', /number/);
    refuses({ ...valid, metric: 'errorRate', threshold: 5 }, 'threshold', /for 5 % write 0.05/);
    refuses({ ...valid, filters: { model: ['gpt-4o'], key: ['key_1'] } }, 'filters.key', /one rule per dimension/);
    refuses({ ...valid, filters: { tag: ['a', 'b'] } }, 'filters.tag', /one tag/);
    refuses({ ...valid, filters: { user: ['ada'] } }, 'window', /whole hours/);
    refuses({ ...valid, window: '1h', filters: { user: ['ada'] } }, 'metric', /not kept per user/);
    refuses({ ...valid, metric: 'costUsd', window: '1d', filters: { user: ['ada'], kind: ['tool'] } }, 'filters.kind', /model calls only/);
    refuses({ ...valid, filters: { kind: ['llm'] } }, 'filters.kind[0]', /generation/);
    refuses({ ...valid, filters: { team: ['a'] } }, 'filters.team', /not a filter; the filters are model, provider/);
    refuses({ ...valid, minRequests: -1 }, 'minRequests', />=0|too small/i);
    refuses({ ...valid, extra: true }, 'extra', /not a field of an alert rule; the fields are name, metric/);
    refuses({ ...valid, webhookUrl: 'hooks.example.com' }, 'webhookUrl', /absolute http\(s\) URL/);
    refuses({ ...valid, webhookUrl: 'ftp://hooks.example.com/' }, 'webhookUrl', /only http and https/);
    refuses({ ...valid, webhookUrl: 'http://169.254.169.254/latest' }, 'webhookUrl', /metadata address.*allowPrivateWebhooks/);
    refuses({ ...valid, webhookUrl: 'http://localhost:9000/hook' }, 'webhookUrl', /local host name/);
    const { window: _window, ...noWindow } = valid;
    refuses(noWindow, 'window', /string/i);
  });

  test('private webhooks are allowed when the config says so', () => {
    assert.equal(parseAlertRule({ ...valid, webhookUrl: 'http://127.0.0.1:9000/hook' }, { allowPrivateWebhooks: true }).webhookUrl, 'http://127.0.0.1:9000/hook');
  });

  test('durations', () => {
    assert.equal(parseDuration('90s'), 90_000);
    assert.equal(parseDuration('5m'), 300_000);
    assert.equal(parseDuration('1d'), 86_400_000);
    assert.equal(parseDuration('1.5h'), undefined);
  });

  test('metric values and conditions', () => {
    const values = { requests: 20, errors: 5, cacheHits: 2, latencyMs: { avg: 900, p50: 800, p95: 2100, p99: 3000 }, ttftMs: null, inputTokens: 100, outputTokens: 50, costUsd: 1.25 };
    assert.equal(metricValue('errorRate', values), 0.25);
    assert.equal(metricValue('cacheHitRate', values), 0.1);
    assert.equal(metricValue('latencyP95', values), 2100);
    assert.equal(metricValue('ttftP95', values), null);
    assert.equal(metricValue('totalTokens', values), 150);
    assert.equal(metricValue('errorRate', { requests: 0, errors: 0 }), null);
    const rule = { metric: 'latencyP95' as const, comparison: '>' as const, threshold: 2000, minRequests: 20 };
    assert.equal(conditionHolds(rule, values), true);
    assert.equal(conditionHolds({ ...rule, minRequests: 21 }, values), false);
    assert.equal(conditionHolds({ ...rule, comparison: '<=' }, values), false);
    assert.equal(conditionHolds({ ...rule, metric: 'ttftP95' }, values), false, 'no data never holds');
    assert.equal(conditionHolds({ metric: 'requests', comparison: '<', threshold: 1, minRequests: 10 }, { requests: 0 }), true, 'minRequests does not apply to requests');
  });

  test('the traces link narrows by window, errors and the filters the trace list knows', () => {
    assert.equal(tracesLink('https://operon.example.com/', { metric: 'errors', filters: { key: ['key_1'] } }, 1000, 2000), 'https://operon.example.com/api/traces?from=1000&to=2000&status=error&key_id=key_1');
    assert.equal(tracesLink('http://h:1', { metric: 'costUsd', filters: { model: ['a', 'b'], kind: ['tool'] } }, 1, 2), 'http://h:1/api/traces?from=1&to=2');
    assert.equal(tracesLink('http://h:1', { metric: 'latencyP95', filters: { user: ['ada lovelace'] } }, 1, 2), 'http://h:1/api/traces?from=1&to=2&user_id=ada+lovelace');
  });
});
