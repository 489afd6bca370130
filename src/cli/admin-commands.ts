import { InvalidArgumentError, Option, type Command } from 'commander';
import type { LimitsConfig, OperonConfig } from '../core/config.ts';
import { invalidRequest } from '../core/errors.ts';
import type { ApiKey, ApiKeyScope, BodyCapture, Project } from '../projects/project-store.ts';
import { API_KEY_SCOPES, MAX_RETENTION_DAYS } from '../projects/project-service.ts';
import { composeAdmin } from '../server/compose.ts';
import type { CliIo } from './cli-io.ts';

type LimitOptions = { rpm?: number; tpm?: number; dailyBudget?: number; monthlyBudget?: number };

/**
 * `operon projects …` and `operon keys …`. They work on the configured storage directly, so they also
 * work before the server has ever run, and need no key.
 */
export function registerAdminCommands(program: Command, loadConfig: () => OperonConfig, io: CliIo): void {
  const withAdmin = async <T>(work: (admin: Awaited<ReturnType<typeof composeAdmin>>) => Promise<T>): Promise<T> => {
    const admin = await composeAdmin({ config: loadConfig() });
    try {
      return await work(admin);
    } finally {
      await admin.close();
    }
  };

  const projects = program.command('projects').description('manage projects');
  withLimitOptions(
    projects
      .command('create <name>')
      .description('create a project')
      .addOption(new Option('--capture <mode>', 'body capture in traces').choices(['full', 'redacted', 'none'])),
  ).action(async (name: string, options: LimitOptions & { capture?: BodyCapture }) => {
    await withAdmin(async ({ service }) => {
      const project = await service.createProject(name, { captureBodies: options.capture, limits: limitsOf(options) });
      io.out(`Created project ${project.name} (${project.id}). Create a key for it: operon keys create --project ${project.name} --name <name>`);
    });
  });
  projects
    .command('list')
    .description('list projects')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      await withAdmin(async ({ stores }) => {
        const list = await stores.projects.listProjects();
        io.out(options.json ? JSON.stringify(list, null, 2) : table(list.map(projectRow), ['id', 'name', 'capture', 'limits']));
      });
    });
  withLimitOptions(
    projects
      .command('update <project>')
      .description('change a project’s body capture, limits, cache or retention')
      .addOption(new Option('--capture <mode>', 'body capture in traces').choices(['full', 'redacted', 'none']))
      .option('--cache <on|off>', 'use the response cache', parseOnOff)
      .option('--cache-ttl <seconds>', 'cache entry lifetime', parsePositive)
      .option('--retention-days <days|default>', "delete traces older than this many days ('default': the server's retention.defaultDays, else forever)", parseRetentionDays),
  ).action(async (idOrName: string, options: LimitOptions & { capture?: BodyCapture; cache?: boolean; cacheTtl?: number; retentionDays?: number | 'default' }) => {
    await withAdmin(async ({ service }) => {
      const project = await service.resolveProject(idOrName);
      const updated = await service.updateProject(project.id, {
        ...(options.capture ? { captureBodies: options.capture } : {}),
        ...(options.cache !== undefined ? { cacheEnabled: options.cache } : {}),
        ...(options.cacheTtl !== undefined ? { cacheTtlSeconds: options.cacheTtl } : {}),
        ...(options.retentionDays !== undefined ? { retentionDays: options.retentionDays === 'default' ? null : options.retentionDays } : {}),
        ...(hasLimits(options) ? { limits: { ...project.limits, ...limitsOf(options) } } : {}),
      });
      io.out(JSON.stringify(updated, null, 2));
    });
  });
  projects
    .command('delete <project>')
    .description('delete a project with its keys, traces and usage')
    .option('--yes', 'confirm the deletion')
    .action(async (idOrName: string, options: { yes?: boolean }) => {
      if (!options.yes) throw invalidRequest(`Deleting project '${idOrName}' removes its keys, traces and usage for good. Run again with --yes to confirm.`);
      await withAdmin(async ({ service, stores }) => {
        const project = await service.resolveProject(idOrName);
        await stores.projects.deleteProject(project.id);
        io.out(`Deleted project ${project.name}.`);
      });
    });

  const keys = program.command('keys').description('manage API keys');
  withLimitOptions(
    keys
      .command('create')
      .description('create an API key (printed once)')
      .option('--project <project>', 'project id or name', 'default')
      .option('--name <name>', 'a name to recognise the key by', 'cli')
      .option('--scope <scope...>', `scopes: ${API_KEY_SCOPES.join(', ')}`, parseScope, [] as ApiKeyScope[]),
  ).action(async (options: LimitOptions & { project: string; name: string; scope: ApiKeyScope[] }) => {
    await withAdmin(async ({ service }) => {
      const project = await service.resolveProject(options.project);
      const scopes: ApiKeyScope[] = options.scope.length ? options.scope : ['gateway'];
      const created = await service.createKey(project.id, { name: options.name, scopes, limits: limitsOf(options) });
      io.out(`Created key ${created.key.id} '${created.key.name}' [${scopes.join(', ')}] in project ${project.name}.`);
      io.out(`Key (shown once, store it now): ${created.plain}`);
    });
  });
  keys
    .command('list')
    .description('list the keys of a project')
    .option('--project <project>', 'project id or name', 'default')
    .option('--json', 'print JSON')
    .action(async (options: { project: string; json?: boolean }) => {
      await withAdmin(async ({ service, stores }) => {
        const project = await service.resolveProject(options.project);
        const list = (await stores.projects.listKeys(project.id)).map(({ hash: _hash, ...key }) => key);
        io.out(options.json ? JSON.stringify(list, null, 2) : table(list.map(keyRow), ['id', 'name', 'prefix', 'scopes', 'status']));
      });
    });
  keys
    .command('revoke <keyId>')
    .description('revoke a key (takes effect on running servers within 5 s)')
    .option('--project <project>', 'project id or name', 'default')
    .action(async (keyId: string, options: { project: string }) => {
      await withAdmin(async ({ service }) => {
        const project = await service.resolveProject(options.project);
        await service.revokeKey(project.id, keyId);
        io.out(`Revoked key ${keyId}.`);
      });
    });
}

