import { test } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { invalidRequest, OperonError, type ErrorKind } from '../../core/errors.ts';
import { encodeAnthropicErrorEvent, toAnthropicErrorBody } from './anthropic-error.ts';

const errorOf = (kind: ErrorKind, upstreamStatus?: number) =>
  new OperonError({ code: `${kind}_code`, kind, blame: 'system', message: `${kind} happened.`, upstreamStatus });

test('the body has the Anthropic error shape', () => {
  assert.deepEqual(toAnthropicErrorBody(invalidRequest('max_tokens is required.', 'max_tokens')), {
    type: 'error',
    error: { type: 'invalid_request_error', message: 'max_tokens is required.' },
  });
});

test('every error kind has an Anthropic error type', () => {
  const expected: Record<ErrorKind, string> = {
    invalid_request: 'invalid_request_error',
    authentication: 'authentication_error',
    permission: 'permission_error',
    not_found: 'not_found_error',
    conflict: 'invalid_request_error',
    payload_too_large: 'request_too_large',
    rate_limit: 'rate_limit_error',
    budget_exceeded: 'rate_limit_error',
    upstream: 'api_error',
    timeout: 'timeout_error',
    unavailable: 'overloaded_error',
    config: 'api_error',
    internal: 'api_error',
  };
  for (const [kind, type] of Object.entries(expected)) assert.equal(toAnthropicErrorBody(errorOf(kind as ErrorKind)).error.type, type, kind);
});

test("a provider's own status keeps its meaning, 529 included", () => {
  assert.equal(toAnthropicErrorBody(errorOf('upstream', 529)).error.type, 'overloaded_error');
  assert.equal(toAnthropicErrorBody(errorOf('upstream', 413)).error.type, 'request_too_large');
  assert.equal(toAnthropicErrorBody(errorOf('upstream', 429)).error.type, 'rate_limit_error');
  assert.equal(toAnthropicErrorBody(errorOf('upstream', 502)).error.type, 'api_error');
});

test('the stream error event reaches Anthropic SDK users as an APIError', async () => {
  const event = encodeAnthropicErrorEvent(errorOf('unavailable'));
  assert.equal(event, 'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"unavailable happened."}}\n\n');
  const client = new Anthropic({
    apiKey: 'test',
    baseURL: 'http://gateway.test',
    maxRetries: 0,
    fetch: async () => new Response(event, { headers: { 'content-type': 'text/event-stream' } }),
  });
  const stream = client.messages.stream({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] });
  await assert.rejects(stream.finalMessage(), (thrown: unknown) => thrown instanceof Anthropic.APIError && thrown.message.includes('unavailable happened.'));
});
