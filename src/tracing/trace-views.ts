import type { TraceSummary } from './span.ts';

/** What the traces of one session, or of one end user, add up to. */
export interface TraceGroupSummary {
  id: string;
  /** Start of the group's first and latest traces, epoch ms. */
  firstSeenAt: number;
  lastSeenAt: number;
  traceCount: number;
  /** Traces whose status is `error`. */
  errorCount: number;
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  costUsd: number;
}

export type SessionSummary = TraceGroupSummary;

export interface UserSummary extends TraceGroupSummary {
  /** Distinct sessions the user's traces belong to. */
  sessionCount: number;
}

export interface TraceGroupQuery {
  projectId: string;
  /** 1–200. */
  limit: number;
  /** Opaque, from a previous page's `nextCursor`. */
  cursor?: string;
}

export interface SessionPage {
  sessions: SessionSummary[];
  nextCursor: string | null;
}

export interface UserPage {
  users: UserSummary[];
  nextCursor: string | null;
}

export interface SessionTracesQuery extends TraceGroupQuery {
  sessionId: string;
}

export interface SessionDetail {
  session: SessionSummary;
  /** The session's traces in the order they started, oldest first. */
  traces: TraceSummary[];
  nextCursor: string | null;
}

/**
 * The sessions and users views: the traces of a project grouped by their session id or user id (a trace
 * takes the first its spans name). Lists are newest first — by the start of the group's latest trace —
 * with a cursor that is stable while new traces arrive in other groups.
 *
 * @example
 * const { sessions, nextCursor } = await views.listSessions({ projectId, limit: 50 });
 * const detail = await views.getSession({ projectId, sessionId: sessions[0].id, limit: 100 });
 * const { users } = await views.listUsers({ projectId, limit: 50 });
 */
export interface TraceViews {
  listSessions(query: TraceGroupQuery): Promise<SessionPage>;
  /** The session's summary and its traces, oldest first; undefined when it has no trace in the project. */
  getSession(query: SessionTracesQuery): Promise<SessionDetail | undefined>;
  listUsers(query: TraceGroupQuery): Promise<UserPage>;
}
