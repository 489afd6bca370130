import type { Clock } from '../core/clock.ts';
import { OperonError, invalidRequest } from '../core/errors.ts';
import type { IdGenerator } from '../core/ids.ts';
import { METRICS_DIMENSIONS, type MetricsStore } from '../metrics/metrics-store.ts';
import { metricNeeds, parseAlertRule, parseDuration, type AlertRule, type AlertRuleInput, type AlertRulePatch } from './alert-rule.ts';
import type { AlertEventPage, AlertRuleWithState, AlertStore } from './alert-store.ts';

/** Rules a project may have: each costs one rollup query per evaluation round. */
export const MAX_RULES_PER_PROJECT = 200;

/**
 * Alert rules as the API manages them: every rule is checked whole (a patch is applied, then the result
 * checked) so a rule in the store is always one the evaluator can run. Everything is scoped by project.
 *
 * @example
 * const alerts = createAlertService({ store, clock, ids, allowPrivateWebhooks: false });
 * const rule = await alerts.createRule(projectId, { name: 'errors', metric: 'errorRate', comparison: '>',
 *   threshold: 0.05, window: '5m', minRequests: 20, webhookUrl: 'https://hooks.example.com/operon' });
 * await alerts.updateRule(projectId, rule.id, { enabled: false });
 */
export function createAlertService(deps: { store: AlertStore; metrics: MetricsStore; clock: Clock; ids: IdGenerator; allowPrivateWebhooks: boolean }) {
  const { store, clock } = deps;
  const checks = { allowPrivateWebhooks: deps.allowPrivateWebhooks };

  /**
   * Runs the rule's query once: the metrics store is the judge of what it can answer (its limits may
   * grow or change), so a rule it would refuse is refused now, not at every evaluation.
   */
  async function checkAnswerable(projectId: string, rule: AlertRuleInput): Promise<void> {
    const now = clock.now();
    const windowMs = parseDuration(rule.window) as number;
    try {
      await deps.metrics.totals({ projectId, from: now - windowMs, to: now, metrics: [metricNeeds(rule.metric)], filters: rule.filters });
    } catch (error) {
      if (!OperonError.is(error) || error.kind !== 'invalid_request') throw error;
      const field = ruleFieldOf(error.param);
      throw invalidRequest(`${field}: the metrics cannot answer this rule: ${error.message}`, field, error);
    }
  }

  async function getRule(projectId: string, id: string): Promise<AlertRuleWithState> {
    const rule = await store.getRule(projectId, id);
    if (!rule) throw ruleNotFound(id);
    return rule;
  }

  return {
    async createRule(projectId: string, input: unknown): Promise<AlertRuleWithState> {
      const definition = parseAlertRule(input, checks);
      await checkAnswerable(projectId, definition);
      if ((await store.listRules(projectId)).length >= MAX_RULES_PER_PROJECT) {
        throw invalidRequest(`A project has at most ${MAX_RULES_PER_PROJECT} alert rules; delete rules it no longer needs, or widen one rule's filters instead of keeping one rule per value.`);
      }
      const now = clock.now();
      return store.createRule({ ...definition, id: deps.ids.next('alert'), projectId, createdAt: now, updatedAt: now });
    },

    getRule,

    listRules: (projectId: string) => store.listRules(projectId),

    async updateRule(projectId: string, id: string, patch: AlertRulePatch): Promise<AlertRuleWithState> {
      const existing = await getRule(projectId, id);
      const definition = parseAlertRule({ ...definitionOf(existing), ...withoutUndefined(patch) }, checks);
      await checkAnswerable(projectId, definition);
      const updated = await store.updateRule({ ...definition, id, projectId, createdAt: existing.createdAt, updatedAt: clock.now() });
      if (!updated) throw ruleNotFound(id);
      return updated;
    },

    async deleteRule(projectId: string, id: string): Promise<void> {
      if (!(await store.deleteRule(projectId, id))) throw ruleNotFound(id);
    },

    listHistory: (query: { projectId: string; ruleId?: string; limit: number; cursor?: string }): Promise<AlertEventPage> => store.listEvents(query),
  };
}

export type AlertService = ReturnType<typeof createAlertService>;

function definitionOf(rule: AlertRule): AlertRuleInput {
  const { id: _id, projectId: _projectId, createdAt: _createdAt, updatedAt: _updatedAt, ...definition } = rule;
  const { state: _state, ...rest } = definition as AlertRuleInput & { state?: unknown };
  return rest;
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}

/** The rule field behind a metrics-query parameter. */
function ruleFieldOf(param: string | undefined): string {
  if (param === 'metrics') return 'metric';
  if (param === 'from' || param === 'to' || param === 'interval') return 'window';
  if (param !== undefined && (METRICS_DIMENSIONS as readonly string[]).includes(param)) return `filters.${param}`;
  return 'filters';
}

function ruleNotFound(id: string): OperonError {
  return new OperonError({ code: 'alert_rule_not_found', kind: 'not_found', blame: 'user', message: `No alert rule '${id}' in this project; list them with GET /api/alerts/rules.` });
}
