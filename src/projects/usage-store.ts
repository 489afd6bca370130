/** Spend and token use, summed per project, key and UTC day. Budgets are checked against it. */
export interface UsageIncrement {
  projectId: string;
  keyId: string;
  /** UTC day, `YYYY-MM-DD`. */
  day: string;
  requests: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

export interface UsageTotals {
  requests: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

/**
 * @example
 * await usage.add([{ projectId, keyId, day: '2026-11-25', requests: 1, inputTokens: 10, outputTokens: 5, costUsd: 0.0001 }]);
 * const month = await usage.totals({ projectId, fromDay: '2026-11-01', toDay: '2026-11-30' });
 */
export interface UsageStore {
  /** Adds the increments (upsert per project, key and day), atomically as one batch. */
  add(increments: UsageIncrement[]): Promise<void>;
  /** Sums over the inclusive day range, for a project or one key of it. */
  totals(query: { projectId: string; keyId?: string; fromDay: string; toDay: string }): Promise<UsageTotals>;
}
