import type { SdkDiagnostics } from './export-health.ts';

/**
 * A score for a trace or one of its spans: user feedback, an eval result, a label.
 *
 * @example
 * operon.score({ name: 'thumbs-up', value: true, comment: 'helpful' }); // the active trace
 * operon.score({ traceId, spanId, name: 'relevance', value: 0.8 });
 */
export interface ScoreInput {
  /** 32 hex characters; defaults to the trace of the active span */
  traceId?: string;
  /** 16 hex characters; defaults to the active span when `traceId` is not given either */
  spanId?: string;
  name: string;
  value: number | boolean | string;
  comment?: string;
}

/** The body of `POST /v1/scores`. */
export interface ScoreBody {
  traceId: string;
  spanId?: string;
  name: string;
  value: number | boolean | string;
  comment?: string;
  source: 'sdk';
}

export interface ScoreSenderOptions {
  baseUrl: string;
  apiKey: string;
  fetch: typeof fetch;
  timeoutMs: number;
  /** scores in flight at once; past it new ones are dropped and counted */
  maxInFlight: number;
  diagnostics: SdkDiagnostics;
}

const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;

/** Returns the body to send, or why the score is unusable. */
export function validateScore(score: ScoreInput & { traceId: string }): ScoreBody | string {
  if (!TRACE_ID.test(score.traceId) || /^0+$/.test(score.traceId)) return 'traceId must be 32 lowercase hex characters';
  if (score.spanId !== undefined && !SPAN_ID.test(score.spanId)) return 'spanId must be 16 lowercase hex characters';
  if (typeof score.name !== 'string' || score.name === '') return 'name must be a non-empty string';
  const { value } = score;
  const validValue =
    typeof value === 'boolean' || typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
  if (!validValue) return 'value must be a finite number, a boolean or a string';
  if (score.comment !== undefined && typeof score.comment !== 'string') return 'comment must be a string';
  const body: ScoreBody = { traceId: score.traceId, name: score.name, value, source: 'sdk' };
  if (score.spanId !== undefined) body.spanId = score.spanId;
  if (score.comment !== undefined) body.comment = score.comment;
  return body;
}

/** An HTTP answer other than 2xx, shaped so `describeDeliveryFailure` can name the status. */
class ScoreRejected extends Error {
  readonly status: number;
  constructor(status: number) {
    super(`HTTP ${status}`);
    this.status = status;
  }
}

/**
 * Posts scores to `${baseUrl}/v1/scores`, once each, off the caller's path. Promises it returns
 * never reject; failures are counted in `scoresDropped` and reported through the diagnostics.
 */
export class ScoreSender {
  readonly #options: ScoreSenderOptions;
  readonly #url: string;
  readonly #inFlight = new Set<Promise<void>>();
  #closed = false;

  constructor(options: ScoreSenderOptions) {
    this.#options = options;
    this.#url = `${options.baseUrl.replace(/\/+$/, '')}/v1/scores`;
  }

  /** Scores in flight. */
  get pending(): number {
    return this.#inFlight.size;
  }

  send(body: ScoreBody): Promise<void> {
    const { diagnostics } = this.#options;
    if (this.#closed) {
      diagnostics.stats.scoresDropped++;
      diagnostics.warnOnce('score-after-shutdown', 'a score was sent after operon.shutdown(); it is dropped.');
      return Promise.resolve();
    }
    if (this.#inFlight.size >= this.#options.maxInFlight) {
      diagnostics.stats.scoresDropped++;
      diagnostics.warnOnce('scores-full', `${this.#options.maxInFlight} scores are already in flight; new ones are dropped and counted.`);
      return Promise.resolve();
    }
    const delivery = this.#deliver(body).finally(() => this.#inFlight.delete(delivery));
    this.#inFlight.add(delivery);
    return delivery;
  }

  async #deliver(body: ScoreBody): Promise<void> {
    const { diagnostics } = this.#options;
    try {
      const response = await this.#options.fetch(this.#url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.#options.apiKey}` },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.#options.timeoutMs),
      });
      await response.arrayBuffer().catch(() => undefined);
      if (!response.ok) throw new ScoreRejected(response.status);
      diagnostics.stats.scoresSent++;
      diagnostics.deliverySucceeded();
    } catch (error) {
      diagnostics.stats.scoresDropped++;
      diagnostics.deliveryFailed(error);
    }
  }

  /** Waits for the scores in flight (each bounded by the timeout). */
  async flush(): Promise<void> {
    await Promise.all([...this.#inFlight]);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.flush();
  }
}
