import { test } from 'node:test';
import assert from 'node:assert/strict';
import { captureBody } from './body-capture.ts';

const body = {
  model: 'gpt-4o',
  messages: [
    { role: 'user', content: [{ type: 'text', text: 'my card is 4111 1111 1111 1111' }] },
    { role: 'assistant', content: null, toolCalls: [{ id: 'call_1', name: 'lookup', arguments: '{"q":"secret"}' }] },
  ],
  tools: [{ name: 'lookup', parameters: { type: 'object' } }],
};

test('full keeps the body and none keeps nothing', () => {
  assert.equal(captureBody('full', body), body);
  assert.equal(captureBody('none', body), null);
});

test('redacted keeps structure but hides every content string', () => {
  const redacted = captureBody('redacted', body) as typeof body;
  assert.equal(redacted.model, 'gpt-4o');
  assert.equal(redacted.messages[0]?.role, 'user');
  assert.deepEqual(redacted.messages[0]?.content, [{ type: 'text', text: '[redacted: 30 chars]' }]);
  assert.deepEqual(redacted.messages[1]?.toolCalls, [{ id: 'call_1', name: 'lookup', arguments: '[redacted: 14 chars]' }]);
  assert.deepEqual(redacted.tools[0]?.parameters, { type: 'object' });
  assert.doesNotMatch(JSON.stringify(redacted), /4111|secret/);
});

test('a body captured as JSON is one string, and serializes back to the captured body', async () => {
  const { captureBodyAsJson, CapturedJson } = await import('./body-capture.ts');
  const body = { messages: [{ role: 'user', content: [{ type: 'text', text: 'secret plan' }] }] };
  const full = captureBodyAsJson('full', body);
  assert.ok(full instanceof CapturedJson);
  assert.equal(full.json, JSON.stringify(body));
  assert.deepEqual(JSON.parse(JSON.stringify({ input: full })), { input: body });
  assert.doesNotMatch(captureBodyAsJson('redacted', body)?.json ?? '', /secret/);
  assert.equal(captureBodyAsJson('none', body), null);
});
