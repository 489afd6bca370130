import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redact, retryAfterSeconds, upstreamHttpError } from './upstream-error.ts';

test('the caller’s mistakes keep their status, blame the user and are not retried', () => {
  for (const [status, kind] of [[400, 'invalid_request'], [422, 'invalid_request'], [404, 'not_found']] as const) {
    const error = upstreamHttpError({ provider: 'openai', status, message: 'bad', code: 'empty_array', param: 'messages' });
    assert.equal(error.kind, kind);
    assert.equal(error.blame, 'user');
    assert.equal(error.isRetryable, false);
    assert.equal(error.upstreamStatus, status);
    assert.equal(error.code, 'empty_array');
    assert.equal(error.param, 'messages');
    assert.match(error.message, new RegExp(`^Provider 'openai' rejected the request \\(${status}\\): bad`));
  }
});

test('a rejected key says which setting to check', () => {
  for (const status of [401, 403]) {
    const error = upstreamHttpError({ provider: 'openai', status, message: 'Incorrect API key provided', apiKeyEnv: 'OPENAI_API_KEY' });
    assert.equal(error.kind, 'upstream');
    assert.equal(error.code, 'provider_auth_failed');
    assert.equal(error.isRetryable, false);
    assert.match(error.message, new RegExp(`^Provider 'openai' rejected the API key \\(${status}\\)\\. Check providers\\.openai\\.apiKey \\(or OPENAI_API_KEY\\)`));
  }
});

test('429 is a retryable rate limit with the provider’s retry-after; insufficient quota is not retried', () => {
  const limited = upstreamHttpError({ provider: 'p', status: 429, headers: { 'retry-after': '7' } });
  assert.equal(limited.kind, 'rate_limit');
  assert.equal(limited.isRetryable, true);
  assert.equal(limited.retryAfterSeconds, 7);
  const quota = upstreamHttpError({ provider: 'p', status: 429, code: 'insufficient_quota' });
  assert.equal(quota.code, 'provider_quota_exceeded');
  assert.equal(quota.isRetryable, false);
});

test('5xx, 408 and 409 are retryable upstream errors; 529 and overloaded_error are "overloaded"', () => {
  for (const status of [500, 502, 503, 408, 409]) {
    const error = upstreamHttpError({ provider: 'p', status });
    assert.equal(error.kind, 'upstream');
    assert.equal(error.isRetryable, true, String(status));
    assert.equal(error.code, 'provider_error');
  }
  assert.equal(upstreamHttpError({ provider: 'p', status: 529 }).code, 'provider_overloaded');
  assert.equal(upstreamHttpError({ provider: 'p', status: 500, type: 'overloaded_error' }).code, 'provider_overloaded');
  assert.equal(upstreamHttpError({ provider: 'p', status: 418 }).isRetryable, false);
});

test('the upstream request id is named, and long messages are cut', () => {
  const error = upstreamHttpError({ provider: 'p', status: 500, message: 'x'.repeat(2000), headers: { 'x-request-id': 'req_42' } });
  assert.match(error.message, /upstream request id req_42/);
  assert.ok(error.message.length < 700);
});

test('retry-after is read from retry-after-ms, seconds or an HTTP date', () => {
  assert.equal(retryAfterSeconds({ 'retry-after-ms': '1500', 'retry-after': '9' }), 1.5);
  assert.equal(retryAfterSeconds({ 'retry-after': '20' }), 20);
  const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
  assert.equal(retryAfterSeconds({ 'retry-after': 'Wed, 21 Oct 2015 07:28:30 GMT' }, now), 30);
  assert.equal(retryAfterSeconds({ 'retry-after': 'Wed, 21 Oct 2015 07:27:00 GMT' }, now), 0);
  assert.equal(retryAfterSeconds({ 'retry-after': 'soon' }), undefined);
  assert.equal(retryAfterSeconds({}), undefined);
});

test('redact removes the key wherever a provider echoes it', () => {
  assert.equal(redact('bad key sk-12345678 sent', 'sk-12345678'), 'bad key [redacted] sent');
  assert.equal(redact('text', undefined), 'text');
});
