import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger } from 'pino';

/**
 * Paths that are always removed from log records. Secrets never reach a log line, whatever the level;
 * prompt and completion bodies are never logged at info (they are logged nowhere by Operon itself).
 */
export const REDACTED_PATHS = [
  'apiKey',
  'api_key',
  'key',
  'secret',
  'password',
  'authorization',
  'headers.authorization',
  'headers["x-api-key"]',
  'headers["api-key"]',
  'request.headers.authorization',
  'request.headers["x-api-key"]',
  '*.apiKey',
  '*.api_key',
  '*.authorization',
  'messages',
  'body',
];

export interface LoggerOptions {
  level?: string;
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: undefined,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    },
    options.destination,
  );
}

/** A logger that drops everything, for tests. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
