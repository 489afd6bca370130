import { OTLPTraceExporter as OtlpJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtobufTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { SpanExporter } from '@opentelemetry/sdk-trace';

/** The OTLP/HTTP encodings Operon's `/v1/traces` accepts, named as `OTEL_EXPORTER_OTLP_PROTOCOL` names them. */
export type OtlpProtocol = 'http/protobuf' | 'http/json';

export interface OtlpExporterOptions {
  baseUrl: string;
  apiKey: string;
  protocol: OtlpProtocol;
  /** bounds one export, the exporter's retries on 429/502/503/504 and network errors included */
  exportTimeoutMs: number;
}

/** `${baseUrl}/v1/traces`, whatever slashes `baseUrl` ends with. */
export function tracesUrl(baseUrl: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/v1/traces`;
}

/**
 * The OTel OTLP/HTTP trace exporter for Operon. It retries 429/502/503/504 (honouring Retry-After)
 * and network errors with backoff, all within `exportTimeoutMs`.
 *
 * Note: OTel's exporter also merges headers from `OTEL_EXPORTER_OTLP_HEADERS` and
 * `OTEL_EXPORTER_OTLP_TRACES_HEADERS` when the host sets them; the Authorization header given here
 * takes precedence over theirs.
 */
export function createOtlpExporter(options: OtlpExporterOptions): SpanExporter {
  const config = {
    url: tracesUrl(options.baseUrl),
    headers: { Authorization: `Bearer ${options.apiKey}` },
    timeoutMillis: options.exportTimeoutMs,
  };
  return options.protocol === 'http/json' ? new OtlpJsonTraceExporter(config) : new OtlpProtobufTraceExporter(config);
}
