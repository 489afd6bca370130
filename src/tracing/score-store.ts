import type { Score, ScoreSource } from './score.ts';

export interface ScoreQuery {
  projectId: string;
  traceId?: string;
  name?: string;
  source?: ScoreSource;
  /** 1–500. */
  limit: number;
  /** Opaque, from a previous page's `nextCursor`. */
  cursor?: string;
}

export interface ScorePage {
  scores: Score[];
  nextCursor: string | null;
}

/**
 * Where scores are kept. Adding a score whose id is stored already changes nothing (a retried submission
 * does not duplicate). Newest first.
 *
 * @example
 * await scores.addScores([{ id, projectId, traceId, spanId: null, name: 'helpful', dataType: 'boolean', value: 1,
 *   stringValue: null, source: 'user-feedback', comment: null, keyId, createdAt: clock.now() }]);
 * const { scores: onTrace } = await scores.listScores({ projectId, traceId, limit: 100 });
 */
export interface ScoreStore {
  addScores(scores: Score[]): Promise<void>;
  listScores(query: ScoreQuery): Promise<ScorePage>;
}
