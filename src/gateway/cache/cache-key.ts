import { hash } from 'node:crypto';
import type { ChatRequest } from '../../providers/chat-model.ts';

/**
 * The cache key of a request: its project, and the SHA-256 of the requested model name and the request in
 * canonical JSON. Streaming and non-streaming calls share keys: `stream` is not part of the request.
 */
export function cacheKey(projectId: string, requestedModel: string, request: ChatRequest): string {
  return `${projectId}\n${hash('sha256', `${requestedModel}\n${canonicalJson(request)}`, 'base64url')}`;
}

/**
 * JSON with object keys sorted and `undefined` members dropped, so that requests that mean the same thing
 * serialize the same way whatever order their keys were built in. Array order is kept (it is meaningful).
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (Array.isArray(value)) {
        let out = '[';
        for (let index = 0; index < value.length; index++) {
          if (index > 0) out += ',';
          const item: unknown = value[index];
          out += item === undefined || typeof item === 'function' ? 'null' : canonicalJson(item);
        }
        return `${out}]`;
      }
      const record = value as Record<string, unknown>;
      const keys: string[] = [];
      for (const key in record) if (Object.hasOwn(record, key)) keys.push(key);
      // Objects built by the same code come in the same order: only sort when needed.
      for (let index = 1; index < keys.length; index++) {
        if ((keys[index - 1] as string) > (keys[index] as string)) {
          keys.sort();
          break;
        }
      }
      let out = '{';
      let first = true;
      for (const key of keys) {
        const member = record[key];
        if (member === undefined || typeof member === 'function') continue;
        out += `${first ? '' : ','}${quoted(key)}:${canonicalJson(member)}`;
        first = false;
      }
      return `${out}}`;
    }
    default:
      return 'null';
  }
}

// Object keys repeat from request to request (`role`, `content`, `type`, …): quote each once.
const quotedKeys = new Map<string, string>();

function quoted(key: string): string {
  let quotedKey = quotedKeys.get(key);
  if (quotedKey === undefined) {
    quotedKey = JSON.stringify(key);
    if (quotedKeys.size < 10_000) quotedKeys.set(key, quotedKey);
  }
  return quotedKey;
}
