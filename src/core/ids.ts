import { randomBytes, randomUUID } from 'node:crypto';

/** Generates ids; injected so tests can make them predictable. */
export interface IdGenerator {
  /** A new id with a readable prefix, e.g. `trace_…`, `span_…`, `proj_…`. */
  next(prefix: string): string;
}

export const randomIds: IdGenerator = {
  next: (prefix) => `${prefix}_${randomUUID().replaceAll('-', '')}`,
};

/** Ids `prefix_1`, `prefix_2`, … for tests. */
export function sequentialIds(): IdGenerator {
  let counter = 0;
  return { next: (prefix) => `${prefix}_${++counter}` };
}

/** A random secret of `bytes` bytes, base64url-encoded. */
export function randomSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}
