import type { SdkLogger } from './export-health.ts';
import type { GlobalRegistration } from './global-registration.ts';
import type { OtlpProtocol } from './otlp-exporter.ts';

/**
 * Options of `init()`. Only `baseUrl` and `apiKey` are required.
 *
 * @example
 * init({ baseUrl: 'http://127.0.0.1:4100', apiKey: process.env.OPERON_API_KEY!, serviceName: 'support-bot' });
 */
export interface OperonOptions {
  /** where Operon listens, e.g. `http://127.0.0.1:4100` */
  baseUrl: string;
  /** an Operon key (`opk_...`) with the `ingest` scope */
  apiKey: string;
  /** `service.name`; default `OTEL_SERVICE_NAME`, else OTel's `unknown_service:<process>` */
  serviceName?: string;
  /** `service.version` and `operon.release` */
  release?: string;
  /** `deployment.environment.name` and `operon.environment` */
  environment?: string;
  /** default `http/protobuf` */
  protocol?: OtlpProtocol;
  /** spans buffered for export before new ones are dropped (and counted); default 2048 */
  maxQueueSize?: number;
  /** how often buffered spans are sent; default 5000 ms */
  flushIntervalMs?: number;
  /** bound on one export or score request, retries included; default 10000 ms */
  exportTimeoutMs?: number;
  /** default `'if-absent'`; see `GlobalRegistration` */
  registerGlobal?: GlobalRegistration;
  /** flush on `beforeExit`, SIGTERM and SIGINT without taking over the host's handlers; default true */
  flushOnExit?: boolean;
  /** where the SDK's few log lines go; default `console` with an `[operon]` prefix */
  logger?: SdkLogger;
  /** the fetch scores are posted with; default the global one */
  fetch?: typeof fetch;
  /** a millisecond clock for time to first token; default `performance.now` */
  now?: () => number;
}

export interface ResolvedOptions {
  baseUrl: string;
  apiKey: string;
  serviceName: string | undefined;
  release: string | undefined;
  environment: string | undefined;
  protocol: OtlpProtocol;
  maxQueueSize: number;
  flushIntervalMs: number;
  exportTimeoutMs: number;
  registerGlobal: GlobalRegistration;
  flushOnExit: boolean;
  fetch: typeof fetch;
  now: () => number;
}

export const DEFAULTS = {
  protocol: 'http/protobuf',
  maxQueueSize: 2048,
  flushIntervalMs: 5_000,
  exportTimeoutMs: 10_000,
  registerGlobal: 'if-absent',
} as const;

/** The outcome of reading `init()`'s options: usable ones plus a line per problem fixed on the way. */
export type OptionsResult =
  | { ok: true; options: ResolvedOptions; warnings: string[] }
  | { ok: false; reason: string };

function positiveInteger(value: unknown, name: string, fallback: number, warnings: string[]): number {
  if (value === undefined) return fallback;
  if (typeof value === 'number' && Number.isInteger(value) && value > 0) return value;
  warnings.push(`${name} must be a positive integer; using ${fallback}.`);
  return fallback;
}

function optionalString(value: unknown, name: string, warnings: string[]): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && value !== '') return value;
  warnings.push(`${name} must be a non-empty string; ignored.`);
  return undefined;
}

function oneOf<T extends string>(value: unknown, name: string, allowed: readonly T[], fallback: T, warnings: string[]): T {
  if (value === undefined) return fallback;
  if ((allowed as readonly unknown[]).includes(value)) return value as T;
  warnings.push(`${name} must be one of ${allowed.join(', ')}; using ${fallback}.`);
  return fallback;
}

/** Never throws: a missing URL or key disables the SDK, anything else falls back to its default. */
export function resolveOptions(input: unknown): OptionsResult {
  if (input === null || typeof input !== 'object') return { ok: false, reason: 'init() needs an options object' };
  const raw = input as Partial<Record<keyof OperonOptions, unknown>>;
  if (typeof raw.baseUrl !== 'string' || !/^https?:\/\//.test(raw.baseUrl) || !URL.canParse(raw.baseUrl)) {
    return { ok: false, reason: 'baseUrl must be an http(s) URL such as http://127.0.0.1:4100' };
  }
  if (typeof raw.apiKey !== 'string' || raw.apiKey.trim() === '') {
    return { ok: false, reason: 'apiKey must be an Operon key (opk_...)' };
  }
  const warnings: string[] = [];
  const options: ResolvedOptions = {
    baseUrl: raw.baseUrl,
    apiKey: raw.apiKey.trim(),
    serviceName: optionalString(raw.serviceName, 'serviceName', warnings),
    release: optionalString(raw.release, 'release', warnings),
    environment: optionalString(raw.environment, 'environment', warnings),
    protocol: oneOf(raw.protocol, 'protocol', ['http/protobuf', 'http/json'], DEFAULTS.protocol, warnings),
    maxQueueSize: positiveInteger(raw.maxQueueSize, 'maxQueueSize', DEFAULTS.maxQueueSize, warnings),
    flushIntervalMs: positiveInteger(raw.flushIntervalMs, 'flushIntervalMs', DEFAULTS.flushIntervalMs, warnings),
    exportTimeoutMs: positiveInteger(raw.exportTimeoutMs, 'exportTimeoutMs', DEFAULTS.exportTimeoutMs, warnings),
    registerGlobal: oneOf(raw.registerGlobal, 'registerGlobal', ['if-absent', 'always', 'never'], DEFAULTS.registerGlobal, warnings),
    flushOnExit: raw.flushOnExit !== false,
    fetch: typeof raw.fetch === 'function' ? (raw.fetch as typeof fetch) : globalThis.fetch,
    now: typeof raw.now === 'function' ? (raw.now as () => number) : () => performance.now(),
  };
  if (!options.apiKey.startsWith('opk_')) warnings.push('apiKey does not look like an Operon key (opk_...).');
  return { ok: true, options, warnings };
}
