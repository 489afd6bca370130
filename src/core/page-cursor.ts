import { invalidRequest } from './errors.ts';

/**
 * The cursor of every newest-first listing: the (time, id) of the last item on the page, as base64url
 * JSON, opaque to clients. One codec, so that every list API accepts and refuses cursors alike.
 *
 * @example
 * const next = encodePageCursor({ at: last.startedAt, id: last.id });
 * const { at, id } = decodePageCursor(next); // then: where (time, id) < (at, id)
 */
export interface PageCursor {
  /** Epoch ms of the last item shown. */
  at: number;
  id: string;
}

export function encodePageCursor(cursor: PageCursor): string {
  return Buffer.from(JSON.stringify([cursor.at, cursor.id]), 'utf8').toString('base64url');
}

export function decodePageCursor(text: string): PageCursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== 2 || !Number.isSafeInteger(parsed[0]) || typeof parsed[1] !== 'string') {
    throw invalidRequest('The cursor is not valid; pass back the nextCursor of a previous page unchanged, or leave it out.', 'cursor');
  }
  return { at: parsed[0] as number, id: parsed[1] };
}
