import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSseParser, parseSse, type SseEvent } from './sse.ts';

function parseInTwo(bytes: Buffer, offset: number): SseEvent[] {
  const parser = createSseParser();
  return [...parser.push(bytes.subarray(0, offset)), ...parser.push(bytes.subarray(offset)), ...parser.end()];
}

const STREAM = [
  ': a comment the server sends to keep the connection open',
  'event: message_start',
  'data: {"type":"message_start","text":"héllo wörld ✓ 🎉"}',
  '',
  'data: first line',
  'data: second line',
  'id: 7',
  '',
  'event: ping',
  'data:no space after the colon',
  '',
  'data: [DONE]',
  '',
  '',
].join('\r\n');

const EXPECTED: SseEvent[] = [
  { event: 'message_start', data: '{"type":"message_start","text":"héllo wörld ✓ 🎉"}' },
  { data: 'first line\nsecond line', id: '7' },
  { event: 'ping', data: 'no space after the colon', id: '7' },
  { data: '[DONE]', id: '7' },
];

test('parses events with CRLF line breaks, multi-line data, event names, ids and comments', () => {
  const parser = createSseParser();
  assert.deepEqual([...parser.push(Buffer.from(STREAM)), ...parser.end()], EXPECTED);
});

test('gives the same events whatever byte the stream is split at, including inside a character or a CRLF', () => {
  const bytes = Buffer.from(STREAM);
  for (let offset = 0; offset <= bytes.length; offset += 1) {
    assert.deepEqual(parseInTwo(bytes, offset), EXPECTED, `split at byte ${offset}`);
  }
});

test('gives the same events when fed one byte at a time', () => {
  const bytes = Buffer.from(STREAM);
  const parser = createSseParser();
  const events: SseEvent[] = [];
  for (let index = 0; index < bytes.length; index += 1) events.push(...parser.push(bytes.subarray(index, index + 1)));
  events.push(...parser.end());
  assert.deepEqual(events, EXPECTED);
});

test('accepts LF and lone CR line breaks, split anywhere', () => {
  for (const newline of ['\n', '\r']) {
    const bytes = Buffer.from(['event: a', 'data: 1', '', 'data: 2', '', ''].join(newline));
    for (let offset = 0; offset <= bytes.length; offset += 1) {
      assert.deepEqual(parseInTwo(bytes, offset), [{ event: 'a', data: '1' }, { data: '2' }], `newline ${JSON.stringify(newline)}, split ${offset}`);
    }
  }
});

test('skips blocks without data and resets the event name after each event', () => {
  const parser = createSseParser();
  const events = parser.push('event: lonely\n\nretry: 100\n\ndata: x\n\n');
  assert.deepEqual(events, [{ data: 'x' }]);
});

test('keeps an empty data line as an empty string', () => {
  const parser = createSseParser();
  assert.deepEqual(parser.push('data\n\ndata:\ndata:\n\n'), [{ data: '' }, { data: '\n' }]);
});

test('gives an event the stream ended without a blank line after', () => {
  const parser = createSseParser();
  assert.deepEqual(parser.push('data: {"a":1}\n\ndata: last'), [{ data: '{"a":1}' }]);
  assert.deepEqual(parser.end(), [{ data: 'last' }]);
});

test('parseSse reads events from an async byte stream', async () => {
  async function* chunks() {
    yield Buffer.from('data: a\n');
    yield Buffer.from('\ndata: b\n\n');
  }
  const events: SseEvent[] = [];
  for await (const event of parseSse(chunks())) events.push(event);
  assert.deepEqual(events, [{ data: 'a' }, { data: 'b' }]);
});
