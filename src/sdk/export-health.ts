/**
 * What the SDK says about itself: counters for `operon.stats()` and a logger that speaks once per
 * episode. An application whose Operon is down must not get a log line per batch, only one when
 * delivery starts failing and one when it works again.
 */

/**
 * The logging surface the SDK needs. `console` and pino loggers both fit.
 *
 * @example
 * init({ baseUrl, apiKey, logger: console });
 */
export interface SdkLogger {
  warn(message: string): void;
  info?(message: string): void;
}

/** Counters since `init()`, as returned by `operon.stats()`. */
export interface OperonStats {
  /** spans accepted by Operon */
  spansExported: number;
  /** spans lost: buffer full, export failed after retries, or ended after shutdown */
  spansDropped: number;
  /** scores accepted by Operon */
  scoresSent: number;
  /** scores lost: invalid, no trace to attach to, or delivery failed */
  scoresDropped: number;
  /** failed export requests (one per batch, after the exporter's own retries) */
  exportErrors: number;
}

export function emptyStats(): OperonStats {
  return { spansExported: 0, spansDropped: 0, scoresSent: 0, scoresDropped: 0, exportErrors: 0 };
}

export const defaultLogger: SdkLogger = {
  warn: (message) => console.warn(`[operon] ${message}`),
  info: (message) => console.info(`[operon] ${message}`),
};

/** Logs through the host's logger without ever letting the logger's own failure escape. */
export class SdkDiagnostics {
  readonly stats: OperonStats = emptyStats();
  readonly #logger: SdkLogger;
  readonly #target: string;
  readonly #warned = new Set<string>();
  #failing = false;

  constructor(logger: SdkLogger, target: string) {
    this.#logger = logger;
    this.#target = target;
  }

  /** Whether the last delivery failed (Operon unreachable or refusing). */
  get failing(): boolean {
    return this.#failing;
  }

  /** Logs `message` the first time `key` is seen, never again. */
  warnOnce(key: string, message: string): void {
    if (this.#warned.has(key)) return;
    this.#warned.add(key);
    this.warn(message);
  }

  warn(message: string): void {
    try {
      this.#logger.warn(message);
    } catch {
      // a broken logger must not break the host
    }
  }

  info(message: string): void {
    try {
      this.#logger.info?.(message);
    } catch {
      // a broken logger must not break the host
    }
  }

  /** A delivery (span batch or score) failed: logged only when the previous one had worked. */
  deliveryFailed(error: unknown): void {
    if (this.#failing) return;
    this.#failing = true;
    this.warn(
      `${describeDeliveryFailure(error, this.#target)}; spans and scores are dropped and counted ` +
        `(operon.stats()) until it works again. Logged once until then.`,
    );
  }

  deliverySucceeded(): void {
    if (!this.#failing) return;
    this.#failing = false;
    this.info(`Operon at ${this.#target} accepts telemetry again.`);
  }
}

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** One human sentence for a failed delivery, from an OTLP exporter error, a fetch error or a status. */
export function describeDeliveryFailure(error: unknown, target: string): string {
  const status = httpStatusOf(error);
  if (status === 401 || status === 403) {
    return `Operon at ${target} rejected the API key (HTTP ${status}); check that it is an opk_ key with the ingest scope`;
  }
  if (status !== undefined) return `Operon at ${target} refused telemetry (HTTP ${status})`;
  const code = networkCodeOf(error);
  if (code !== undefined && UNREACHABLE_CODES.has(code)) return `Operon is unreachable at ${target} (${code})`;
  const message = error instanceof Error ? error.message : String(error);
  if (/timed? ?out|timeout/i.test(message)) return `Operon at ${target} did not answer in time`;
  if (/retryable status/i.test(message)) return `Operon at ${target} stayed overloaded after retries (429/503)`;
  return `Operon is unreachable at ${target} (${message})`;
}

/** The HTTP status on an OTLPExporterError (`code`) or on our own score errors (`status`). */
export function httpStatusOf(error: unknown): number | undefined {
  if (error === null || typeof error !== 'object') return undefined;
  const record = error as { code?: unknown; status?: unknown };
  if (typeof record.status === 'number') return record.status;
  if (typeof record.code === 'number') return record.code;
  return undefined;
}

/** The errno-style code of a network failure, looking through `cause` (fetch wraps it there). */
function networkCodeOf(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current !== null && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
