import { z } from 'zod';
import { invalidRequest } from '../../core/errors.ts';
import type { EmbeddingRequest, EmbeddingResult } from '../../providers/chat-model.ts';
import { toValidationError } from './validation-error.ts';

/**
 * `POST /v1/embeddings` (OpenAI format) ↔ the internal embedding request and result.
 *
 * Only text input is accepted: token-id arrays are tokenizer-specific and no provider behind a gateway
 * can be trusted to share the client's tokenizer. Unknown fields pass through as `providerOptions.openai`.
 */

export const embeddingsRequestSchema = z.looseObject({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(z.string()).min(1)], { error: 'must be a string or a non-empty array of strings' }),
  dimensions: z.number().int().min(1).nullish(),
  encoding_format: z.enum(['float', 'base64']).nullish(),
  user: z.string().nullish(),
});

export type OpenAIEmbeddingsRequestBody = z.infer<typeof embeddingsRequestSchema>;

export type EmbeddingEncodingFormat = 'float' | 'base64';

export interface ParsedEmbeddingsRequest {
  request: EmbeddingRequest;
  encodingFormat: EmbeddingEncodingFormat;
}

const knownFields = new Set(Object.keys(embeddingsRequestSchema.shape));

/**
 * @example
 * const { request, encodingFormat } = parseEmbeddingsRequest(await c.req.json());
 * return c.json(toOpenAIEmbeddingsResponse(await handler.embed(request, context), encodingFormat));
 */
export function parseEmbeddingsRequest(json: unknown): ParsedEmbeddingsRequest {
  const input = json !== null && typeof json === 'object' ? (json as { input?: unknown }).input : undefined;
  if (Array.isArray(input) && input.some((item) => typeof item === 'number' || Array.isArray(item))) {
    throw invalidRequest(
      'input must be text: a string or an array of strings. Token-id arrays are not supported by the gateway; send the text instead.',
      'input',
    );
  }
  const parsed = embeddingsRequestSchema.safeParse(json);
  if (!parsed.success) throw toValidationError(parsed.error, json);
  const body = parsed.data;

  const request: EmbeddingRequest = { model: body.model, input: typeof body.input === 'string' ? [body.input] : body.input };
  if (body.dimensions != null) request.dimensions = body.dimensions;
  if (body.user != null) request.user = body.user;
  let extra: Record<string, unknown> | undefined;
  for (const key in body) {
    if (knownFields.has(key) || body[key] === undefined) continue;
    (extra ??= {})[key] = body[key];
  }
  if (extra !== undefined) request.providerOptions = { openai: extra };
  return { request, encodingFormat: body.encoding_format ?? 'float' };
}

export interface OpenAIEmbeddingsResponse {
  object: 'list';
  data: Array<{ object: 'embedding'; index: number; embedding: number[] | string }>;
  model: string;
  usage: { prompt_tokens: number; total_tokens: number };
}

export function toOpenAIEmbeddingsResponse(result: EmbeddingResult, encodingFormat: EmbeddingEncodingFormat): OpenAIEmbeddingsResponse {
  const data: OpenAIEmbeddingsResponse['data'] = new Array(result.embeddings.length);
  for (let i = 0; i < result.embeddings.length; i++) {
    const vector = result.embeddings[i]!;
    data[i] = { object: 'embedding', index: i, embedding: encodingFormat === 'base64' ? toBase64Float32(vector) : vector };
  }
  const tokens = result.usage?.inputTokens ?? 0;
  return { object: 'list', data, model: result.model, usage: { prompt_tokens: tokens, total_tokens: tokens } };
}

const hostIsLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** OpenAI's `encoding_format: 'base64'`: the vector as float32 little-endian bytes, base64-encoded. */
export function toBase64Float32(vector: readonly number[]): string {
  const floats = new Float32Array(vector);
  if (!hostIsLittleEndian) {
    const view = new DataView(floats.buffer);
    for (let i = 0; i < vector.length; i++) view.setFloat32(i * 4, vector[i]!, true);
  }
  return Buffer.from(floats.buffer, floats.byteOffset, floats.byteLength).toString('base64');
}
