import { createHash } from 'node:crypto';
import { randomSecret } from '../core/ids.ts';

/** Every Operon key starts with this, so secret scanners and people can recognise one. */
export const API_KEY_PREFIX = 'opk_';

/**
 * Makes a new key. Only its SHA-256 is stored; the plain key is shown once, to whoever created it.
 * A 256-bit random key needs no slow hash: nobody can brute-force it from its SHA-256.
 *
 * @example
 * const { plain, hash, prefix } = newApiKeySecret();
 */
export function newApiKeySecret(): { plain: string; hash: string; prefix: string } {
  const plain = `${API_KEY_PREFIX}${randomSecret(32)}`;
  return { plain, hash: hashApiKey(plain), prefix: displayPrefix(plain) };
}

export function hashApiKey(plain: string): string {
  return createHash('sha256').update(plain, 'utf8').digest('hex');
}

/** The part of a key safe to display: `opk_` and 6 characters. */
export function displayPrefix(plain: string): string {
  return plain.slice(0, API_KEY_PREFIX.length + 6);
}