function withLimitOptions(command: Command): Command {
  return command
    .option('--rpm <n>', 'requests per minute', parsePositive)
    .option('--tpm <n>', 'tokens per minute', parsePositive)
    .option('--daily-budget <usd>', 'spend limit per UTC day, USD', parseAmount)
    .option('--monthly-budget <usd>', 'spend limit per UTC month, USD', parseAmount);
}

function limitsOf(options: LimitOptions): LimitsConfig {
  const limits: LimitsConfig = {};
  if (options.rpm !== undefined) limits.requestsPerMinute = options.rpm;
  if (options.tpm !== undefined) limits.tokensPerMinute = options.tpm;
  if (options.dailyBudget !== undefined) limits.dailyBudgetUsd = options.dailyBudget;
  if (options.monthlyBudget !== undefined) limits.monthlyBudgetUsd = options.monthlyBudget;
  return limits;
}

function hasLimits(options: LimitOptions): boolean {
  return Object.keys(limitsOf(options)).length > 0;
}

function parsePositive(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0) throw new InvalidArgumentError('must be a whole number above 0.');
  return number;
}

function parseAmount(value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number < 0) throw new InvalidArgumentError('must be an amount in USD, 0 or more (e.g. 25 or 2.50).');
  return number;
}

/** 'default' stays a string: commander turns a parser's null into ''. */
function parseRetentionDays(value: string): number | 'default' {
  if (value === 'default') return value;
  const days = Number(value);
  if (!Number.isInteger(days) || days < 1 || days > MAX_RETENTION_DAYS) throw new InvalidArgumentError(`must be a whole number of days from 1 to ${MAX_RETENTION_DAYS}, or 'default'.`);
  return days;
}

function parseOnOff(value: string): boolean {
  if (value === 'on') return true;
  if (value === 'off') return false;
  throw new InvalidArgumentError("must be 'on' or 'off'.");
}

function parseScope(value: string, previous: ApiKeyScope[]): ApiKeyScope[] {
  if (!API_KEY_SCOPES.includes(value as ApiKeyScope)) throw new InvalidArgumentError(`must be one of ${API_KEY_SCOPES.join(', ')}.`);
  return [...previous, value as ApiKeyScope];
}

function describeLimits(limits: LimitsConfig): string {
  const parts = [];
  if (limits.requestsPerMinute) parts.push(`${limits.requestsPerMinute} rpm`);
  if (limits.tokensPerMinute) parts.push(`${limits.tokensPerMinute} tpm`);
  if (limits.dailyBudgetUsd !== undefined) parts.push(`$${limits.dailyBudgetUsd}/day`);
  if (limits.monthlyBudgetUsd !== undefined) parts.push(`$${limits.monthlyBudgetUsd}/month`);
  return parts.join(', ') || '-';
}

function projectRow(project: Project): string[] {
  return [project.id, project.name, project.captureBodies, describeLimits(project.limits)];
}

function keyRow(key: Omit<ApiKey, 'hash'>): string[] {
  return [key.id, key.name, `${key.prefix}…`, key.scopes.join(','), key.revokedAt ? 'revoked' : 'active'];
}

function table(rows: string[][], header: string[]): string {
  if (rows.length === 0) return '(none)';
  const all = [header, ...rows];
  const widths = header.map((_, column) => Math.max(...all.map((row) => (row[column] ?? '').length)));
  return all.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd()).join('\n');
}
