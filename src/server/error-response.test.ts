import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OperonError } from '../core/errors.ts';
import { errorHeaders, httpStatusOf } from './error-response.ts';

const make = (kind: OperonError['kind'], extra: Partial<ConstructorParameters<typeof OperonError>[0]> = {}) =>
  new OperonError({ code: 'x', kind, blame: 'user', message: 'm', ...extra });

test('maps each kind to its HTTP status', () => {
  assert.equal(httpStatusOf(make('invalid_request')), 400);
  assert.equal(httpStatusOf(make('authentication')), 401);
  assert.equal(httpStatusOf(make('permission')), 403);
  assert.equal(httpStatusOf(make('not_found')), 404);
  assert.equal(httpStatusOf(make('payload_too_large')), 413);
  assert.equal(httpStatusOf(make('rate_limit')), 429);
  assert.equal(httpStatusOf(make('budget_exceeded')), 429);
  assert.equal(httpStatusOf(make('upstream', { upstreamStatus: 500 })), 502);
  assert.equal(httpStatusOf(make('timeout')), 504);
  assert.equal(httpStatusOf(make('unavailable')), 503);
  assert.equal(httpStatusOf(make('internal')), 500);
});

test('a provider 4xx that blames the caller keeps its status', () => {
  assert.equal(httpStatusOf(make('invalid_request', { upstreamStatus: 422 })), 422);
  assert.equal(httpStatusOf(make('upstream', { upstreamStatus: 401 })), 502);
});

test('rate limit errors carry retry-after in whole seconds, at least 1', () => {
  assert.equal(errorHeaders(make('rate_limit', { retryAfterSeconds: 0.2 }))['retry-after'], '1');
  assert.equal(errorHeaders(make('rate_limit', { retryAfterSeconds: 12.5 }))['retry-after'], '13');
  assert.equal(errorHeaders(make('invalid_request'))['retry-after'], undefined);
});
