import { test } from 'node:test';
import assert from 'node:assert/strict';
import { invalidRequest, OperonError, type ErrorKind } from '../../core/errors.ts';
import { encodeOpenAIErrorEvent, toOpenAIErrorBody } from './openai-error.ts';

const errorOf = (kind: ErrorKind, upstreamStatus?: number) =>
  new OperonError({ code: `${kind}_code`, kind, blame: 'system', message: `${kind} happened.`, upstreamStatus });

test('an invalid request keeps its message, param and code', () => {
  assert.deepEqual(toOpenAIErrorBody(invalidRequest("messages[2].role must be one of …; got 'bot'.", 'messages[2].role')), {
    error: { message: "messages[2].role must be one of …; got 'bot'.", type: 'invalid_request_error', param: 'messages[2].role', code: 'invalid_request' },
  });
});

test('every error kind has an OpenAI error type', () => {
  const expected: Record<ErrorKind, string> = {
    invalid_request: 'invalid_request_error',
    authentication: 'authentication_error',
    permission: 'permission_error',
    not_found: 'not_found_error',
    conflict: 'invalid_request_error',
    payload_too_large: 'invalid_request_error',
    rate_limit: 'rate_limit_error',
    budget_exceeded: 'insufficient_quota',
    upstream: 'api_error',
    timeout: 'timeout',
    unavailable: 'server_error',
    config: 'server_error',
    internal: 'server_error',
  };
  for (const [kind, type] of Object.entries(expected)) {
    const body = toOpenAIErrorBody(errorOf(kind as ErrorKind));
    assert.equal(body.error.type, type, kind);
    assert.equal(body.error.param, null);
    assert.equal(body.error.code, `${kind}_code`);
  }
});

test("a provider's own 4xx keeps its meaning; other upstream failures are API errors", () => {
  assert.equal(toOpenAIErrorBody(errorOf('upstream', 400)).error.type, 'invalid_request_error');
  assert.equal(toOpenAIErrorBody(errorOf('upstream', 404)).error.type, 'not_found_error');
  assert.equal(toOpenAIErrorBody(errorOf('upstream', 429)).error.type, 'rate_limit_error');
  assert.equal(toOpenAIErrorBody(errorOf('upstream', 500)).error.type, 'api_error');
});

test('the stream error event is one data line with the error body', () => {
  assert.equal(
    encodeOpenAIErrorEvent(errorOf('timeout')),
    'data: {"error":{"message":"timeout happened.","type":"timeout","param":null,"code":"timeout_code"}}\n\n',
  );
});
