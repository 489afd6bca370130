import { readFileSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { configSchema, type OperonConfig } from './config.ts';
import { OperonError } from './errors.ts';

/**
 * Loads `operon.yaml` (if present) and the environment, validates once, and returns the config.
 * Throws an OperonError of kind `config` naming the field and the fix; it has no side effects, so a bad
 * config stops start-up before anything is created.
 *
 * Environment variables:
 * - `OPERON_CONFIG`: path of the YAML file (default `./operon.yaml`; a missing default file is fine).
 * - `OPERON_DATABASE_URL`, `OPERON_DATA_DIR`, `OPERON_HOST`, `OPERON_PORT`, `OPERON_LOG_LEVEL`: override the file.
 * - `${NAME}` or `${NAME:-default}` inside YAML strings is replaced by the variable's value.
 * - `OPENAI_API_KEY` / `ANTHROPIC_API_KEY`: with no `providers:` section, add those providers.
 *
 * @example
 * const config = loadConfig({ cwd: process.cwd(), env: process.env });
 */
export interface LoadConfigOptions {
  cwd: string;
  env: Record<string, string | undefined>;
  /** Explicit file path (the CLI's `--config`); overrides OPERON_CONFIG. */
  configPath?: string;
}

export function loadConfig(options: LoadConfigOptions): OperonConfig {
  const { env } = options;
  const explicit = options.configPath ?? env.OPERON_CONFIG;
  const path = resolve(options.cwd, explicit ?? 'operon.yaml');
  let raw: Record<string, unknown> = {};
  if (existsSync(path)) {
    raw = readYaml(path, env);
  } else if (explicit) {
    throw configError(`Config file ${path} does not exist. Create it, or unset OPERON_CONFIG / drop --config to run with defaults.`);
  }
  applyEnvOverrides(raw, env);
  addDefaultProviders(raw, env);
  return parseConfig(raw, existsSync(path) ? path : 'environment');
}

/** Validates an already-built config object (used by tests and by `loadConfig`). */
export function parseConfig(raw: unknown, source = 'config'): OperonConfig {
  const result = configSchema.safeParse(raw);
  if (!result.success) throw configError(describeIssues(result.error.issues, source));
  const config = result.data;
  checkReferences(config, source);
  return config;
}

function readYaml(path: string, env: Record<string, string | undefined>): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw configError(`Cannot read ${path}: ${(error as Error).message}. Check the file's permissions.`, error);
  }
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    const where = error instanceof YAMLParseError && error.linePos ? ` at line ${error.linePos[0].line}` : '';
    throw configError(`${path} is not valid YAML${where}: ${(error as Error).message.split('\n')[0]}. Fix the syntax and start again.`, error);
  }
  if (document === null || document === undefined) return {};
  if (typeof document !== 'object' || Array.isArray(document)) {
    throw configError(`${path} must hold a YAML mapping (keys like server:, providers:, models:), not a ${Array.isArray(document) ? 'list' : typeof document}.`);
  }
  return interpolate(document, env, path, '') as Record<string, unknown>;
}

const VARIABLE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

function interpolate(value: unknown, env: Record<string, string | undefined>, file: string, at: string): unknown {
  if (typeof value === 'string') {
    return value.replace(VARIABLE, (_match, name: string, fallback: string | undefined) => {
      const found = env[name];
      if (found !== undefined && found !== '') return found;
      if (fallback !== undefined) return fallback;
      throw configError(`${file}: ${at || 'a value'} uses \${${name}}, but the environment variable ${name} is not set. Set it, or write \${${name}:-default}.`);
    });
  }
  if (Array.isArray(value)) return value.map((item, index) => interpolate(item, env, file, `${at}[${index}]`));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = interpolate(item, env, file, at ? `${at}.${key}` : key);
    return out;
  }
  return value;
}

function section(raw: Record<string, unknown>, name: string): Record<string, unknown> {
  const existing = raw[name];
  if (existing && typeof existing === 'object' && !Array.isArray(existing)) return existing as Record<string, unknown>;
  if (existing !== undefined) return existing as Record<string, unknown>; // let zod report the wrong type
  const created: Record<string, unknown> = {};
  raw[name] = created;
  return created;
}

function applyEnvOverrides(raw: Record<string, unknown>, env: Record<string, string | undefined>): void {
  if (env.OPERON_DATABASE_URL) section(raw, 'storage').databaseUrl = env.OPERON_DATABASE_URL;
  if (env.OPERON_DATA_DIR) section(raw, 'storage').dataDir = env.OPERON_DATA_DIR;
  if (env.OPERON_HOST) section(raw, 'server').host = env.OPERON_HOST;
  if (env.OPERON_PORT !== undefined && env.OPERON_PORT !== '') {
    const port = Number(env.OPERON_PORT);
    if (!Number.isInteger(port) || port < 0 || port > 65_535) {
      throw configError(`OPERON_PORT must be a whole number from 0 to 65535; got '${env.OPERON_PORT}'.`);
    }
    section(raw, 'server').port = port;
  }
  if (env.OPERON_LOG_LEVEL) section(raw, 'logging').level = env.OPERON_LOG_LEVEL;
}

/** With no providers configured, offer the mock (always) and the providers whose key is in the environment. */
function addDefaultProviders(raw: Record<string, unknown>, env: Record<string, string | undefined>): void {
  if (raw.providers !== undefined) return;
  const providers: Record<string, unknown> = { mock: { type: 'mock' } };
  if (env.OPENAI_API_KEY) providers.openai = { type: 'openai' };
  if (env.ANTHROPIC_API_KEY) providers.anthropic = { type: 'anthropic' };
  raw.providers = providers;
}

function checkReferences(config: OperonConfig, source: string): void {
  for (const [alias, model] of Object.entries(config.models)) {
    model.targets.forEach((target, index) => {
      if (!config.providers[target.provider]) {
        const known = Object.keys(config.providers).join(', ') || 'none';
        throw configError(
          `${source}: models.${alias}.targets[${index}].provider is '${target.provider}', which is not a configured provider (configured: ${known}). Add it under providers: or fix the name.`,
        );
      }
    });
    if (model.strategy === 'loadbalance' && model.targets.every((target) => target.weight === 0)) {
      throw configError(`${source}: models.${alias} uses loadbalance but every target has weight 0. Give at least one target a weight above 0.`);
    }
  }
}

function describeIssues(issues: z.core.$ZodIssue[], source: string): string {
  const lines = issues.slice(0, 5).map((issue) => {
    const path = formatPath(issue.path);
    if (issue.code === 'unrecognized_keys') {
      return `${path ? `${path}: ` : ''}unknown field(s) ${issue.keys.map((key) => `'${key}'`).join(', ')}. Remove them or check the spelling (see README "Configuration").`;
    }
    return `${path || '(root)'}: ${issue.message}.`;
  });
  const more = issues.length > 5 ? `\n  …and ${issues.length - 5} more` : '';
  return `Invalid configuration (${source}):\n  ${lines.join('\n  ')}${more}\nFix these fields and start again.`;
}

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

function configError(message: string, cause?: unknown): OperonError {
  return new OperonError({ code: 'invalid_config', kind: 'config', blame: 'user', message, cause });
}
