import type { BodyCapture } from '../projects/project-store.ts';

/**
 * Prepares a request or response body for storage under a project's capture setting:
 * `full` keeps it, `none` keeps nothing, and `redacted` keeps the structure (roles, tool names, model
 * parameters, lengths) while every free-text string inside message content, tool arguments and outputs is
 * replaced by `[redacted: N chars]`. PII-aware masking comes with the guardrails.
 *
 * @example
 * captureBody('redacted', { messages: [{ role: 'user', content: [{ type: 'text', text: 'my SSN is …' }] }] })
 * // → { messages: [{ role: 'user', content: [{ type: 'text', text: '[redacted: 14 chars]' }] }] }
 */
export function captureBody(mode: BodyCapture, body: unknown): unknown {
  if (mode === 'none' || body === undefined) return null;
  if (mode === 'full') return body;
  return redact(body, undefined);
}

/** Keys whose string values are structure, not content, and so are kept under `redacted`. */
const STRUCTURAL_KEYS = new Set(['role', 'type', 'name', 'id', 'toolCallId', 'model', 'finishReason', 'detail', 'index']);

function redact(value: unknown, key: string | undefined): unknown {
  if (typeof value === 'string') {
    if (key !== undefined && STRUCTURAL_KEYS.has(key)) return value;
    return `[redacted: ${value.length} chars]`;
  }
  if (Array.isArray(value)) return value.map((item) => redact(item, undefined));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [entryKey, item] of Object.entries(value)) {
      // Model parameters and schemas are configuration, not user content.
      out[entryKey] = entryKey === 'parameters' || entryKey === 'schema' ? item : redact(item, entryKey);
    }
    return out;
  }
  return value;
}
