import { invalidRequest } from '../core/errors.ts';
import { decodePageCursor, encodePageCursor } from '../core/page-cursor.ts';

/**
 * The history's page cursor: the (createdAt, id) of the last event shown, opaque to clients. Shared by
 * every `AlertStore` so that a cursor means the same on each.
 *
 * @example
 * const cursor = encodeEventCursor(last); // 'WzE3NjQw…'
 * decodeEventCursor(cursor); // { createdAt: 1764000000000, id: 'alertevt_…' }
 */
export function encodeEventCursor(event: { createdAt: number; id: string }): string {
  return encodePageCursor({ at: event.createdAt, id: event.id });
}

export function decodeEventCursor(text: string): { createdAt: number; id: string } {
  const { at, id } = decodePageCursor(text);
  return { createdAt: at, id };
}

/** The limit of a history page, checked: 1–200. */
export function checkEventLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > 200) throw invalidRequest(`limit must be an integer from 1 to 200, got ${String(limit)}.`, 'limit');
}
