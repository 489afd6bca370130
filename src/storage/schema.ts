/**
 * The tables as Kysely sees them. The same shape on SQLite and PostgreSQL: JSON is TEXT, booleans are
 * integer 0/1, times are epoch milliseconds (bigint), money is double precision.
 */
export interface ProjectsTable {
  id: string;
  name: string;
  created_at: number;
  capture_bodies: string;
  /** JSON of `LimitsConfig`. */
  limits: string;
  cache_enabled: number;
  cache_ttl_seconds: number | null;
  /** Traces older than this many days are deleted (migration 0004); NULL falls back to config. */
  retention_days: number | null;
}

export interface ApiKeysTable {
  id: string;
  project_id: string;
  name: string;
  prefix: string;
  hash: string;
  /** JSON array of scopes. */
  scopes: string;
  /** JSON of `LimitsConfig`. */
  limits: string;
  created_at: number;
  revoked_at: number | null;
}

export interface TracesTable {
  project_id: string;
  id: string;
  name: string;
  started_at: number;
  ended_at: number;
  status: string;
  key_id: string | null;
  model_requested: string | null;
  model_used: string | null;
  provider: string | null;
  latency_ms: number;
  input_tokens: number | null;
  output_tokens: number | null;
  cost_usd: number | null;
  cache_hit: number;
  span_count: number;
  /** 1 once the root span (no parent) has been written; until then the summary is provisional. */
  has_root: number;
  /** The first of the trace's spans to name one. */
  session_id: string | null;
  user_id: string | null;
  /** JSON array: the root's tags (the first span's until the root arrives). */
  tags: string;
  release: string | null;
  environment: string | null;
}

export interface SpansTable {
  project_id: string;
  id: string;
  trace_id: string;
  parent_span_id: string | null;
  type: string;
  name: string;
  started_at: number;
  ended_at: number;
  status: string;
  key_id: string | null;
  model_requested: string | null;
  model_used: string | null;
  provider: string | null;
  /** JSON array of `Attempt`. */
  attempts: string;
  fallback_used: number;
  cache_hit: number;
  stream: number;
  latency_ms: number;
  time_to_first_token_ms: number | null;
  input_tokens: number | null;
  output_tokens: number | null;
  cost_usd: number | null;
  error_code: string | null;
  error_message: string | null;
  body_capture: string;
  /** JSON, or NULL for null. */
  input: string | null;
  /** JSON, or NULL for null. */
  output: string | null;
  /** JSON object. */
  attributes: string;
  session_id: string | null;
  user_id: string | null;
  /** JSON array of strings. */
  tags: string;
  /** JSON object. */
  metadata: string;
  release: string | null;
  environment: string | null;
  service_name: string | null;
  /** JSON array of `SpanEvent`. */
  events: string;
  truncated: number;
}

export interface ScoresTable {
  project_id: string;
  id: string;
  trace_id: string;
  /** Absent when the score is about the whole trace. */
  span_id: string | null;
  name: string;
  /** `numeric`, `boolean` or `categorical`. */
  data_type: string;
  /** The number; 1/0 for booleans; NULL for categories. */
  value: number | null;
  /** The category; NULL otherwise. */
  string_value: string | null;
  /** `api`, `sdk`, `human`, `evaluator`, `user-feedback`. */
  source: string;
  comment: string | null;
  key_id: string | null;
  created_at: number;
}

export interface UsageDailyTable {
  project_id: string;
  key_id: string;
  /** UTC day, `YYYY-MM-DD`. */
  day: string;
  requests: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
}

/** Two-digit histogram bucket numbers, 00–59 (see metrics/latency-histogram.ts). */
type HistogramBucket = `${0 | 1 | 2 | 3 | 4 | 5}${0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9}`;
export type LatencyColumn = `latency_${HistogramBucket}`;
export type TtftColumn = `ttft_${HistogramBucket}`;

/**
 * Metrics rollups (migration 0003, storage/metrics-rollups.ts): what the spans of one project, kind and
 * dimension value that started in one time bucket add up to. `resolution` is the bucket width in
 * minutes (1, 5, 60, 1440); `dimension` '' with value '' is the whole project. Users have a table of
 * their own, without histograms (`metrics_user_rollups`).
 */
export interface MetricsUserRollupsTable {
  project_id: string;
  resolution: number;
  dimension: string;
  /** Epoch ms, a multiple of the resolution. */
  bucket_start: number;
  value: string;
  kind: string;
  span_count: number;
  errors: number;
  cache_hits: number;
  latency_sum: number;
  ttft_count: number;
  ttft_sum: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
}

export type MetricsRollupsTable = MetricsUserRollupsTable & { [column in LatencyColumn | TtftColumn]: number };

/** Who did what to a project (migration 0004, storage/audit-log.ts). */
export interface AuditLogTable {
  id: string;
  project_id: string;
  at: number;
  actor_key_id: string | null;
  action: string;
  target: string | null;
  /** JSON object. */
  details: string;
}

/** Alert rules with their evaluation state (migration 0005, storage/alert-store.ts). */
export interface AlertRulesTable {
  id: string;
  project_id: string;
  name: string;
  metric: string;
  comparison: string;
  threshold: number;
  window_duration: string;
  for_duration: string;
  /** JSON of `MetricsFilters`. */
  filters: string;
  min_requests: number;
  webhook_url: string;
  enabled: number;
  created_at: number;
  updated_at: number;
  state: string;
  state_since: number | null;
  state_value: number | null;
  state_requests: number | null;
  evaluated_at: number | null;
  state_version: number;
}

/** Fired and resolved alerts, and their webhook delivery (migration 0005). */
export interface AlertEventsTable {
  project_id: string;
  id: string;
  rule_id: string;
  rule_name: string;
  metric: string;
  comparison: string;
  threshold: number;
  window_duration: string;
  status: string;
  value: number | null;
  requests: number | null;
  starts_at: number;
  ends_at: number | null;
  created_at: number;
  link: string;
  /** The JSON body sent to the webhook. */
  payload: string;
  delivery_status: string;
  delivery_attempts: number;
  response_status: number | null;
  last_error: string | null;
  delivered_at: number | null;
  lease_until: number | null;
}

export interface DatabaseSchema {
  projects: ProjectsTable;
  api_keys: ApiKeysTable;
  traces: TracesTable;
  spans: SpansTable;
  usage_daily: UsageDailyTable;
  scores: ScoresTable;
  audit_log: AuditLogTable;
  metrics_rollups: MetricsRollupsTable;
  metrics_user_rollups: MetricsUserRollupsTable;
  alert_rules: AlertRulesTable;
  alert_events: AlertEventsTable;
}
