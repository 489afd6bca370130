import { CapturedJson } from '../tracing/body-capture.ts';
/** Small helpers the stores share: constraint errors of both drivers, JSON columns, batching. */

/** PostgreSQL SQLSTATE and SQLite extended result codes for the constraint errors the stores map. */
const PG_UNIQUE_VIOLATION = '23505';
const PG_FOREIGN_KEY_VIOLATION = '23503';
const SQLITE_CONSTRAINT_UNIQUE = 2067;
const SQLITE_CONSTRAINT_PRIMARYKEY = 1555;
const SQLITE_CONSTRAINT_FOREIGNKEY = 787;

interface DriverError {
  code?: unknown;
  errcode?: unknown;
}

export function isUniqueViolation(error: unknown): boolean {
  const { code, errcode } = (error ?? {}) as DriverError;
  return code === PG_UNIQUE_VIOLATION || errcode === SQLITE_CONSTRAINT_UNIQUE || errcode === SQLITE_CONSTRAINT_PRIMARYKEY;
}

export function isForeignKeyViolation(error: unknown): boolean {
  const { code, errcode } = (error ?? {}) as DriverError;
  return code === PG_FOREIGN_KEY_VIOLATION || errcode === SQLITE_CONSTRAINT_FOREIGNKEY;
}

/** JSON text for a column; `null`/`undefined` become SQL NULL. */
export function toJsonOrNull(value: unknown): string | null {
  if (value instanceof CapturedJson) return value.json;
  return value === null || value === undefined ? null : JSON.stringify(value);
}

export function fromJsonOrNull(text: string | null): unknown {
  return text === null ? null : JSON.parse(text);
}

export function fromJson<T>(text: string | null, fallback: T): T {
  return text === null || text === '' ? fallback : (JSON.parse(text) as T);
}

export const toFlag = (value: boolean | undefined): number => (value ? 1 : 0);
export const fromFlag = (value: number | null): boolean => value === 1;

/**
 * PostgreSQL cannot store NUL in text; stripping it everywhere keeps both backends alike.
 * (JSON columns need nothing: JSON.stringify escapes NUL as \u0000.)
 */
export function cleanText<T extends string | null>(value: T): T {
  return (typeof value === 'string' && value.includes('\u0000') ? value.replaceAll('\u0000', '') : value) as T;
}

/**
 * Rows per multi-row insert, so the bound parameters stay under SQLite's limit (32,766) and
 * PostgreSQL's (65,535).
 */
export function rowsPerInsert(columns: number, maxRows = 500): number {
  return Math.max(1, Math.min(maxRows, Math.floor(30_000 / columns)));
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let index = 0; index < items.length; index += size) out.push(items.slice(index, index + size));
  return out;
}
