import { invalidRequest } from '../core/errors.ts';

/**
 * The history's page cursor: the (createdAt, id) of the last event shown, opaque to clients. Shared by
 * every `AlertStore` so that a cursor means the same on each.
 *
 * @example
 * const cursor = encodeEventCursor(last); // 'WzE3NjQw…'
 * decodeEventCursor(cursor); // { createdAt: 1764000000000, id: 'alertevt_…' }
 */
export function encodeEventCursor(event: { createdAt: number; id: string }): string {
  return Buffer.from(JSON.stringify([event.createdAt, event.id]), 'utf8').toString('base64url');
}

export function decodeEventCursor(text: string): { createdAt: number; id: string } {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && typeof parsed[0] === 'number' && typeof parsed[1] === 'string') return { createdAt: parsed[0], id: parsed[1] };
  } catch {
    // fall through to the error below
  }
  throw invalidRequest('cursor is not one this API returned. Pass nextCursor from the previous page unchanged, or leave it out.', 'cursor');
}

/** The limit of a history page, checked: 1–200. */
export function checkEventLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > 200) throw invalidRequest(`limit must be an integer from 1 to 200, got ${String(limit)}.`, 'limit');
}
