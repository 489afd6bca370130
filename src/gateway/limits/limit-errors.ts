import { OperonError } from '../../core/errors.ts';

/** Whose limit was reached, and where the limit came from (its own setting or the config default). */
export interface LimitOwner {
  level: 'key' | 'project';
  keyName: string;
  projectName: string;
  fromDefaults: boolean;
}

export function rateLimitError(owner: LimitOwner, limit: number, unit: 'requests' | 'tokens', retryAfterSeconds: number): OperonError {
  const who = owner.level === 'key' ? `key '${owner.keyName}' (project '${owner.projectName}')` : `project '${owner.projectName}'`;
  const setting = unit === 'requests' ? 'requestsPerMinute' : 'tokensPerMinute';
  return new OperonError({
    code: 'rate_limit_exceeded',
    kind: 'rate_limit',
    blame: 'user',
    retryAfterSeconds,
    message: `Rate limit of ${limit} ${unit} per minute reached for ${who}. Retry after ${retryAfterSeconds} s, or raise ${raiseHint(owner, setting)}.`,
  });
}

export function budgetExceededError(
  owner: LimitOwner,
  period: 'daily' | 'monthly',
  budgetUsd: number,
  spentUsd: number,
  resetsInSeconds: number,
): OperonError {
  const who = owner.level === 'key' ? `key '${owner.keyName}' (project '${owner.projectName}')` : `project '${owner.projectName}'`;
  const setting = period === 'daily' ? 'dailyBudgetUsd' : 'monthlyBudgetUsd';
  const when = period === 'daily' ? 'today' : 'this month';
  const reset = period === 'daily' ? 'at 00:00 UTC' : 'on the 1st at 00:00 UTC';
  return new OperonError({
    code: 'budget_exceeded',
    kind: 'budget_exceeded',
    blame: 'user',
    retryAfterSeconds: resetsInSeconds,
    message:
      `The ${period} budget of ${dollars(budgetUsd)} for ${who} is spent: ${dollars(spentUsd)} used ${when} (UTC). ` +
      `It resets ${reset} (in ${duration(resetsInSeconds)}); to allow more now, raise ${raiseHint(owner, setting)}.`,
  });
}

function raiseHint(owner: LimitOwner, setting: string): string {
  const command = owner.level === 'key' ? '`operon keys update`' : '`operon projects update`';
  return owner.fromDefaults
    ? `\`limits.${owner.level}.${setting}\` in operon.yaml, or give the ${owner.level} its own limit with ${command}`
    : `the ${owner.level}'s limit with ${command}`;
}

function dollars(amount: number): string {
  return amount !== 0 && Math.abs(amount) < 0.01 ? `$${amount.toPrecision(2)}` : `$${amount.toFixed(2)}`;
}

function duration(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} days ${hours % 24} h`;
}
