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

export interface DatabaseSchema {
  projects: ProjectsTable;
  api_keys: ApiKeysTable;
  traces: TracesTable;
  spans: SpansTable;
  usage_daily: UsageDailyTable;
  scores: ScoresTable;
}
