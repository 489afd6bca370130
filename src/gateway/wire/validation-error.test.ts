import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { describeValue, formatPath, toValidationError } from './validation-error.ts';

function errorFor(schema: z.ZodType, input: unknown) {
  const result = schema.safeParse(input);
  assert.equal(result.success, false);
  return toValidationError(result.error!, input);
}

test('paths are written the way a client reads them', () => {
  assert.equal(formatPath(['messages', 2, 'content', 0, 'type']), 'messages[2].content[0].type');
  assert.equal(formatPath([]), '');
});

test('values are described briefly, strings quoted and cut', () => {
  assert.equal(describeValue('bot'), "'bot'");
  assert.equal(describeValue(42), '42');
  assert.equal(describeValue(null), 'null');
  assert.equal(describeValue([1]), 'an array');
  assert.equal(describeValue({}), 'an object');
  assert.equal(describeValue('x'.repeat(100)).length, 62);
});

test('a missing field says it is required and what to send', () => {
  const error = errorFor(z.object({ model: z.string() }), {});
  assert.equal(error.message, 'model is required; send a string.');
  assert.equal(error.param, 'model');
  assert.equal(error.kind, 'invalid_request');
  assert.equal(error.blame, 'user');
});

test('a union with one item wrong inside an array reports that item, not the union', () => {
  const schema = z.object({ list: z.union([z.string(), z.array(z.object({ n: z.number() }))]) });
  const error = errorFor(schema, { list: [{ n: 1 }, { n: 'two' }] });
  assert.equal(error.message, "list[1].n must be a number; got 'two'.");
  assert.equal(error.param, 'list[1].n');
});

test('a union that fails at the root lists the accepted types, or uses its custom message', () => {
  assert.equal(errorFor(z.object({ s: z.union([z.string(), z.array(z.string())]) }), { s: 1 }).message, 's must be a string or an array; got 1.');
  const custom = z.object({ s: z.union([z.string(), z.number()], { error: 'must be text or a count' }) });
  assert.equal(errorFor(custom, { s: true }).message, 's must be text or a count; got true.');
});

test('a body that is not an object is named as the request body', () => {
  const error = errorFor(z.object({}), 'hello');
  assert.equal(error.message, "The request body must be an object; got 'hello'.");
  assert.equal(error.param, undefined);
});

test('number bounds and array sizes read as sentences', () => {
  assert.equal(errorFor(z.object({ n: z.number().min(1) }), { n: 0 }).message, 'n must be at least 1; got 0.');
  assert.equal(errorFor(z.object({ n: z.number().max(5) }), { n: 9 }).message, 'n must be at most 5; got 9.');
  assert.equal(errorFor(z.object({ a: z.array(z.string()).min(2) }), { a: ['x'] }).message, 'a must contain at least 2 items.');
  assert.equal(errorFor(z.object({ a: z.array(z.string()).max(1) }), { a: ['x', 'y'] }).message, 'a must contain at most 1 item.');
});
