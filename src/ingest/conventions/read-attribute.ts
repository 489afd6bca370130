import { setOwn } from '../set-own.ts';

/**
 * Typed reads of span attributes. Senders are loose about types (a token count as "12", a session id
 * as a number), so these accept the obvious spellings and answer undefined for anything else.
 */

/** A non-empty string (numbers are turned into strings), else undefined. */
export function readString(attributes: Record<string, unknown>, key: string): string | undefined {
  const value = attributes[key];
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** A finite number, also from a numeric string, else undefined. */
export function readNumber(attributes: Record<string, unknown>, key: string): number | undefined {
  const value = attributes[key];
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '') {
    const number = Number(value);
    return Number.isFinite(number) ? number : undefined;
  }
  return undefined;
}

/** A list of strings: a string array, a JSON array in a string, or one string. */
export function readStringList(attributes: Record<string, unknown>, key: string): string[] | undefined {
  let value = attributes[key];
  if (typeof value === 'string') value = parseJsonText(value);
  if (typeof value === 'string') return value === '' ? undefined : [value];
  if (!Array.isArray(value)) return undefined;
  const strings: string[] = [];
  for (const item of value) {
    if (typeof item === 'string' && item !== '') strings.push(item);
    else if (typeof item === 'number') strings.push(String(item));
  }
  return strings;
}

/**
 * The value parsed as JSON when it is a string holding a JSON object or array; anything else
 * (plain text, a string cut by the size limit so it no longer parses) is returned as it was.
 */
export function parseJsonText(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const first = firstNonSpace(value);
  if (first !== '{' && first !== '[') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

function firstNonSpace(text: string): string {
  for (let index = 0; index < text.length; index++) {
    const character = text[index]!;
    if (character !== ' ' && character !== '\n' && character !== '\r' && character !== '\t') return character;
  }
  return '';
}

/** Every attribute under `prefix` (e.g. `operon.metadata.`), keyed by the rest of its key. */
export function collectPrefixed(attributes: Record<string, unknown>, prefix: string): Record<string, unknown> | undefined {
  let collected: Record<string, unknown> | undefined;
  for (const key in attributes) {
    if (key.length > prefix.length && key.startsWith(prefix)) {
      collected ??= {};
      setOwn(collected, key.slice(prefix.length), attributes[key]);
    }
  }
  return collected;
}

/** A plain object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
