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

/**
 * A captured body already serialized: the span holds one string instead of the request's and the
 * response's object graphs while it waits in the queue. Under load spans wait long enough to outlive
 * V8's young generation, and promoted object graphs made the old space (and the process) tens of MB
 * bigger; one string per body is a fraction of that. `JSON.stringify` of a span still writes the body.
 */
export class CapturedJson {
  readonly json: string;
  constructor(json: string) {
    this.json = json;
  }
  toJSON(): unknown {
    return JSON.parse(this.json);
  }
}

/** `captureBody`, serialized at once (see `CapturedJson`); null when nothing is kept. */
export function captureBodyAsJson(mode: BodyCapture, body: unknown): CapturedJson | null {
  const captured = captureBody(mode, body);
  return captured === null || captured === undefined ? null : new CapturedJson(JSON.stringify(captured));
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
