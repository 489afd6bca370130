import { z } from 'zod';
import { OperonError } from '../../core/errors.ts';

const finishReasonSchema = z.enum(['stop', 'length', 'tool_calls', 'content_filter', 'error']);

const toolCallSchema = z
  .object({
    name: z.string().min(1),
    /** JSON text, or an object that is written as JSON. */
    arguments: z.union([z.string(), z.record(z.string(), z.unknown())]).default('{}'),
    id: z.string().min(1).optional(),
  })
  .strict();

const replySchema = z
  .object({
    /** The answer. Without `text` and `toolCalls`, the mock echoes the last user message. */
    text: z.string().optional(),
    toolCalls: z.array(toolCallSchema).min(1).optional(),
    refusal: z.string().optional(),
    finishReason: finishReasonSchema.optional(),
    usage: z.object({ inputTokens: z.number().int().nonnegative(), outputTokens: z.number().int().nonnegative() }).strict().optional(),
  })
  .strict();

const errorSchema = z
  .object({
    /** The HTTP status the fake provider answers with; mapped like a real provider's (429 → rate_limit, …). */
    status: z.number().int().min(400).max(599),
    message: z.string().optional(),
    retryAfterSeconds: z.number().nonnegative().optional(),
    /** The provider's error code, e.g. `insufficient_quota`. */
    code: z.string().optional(),
    /** Streams only: fail after this many text chunks instead of before the first. */
    afterChunks: z.number().int().nonnegative().optional(),
  })
  .strict();

/**
 * One scripted behaviour of the mock provider. Entries are tried in order; the first that matches (and
 * has uses left) answers.
 *
 * @example operon.yaml
 * providers:
 *   mock:
 *     type: mock
 *     script:
 *       - { match: { lastUserMessageIncludes: weather }, reply: { toolCalls: [{ name: get_weather, arguments: { city: Paris } }] } }
 *       - { match: { model: flaky }, error: { status: 503 }, times: 1 }
 *       - { reply: { text: "Hello from the mock" }, chunkSize: 4 }
 */
export const mockScriptEntrySchema = z
  .object({
    match: z
      .object({
        /** Exact model id. */
        model: z.string().min(1).optional(),
        /** Case-sensitive substring of the last user message's text. */
        lastUserMessageIncludes: z.string().min(1).optional(),
      })
      .strict()
      .optional(),
    reply: replySchema.optional(),
    error: errorSchema.optional(),
    /** How many calls this entry answers; unlimited when absent. */
    times: z.number().int().positive().optional(),
    /** Characters per streamed text chunk; by default a stream sends one word per chunk. */
    chunkSize: z.number().int().positive().optional(),
  })
  .strict()
  .refine((entry) => !(entry.reply && entry.error && entry.error.afterChunks === undefined), {
    message: 'give either reply or error (both only with error.afterChunks, to fail a stream part-way)',
  });

export type MockScriptEntry = z.input<typeof mockScriptEntrySchema>;
export type ParsedMockScriptEntry = z.output<typeof mockScriptEntrySchema>;

/** Validates a script (from code or from operon.yaml) and explains every problem at once. */
export function parseMockScript(provider: string, script: readonly unknown[]): ParsedMockScriptEntry[] {
  const result = z.array(mockScriptEntrySchema).safeParse(script);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const [index, ...rest] = issue.path;
    const where = `providers.${provider}.script[${String(index)}]${rest.map((key) => (typeof key === 'number' ? `[${key}]` : `.${String(key)}`)).join('')}`;
    return `${where}: ${issue.message}`;
  });
  return failConfig(`The mock provider '${provider}' has an invalid script: ${problems.join('; ')}.`);
}

function failConfig(message: string): never {
  throw new OperonError({ code: 'invalid_mock_script', kind: 'config', blame: 'system', message });
}
