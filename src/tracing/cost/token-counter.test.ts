import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTokenCounter, estimateByCharacters } from './token-counter.ts';

test('counts with the o200k_base encoding, loaded on first use', async () => {
  const counter = createTokenCounter();
  assert.equal(await counter.countText('Hello world'), 2);
  assert.equal(await counter.countText(''), 0);
});

test('treats special-token text in prompts as plain text instead of failing', async () => {
  const counter = createTokenCounter();
  assert.ok((await counter.countText('before <|endoftext|> after')) > 3);
});

test('counts every kind of message with the chat formatting overhead', async () => {
  const counter = createTokenCounter({ load: async () => (text) => text.length });
  // Shaped like the provider port's ChatMessage (extra members are ignored).
  const messages = [
    { role: 'system', content: 'ab' },
      { role: 'user', content: [{ type: 'text', text: 'abc' }, { type: 'image', url: 'https://x/y.png' }], name: 'zed' },
      { role: 'assistant', content: null, toolCalls: [{ id: 't1', name: 'get', arguments: '{}' }] },
      { role: 'tool', toolCallId: 't1', content: 'done' },
  ] as const;
  const tokens = await counter.countPrompt({ messages });
  // 3 priming + 4 × 3 per message + 2 + (1 + 3 + 3 + 85) + (3 + 2) + 4
  assert.equal(tokens, 3 + 12 + 2 + 92 + 5 + 4);
});

test('falls back to characters / 4 when the encoder cannot be loaded, and says so once', async () => {
  const errors: unknown[] = [];
  const counter = createTokenCounter({ load: async () => { throw new Error('module missing'); }, onLoadError: (error) => errors.push(error) });
  assert.equal(await counter.countText('12345678'), 2);
  assert.equal(await counter.countText('123456789'), 3);
  assert.equal(errors.length, 1);
  assert.equal(estimateByCharacters(''), 0);
});
