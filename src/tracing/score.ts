/**
 * A score on a trace or one of its spans: a number, a yes/no, or a category, from an evaluator, a
 * human reviewer, the application (SDK or API) or its end user's feedback.
 */
export type ScoreDataType = 'numeric' | 'boolean' | 'categorical';
export const SCORE_SOURCES = ['api', 'sdk', 'human', 'evaluator', 'user-feedback'] as const;
export type ScoreSource = (typeof SCORE_SOURCES)[number];

export interface Score {
  id: string;
  projectId: string;
  traceId: string;
  /** Absent when the score is about the whole trace. */
  spanId: string | null;
  name: string;
  dataType: ScoreDataType;
  /** The number (1 or 0 for booleans); null for categories. */
  value: number | null;
  /** The category; null otherwise. */
  stringValue: string | null;
  source: ScoreSource;
  comment: string | null;
  /** The key it came with. */
  keyId: string | null;
  /** Epoch ms. */
  createdAt: number;
}
