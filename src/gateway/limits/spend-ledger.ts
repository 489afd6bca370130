import type { Logger } from '../../core/logger.ts';
import type { UsageStore } from '../../projects/usage-store.ts';
import type { UtcCalendar } from './utc-calendar.ts';

/** A project, or one key of a project. */
export interface SpendScope {
  projectId: string;
  keyId?: string;
}

interface PeriodSpend {
  /** The UTC day (`YYYY-MM-DD`) or month (`YYYY-MM`) this total is for. */
  period: string;
  spent: number;
  /** True once the stored total of the period has been added in. */
  ready: boolean;
  loading: Promise<void> | undefined;
}

interface ScopeSpend {
  day: PeriodSpend;
  month: PeriodSpend;
}

/**
 * Running USD totals per scope for the current UTC day and month, for budget checks. A scope is tracked
 * from the first time a budget applies to it: its stored totals are read from the usage store once per
 * period (concurrent callers share the read), and every call's cost is added in memory, synchronously.
 * Costs added while the read is in flight are kept and the stored total is added to them.
 *
 * When a day ends, the new day's total is read from the store again; the month total carries on in
 * memory until the month ends (it holds spend not yet written to the store, which a read would miss).
 */
export class SpendLedger {
  readonly #usage: UsageStore;
  readonly #calendar: UtcCalendar;
  readonly #logger: Pick<Logger, 'warn'>;
  readonly #scopes = new Map<string, ScopeSpend>();

  constructor(usage: UsageStore, calendar: UtcCalendar, logger: Pick<Logger, 'warn'>) {
    this.#usage = usage;
    this.#calendar = calendar;
    this.#logger = logger;
  }

  /**
   * Starts tracking `scope` (if not yet) for the periods of `nowMs`. Returns a promise while its stored
   * totals are still being read, undefined once they are in. A failed read is logged and tried again on
   * the next call; meanwhile the in-memory total is used.
   */
  prepare(scope: SpendScope, nowMs: number): Promise<void> | undefined {
    const state = this.#current(scope, nowMs, true) as ScopeSpend;
    const day = state.day.ready ? undefined : this.#load(scope, state, 'day', nowMs);
    const month = state.month.ready ? undefined : this.#load(scope, state, 'month', nowMs);
    if (day && month) return Promise.all([day, month]).then(() => undefined);
    return day ?? month;
  }

  /** Spend of a tracked scope in the day and month of `nowMs`. */
  spent(scope: SpendScope, nowMs: number): { day: number; month: number } | undefined {
    const state = this.#current(scope, nowMs, false);
    return state ? { day: state.day.spent, month: state.month.spent } : undefined;
  }

  /** Adds a call's cost to a scope, if it is tracked. */
  add(scope: SpendScope, nowMs: number, costUsd: number): void {
    const state = this.#current(scope, nowMs, false);
    if (!state) return;
    state.day.spent += costUsd;
    state.month.spent += costUsd;
  }

  /** The scope's totals rolled over to the periods of `nowMs`. */
  #current(scope: SpendScope, nowMs: number, create: boolean): ScopeSpend | undefined {
    const id = scope.keyId === undefined ? scope.projectId : `${scope.projectId}\n${scope.keyId}`;
    const day = this.#calendar.day(nowMs);
    const month = this.#calendar.month(nowMs);
    let state = this.#scopes.get(id);
    if (!state) {
      if (!create) return undefined;
      state = { day: period(day), month: period(month) };
      this.#scopes.set(id, state);
      return state;
    }
    if (state.month.period !== month) state.month = period(month);
    if (state.day.period !== day) state.day = period(day);
    return state;
  }

  #load(scope: SpendScope, state: ScopeSpend, which: 'day' | 'month', nowMs: number): Promise<void> {
    const target = state[which];
    if (target.loading) return target.loading;
    const toDay = this.#calendar.day(nowMs);
    const fromDay = which === 'day' ? toDay : this.#calendar.monthStart(nowMs);
    const query = scope.keyId === undefined ? { projectId: scope.projectId, fromDay, toDay } : { projectId: scope.projectId, keyId: scope.keyId, fromDay, toDay };
    target.loading = this.#usage.totals(query).then(
      (totals) => {
        target.loading = undefined;
        target.spent += totals.costUsd;
        target.ready = true;
      },
      (error: unknown) => {
        target.loading = undefined;
        this.#logger.warn({ err: error, ...scope }, 'Could not read usage totals for budget checks; will try again on the next call');
      },
    );
    return target.loading;
  }
}

function period(name: string): PeriodSpend {
  return { period: name, spent: 0, ready: false, loading: undefined };
}
