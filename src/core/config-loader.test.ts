import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, parseConfig } from './config-loader.ts';
import { OperonError } from './errors.ts';

function dirWith(yaml?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'operon-config-'));
  if (yaml !== undefined) writeFileSync(join(dir, 'operon.yaml'), yaml);
  return dir;
}

function configError(run: () => unknown): OperonError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof OperonError, `expected OperonError, got ${String(error)}`);
    assert.equal(error.kind, 'config');
    return error;
  }
  assert.fail('expected a config error');
}

test('with no file, defaults apply and the mock provider is offered', () => {
  const config = loadConfig({ cwd: dirWith(), env: {} });
  assert.equal(config.server.port, 4100);
  assert.equal(config.server.host, '127.0.0.1');
  assert.equal(config.storage.dataDir, './.operon');
  assert.deepEqual(Object.keys(config.providers), ['mock']);
});

test('provider keys in the environment add those providers when none are configured', () => {
  const config = loadConfig({ cwd: dirWith(), env: { OPENAI_API_KEY: 'sk-x', ANTHROPIC_API_KEY: 'sk-ant' } });
  assert.deepEqual(Object.keys(config.providers).sort(), ['anthropic', 'mock', 'openai']);
});

test('environment variables override the file and ${VAR} is interpolated', () => {
  const dir = dirWith('server:\n  port: 5000\nproviders:\n  openai:\n    type: openai\n    apiKey: ${MY_KEY}\n    baseUrl: ${BASE:-http://127.0.0.1:9/v1}\n');
  const config = loadConfig({ cwd: dir, env: { MY_KEY: 'secret', OPERON_PORT: '6000', OPERON_DATABASE_URL: 'postgres://u@h/db' } });
  assert.equal(config.server.port, 6000);
  assert.equal(config.storage.databaseUrl, 'postgres://u@h/db');
  const openai = config.providers.openai;
  assert.ok(openai && openai.type === 'openai');
  assert.equal(openai.apiKey, 'secret');
  assert.equal(openai.baseUrl, 'http://127.0.0.1:9/v1');
});

test('a missing variable is named with the fix', () => {
  const error = configError(() => loadConfig({ cwd: dirWith('providers:\n  openai: { type: openai, apiKey: "${NOPE}" }\n'), env: {} }));
  assert.match(error.message, /NOPE is not set/);
  assert.match(error.message, /providers\.openai\.apiKey/);
});

test('invalid YAML names the line', () => {
  const error = configError(() => loadConfig({ cwd: dirWith('server:\n  port: [1,\n'), env: {} }));
  assert.match(error.message, /not valid YAML/);
});

test('a wrong field type names the field path', () => {
  const error = configError(() => loadConfig({ cwd: dirWith('server:\n  port: "abc"\n'), env: {} }));
  assert.match(error.message, /server\.port/);
  assert.match(error.message, /Fix these fields/);
});

test('an unknown field is reported as such', () => {
  const error = configError(() => parseConfig({ servr: {} }));
  assert.match(error.message, /unknown field\(s\) 'servr'/);
});

test('a model alias pointing at an unknown provider is refused with the list of providers', () => {
  const error = configError(() =>
    parseConfig({ providers: { mock: { type: 'mock' } }, models: { smart: { targets: [{ provider: 'openai', model: 'gpt-4o' }] } } }),
  );
  assert.match(error.message, /models\.smart\.targets\[0\]\.provider is 'openai'/);
  assert.match(error.message, /configured: mock/);
});

test('a bad OPERON_PORT and a bad database URL are refused', () => {
  assert.match(configError(() => loadConfig({ cwd: dirWith(), env: { OPERON_PORT: 'x' } })).message, /OPERON_PORT/);
  assert.match(configError(() => loadConfig({ cwd: dirWith(), env: { OPERON_DATABASE_URL: 'mysql://x' } })).message, /storage\.databaseUrl/);
});

test('an explicit config path that does not exist is an error', () => {
  assert.match(configError(() => loadConfig({ cwd: dirWith(), env: {}, configPath: 'missing.yaml' })).message, /does not exist/);
});
