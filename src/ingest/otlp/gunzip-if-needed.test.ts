import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { OperonError } from '../../core/errors.ts';
import { gunzipIfNeeded } from './gunzip-if-needed.ts';

const MiB = 1024 * 1024;
const text = new TextEncoder().encode('{"resourceSpans":[]}');

describe('gunzipIfNeeded', () => {
  it('inflates a gzip body', () => {
    assert.deepEqual(Buffer.from(gunzipIfNeeded(gzipSync(text), 'gzip', MiB)), Buffer.from(text));
    assert.deepEqual(Buffer.from(gunzipIfNeeded(gzipSync(text), ' GZIP ', MiB)), Buffer.from(text));
  });

  it('passes an unencoded body through untouched', () => {
    assert.equal(gunzipIfNeeded(text, undefined, MiB), text);
    assert.equal(gunzipIfNeeded(text, '', MiB), text);
    assert.equal(gunzipIfNeeded(text, 'identity', MiB), text);
  });

  it('refuses encodings OTLP does not use', () => {
    assert.throws(
      () => gunzipIfNeeded(text, 'br', MiB),
      (error: unknown) =>
        error instanceof OperonError &&
        error.code === 'invalid_request' &&
        error.param === 'content-encoding' &&
        /Content-Encoding 'br' is not supported.*gzip/.test(error.message),
    );
  });

  it('refuses a body marked gzip that is not', () => {
    assert.throws(
      () => gunzipIfNeeded(text, 'gzip', MiB),
      (error: unknown) => error instanceof OperonError && error.code === 'invalid_request' && /not valid gzip/.test(error.message),
    );
  });

  it('stops a zip bomb at the limit and names it', () => {
    const bomb = gzipSync(new Uint8Array(64 * MiB));
    assert.ok(bomb.length < 100 * 1024, 'the bomb is small on the wire');
    assert.throws(
      () => gunzipIfNeeded(bomb, 'gzip', 2 * MiB),
      (error: unknown) =>
        error instanceof OperonError &&
        error.kind === 'payload_too_large' &&
        error.code === 'payload_too_large' &&
        error.message.includes('more than the limit of 2097152 bytes'),
    );
    // Exactly at the limit is fine.
    assert.equal(gunzipIfNeeded(gzipSync(new Uint8Array(MiB)), 'gzip', MiB).length, MiB);
  });

  it('refuses an unencoded body over the limit as well', () => {
    assert.throws(
      () => gunzipIfNeeded(new Uint8Array(11), undefined, 10),
      (error: unknown) => error instanceof OperonError && error.kind === 'payload_too_large' && /\(11 bytes\).*limit of 10 bytes/.test(error.message),
    );
  });
});
