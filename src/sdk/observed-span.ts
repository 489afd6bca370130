import { SpanStatusCode, type Attributes, type Span } from '@opentelemetry/api';
import { toInputMessages } from './gen-ai-messages.ts';
import {
  ATTR,
  errorMessage,
  errorType,
  JSON_MIME_TYPE,
  metadataAttributes,
  toJsonAttribute,
} from './span-attributes.ts';
import { unionTags } from './trace-context.ts';

/** What an LLM call produced, for `span.setGeneration(...)` inside `generation()`. */
export interface GenerationUpdate {
  /** `gen_ai.response.model`: the model that answered */
  responseModel?: string;
  /** `gen_ai.response.id` */
  responseId?: string;
  inputTokens?: number;
  outputTokens?: number;
  /** provider finish reasons, one per choice */
  finishReasons?: string[];
  /** the answer: a string or GenAI output messages (`{ role, parts, finish_reason }`) */
  output?: string | unknown[];
}

/**
 * The span a helper's callback receives. Every method is safe to call at any time: after the span
 * ended, or on a no-op span when the SDK is not initialized, it does nothing.
 *
 * @example
 * await operon.span('retrieve', async (span) => {
 *   const docs = await search(query);
 *   span.setMetadata({ hits: docs.length });
 *   return docs;
 * }, { kind: 'retrieval', input: { query } });
 */
export interface ObservedSpan {
  /** 32 hex characters; empty on a no-op span */
  readonly traceId: string;
  /** 16 hex characters; empty on a no-op span */
  readonly spanId: string;
  setInput(value: unknown): void;
  /** Sets the output explicitly; the callback's return value is then not captured. */
  setOutput(value: unknown): void;
  setAttributes(attributes: Attributes): void;
  setMetadata(metadata: Record<string, unknown>): void;
  addTags(tags: string[]): void;
  setGeneration(update: GenerationUpdate): void;
}

export const noopObservedSpan: ObservedSpan = {
  traceId: '',
  spanId: '',
  setInput: () => {},
  setOutput: () => {},
  setAttributes: () => {},
  setMetadata: () => {},
  addTags: () => {},
  setGeneration: () => {},
};

export function inputAttributes(value: unknown): Attributes {
  return { [ATTR.inputValue]: toJsonAttribute(value), [ATTR.inputMimeType]: JSON_MIME_TYPE };
}

export function outputAttributes(value: unknown): Attributes {
  return { [ATTR.outputValue]: toJsonAttribute(value), [ATTR.outputMimeType]: JSON_MIME_TYPE };
}

export function generationAttributes(update: GenerationUpdate): Attributes {
  const attributes: Attributes = {};
  if (update.responseModel !== undefined) attributes[ATTR.genAiResponseModel] = update.responseModel;
  if (update.responseId !== undefined) attributes[ATTR.genAiResponseId] = update.responseId;
  if (update.inputTokens !== undefined) attributes[ATTR.genAiInputTokens] = update.inputTokens;
  if (update.outputTokens !== undefined) attributes[ATTR.genAiOutputTokens] = update.outputTokens;
  if (update.finishReasons !== undefined) attributes[ATTR.genAiFinishReasons] = update.finishReasons;
  if (update.output !== undefined) {
    const messages =
      typeof update.output === 'string'
        ? [{ role: 'assistant', parts: [{ type: 'text', content: update.output }], finish_reason: update.finishReasons?.[0] ?? 'stop' }]
        : update.output;
    attributes[ATTR.genAiOutputMessages] = toJsonAttribute(messages);
    Object.assign(attributes, outputAttributes(update.output));
  }
  return attributes;
}

/** The messages of a generation's input, when it looks like a prompt or a message list. */
export function generationInputAttributes(input: unknown): Attributes {
  if (typeof input !== 'string' && !Array.isArray(input)) return {};
  return { [ATTR.genAiInputMessages]: toJsonAttribute(toInputMessages(input)) };
}

/**
 * An OTel span plus the little state the helpers need: whether the output was set by hand, and the
 * tags so far (`operon.tags` is one array attribute, so adding means rewriting it).
 */
export class SpanRecorder implements ObservedSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly #span: Span;
  #tags: string[];
  #outputSet = false;
  #ended = false;

  constructor(span: Span, tags: string[]) {
    this.#span = span;
    this.#tags = tags;
    const spanContext = span.spanContext();
    this.traceId = spanContext.traceId;
    this.spanId = spanContext.spanId;
  }

  setInput(value: unknown): void {
    this.setAttributes(inputAttributes(value));
  }

  setOutput(value: unknown): void {
    this.#outputSet = true;
    this.setAttributes(outputAttributes(value));
  }

  setAttributes(attributes: Attributes): void {
    if (this.#ended) return;
    try {
      this.#span.setAttributes(attributes);
    } catch {
      // attributes are best effort
    }
  }

  setMetadata(metadata: Record<string, unknown>): void {
    if (metadata === null || typeof metadata !== 'object') return;
    this.setAttributes(metadataAttributes(metadata));
  }

  addTags(tags: string[]): void {
    if (!Array.isArray(tags)) return;
    this.#tags = unionTags(this.#tags, tags.filter((tag) => typeof tag === 'string'));
    if (this.#tags.length > 0) this.setAttributes({ [ATTR.tags]: this.#tags });
  }

  setGeneration(update: GenerationUpdate): void {
    if (update === null || typeof update !== 'object') return;
    if (update.output !== undefined) this.#outputSet = true;
    this.setAttributes(generationAttributes(update));
  }

  /** Ends the span after a successful callback, capturing its value unless told not to. */
  succeed(value: unknown, captureOutput: boolean): void {
    if (captureOutput && !this.#outputSet && value !== undefined) this.setAttributes(outputAttributes(value));
    this.end();
  }

  /**
   * Records the host's error on the span (exception event, ERROR status, `error.type`) and ends it.
   * `type` overrides the error's class name as `error.type` (a provider's error code, say).
   */
  fail(error: unknown, type?: string): void {
    if (this.#ended) return;
    try {
      if (error instanceof Error || typeof error === 'string') this.#span.recordException(error);
      this.#span.setAttribute(ATTR.errorType, type ?? errorType(error));
      this.#span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(error) });
    } catch {
      // recording is best effort; the host's error is what matters
    }
    this.end();
  }

  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    try {
      this.#span.end();
    } catch {
      // nothing more to do
    }
  }
}
