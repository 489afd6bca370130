import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VERSION } from '../server/compose.ts';
import { runCli } from './program.ts';

/** The CLI in-process: a temp folder as cwd, storage in it through OPERON_DATA_DIR, output captured. */
function cli(t: TestContext) {
  const cwd = mkdtempSync(join(tmpdir(), 'operon-cli-'));
  t.after(() => rmSync(cwd, { recursive: true, force: true }));
  const dataDir = join(cwd, 'data');
  return {
    cwd,
    dataDir,
    async run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runCli(argv, { out: (text) => out.push(text), err: (text) => err.push(text), cwd, env: { OPERON_DATA_DIR: dataDir } });
      return { code, out: out.join('\n'), err: err.join('\n') };
    },
  };
}

/** The plain key printed by `keys create`, and the key id. */
function createdKey(out: string): { key: string; id: string } {
  const key = /Key \(shown once, store it now\): (opk_\S+)/.exec(out)?.[1];
  const id = /Created key (key_\S+|\S+) '/.exec(out)?.[1];
  assert.ok(key && id, `keys create printed a key and its id:\n${out}`);
  return { key, id };
}

test('projects create and list', async (t) => {
  const { run } = cli(t);
  const created = await run('projects', 'create', 'shop', '--capture', 'redacted', '--rpm', '30', '--daily-budget', '2.5');
  assert.equal(created.code, 0, created.err);
  assert.match(created.out, /Created project shop \(\S+\)/);
  assert.match(created.out, /operon keys create --project shop/);

  const listed = await run('projects', 'list');
  assert.equal(listed.code, 0, listed.err);
  const row = listed.out.split('\n').find((line) => /\bshop\b/.test(line));
  assert.ok(row, listed.out);
  assert.match(row, /redacted/);
  assert.match(row, /30 rpm, \$2\.5\/day/);

  const json = JSON.parse((await run('projects', 'list', '--json')).out) as Array<{ name: string; limits: Record<string, number> }>;
  assert.deepEqual(json.find((project) => project.name === 'shop')?.limits, { requestsPerMinute: 30, dailyBudgetUsd: 2.5 });
});

test('keys create prints the key once; keys list shows its prefix only; keys revoke marks it revoked', async (t) => {
  const { run, dataDir } = cli(t);
  assert.equal((await run('projects', 'create', 'x')).code, 0);

  const created = await run('keys', 'create', '--project', 'x', '--scope', 'gateway', '--rpm', '10', '--name', 'ci');
  assert.equal(created.code, 0, created.err);
  const { key, id } = createdKey(created.out);
  assert.match(created.out, /'ci' \[gateway\] in project x/);
  assert.equal(created.out.split(key).length - 1, 1, 'the key is printed exactly once');

  const listed = await run('keys', 'list', '--project', 'x');
  assert.equal(listed.code, 0, listed.err);
  assert.ok(!listed.out.includes(key), 'the plain key is never listed');
  assert.ok(listed.out.includes(`${key.slice(0, 10)}…`), `the prefix is listed:\n${listed.out}`);
  assert.match(listed.out, new RegExp(`${id}\\s+ci\\s+\\S+\\s+gateway\\s+active`));

  const json = JSON.parse((await run('keys', 'list', '--project', 'x', '--json')).out) as Array<Record<string, unknown>>;
  assert.equal(json.length, 1);
  assert.deepEqual(json[0]?.limits, { requestsPerMinute: 10 });
  assert.equal('hash' in json[0]!, false);

  const revoked = await run('keys', 'revoke', id, '--project', 'x');
  assert.equal(revoked.code, 0, revoked.err);
  assert.match(revoked.out, new RegExp(`Revoked key ${id}`));
  assert.match((await run('keys', 'list', '--project', 'x')).out, new RegExp(`${id}.*revoked`));

  const storage = readdirSync(dataDir).map((name) => readFileSync(join(dataDir, name)).toString('latin1')).join('');
  assert.ok(storage.length > 0 && !storage.includes(key), 'the plain key is not stored');
});

test('several scopes, and the default project and scope', async (t) => {
  const { run } = cli(t);
  // `operon up` creates the default project on first start; before that, keys need an existing project.
  assert.match((await run('keys', 'create')).err, /No project 'default'/);
  assert.equal((await run('projects', 'create', 'default')).code, 0);
  const both = await run('keys', 'create', '--scope', 'admin', '--scope', 'ingest');
  assert.equal(both.code, 0, both.err);
  assert.match(both.out, /\[admin, ingest\] in project default/);
  const plain = await run('keys', 'create');
  assert.equal(plain.code, 0, plain.err);
  assert.match(plain.out, /'cli' \[gateway\] in project default/);
});

test('bad input gets a clear message and a non-zero exit code', async (t) => {
  const { run } = cli(t);
  assert.equal((await run('projects', 'create', 'x')).code, 0);

  const scope = await run('keys', 'create', '--project', 'x', '--scope', 'superuser');
  assert.notEqual(scope.code, 0);
  assert.match(scope.err, /superuser/);
  assert.match(scope.err, /must be one of admin, gateway, ingest/);

  for (const rpm of ['ten', '0', '-5', '1.5']) {
    const bad = await run('keys', 'create', '--project', 'x', '--rpm', rpm);
    assert.notEqual(bad.code, 0, `--rpm ${rpm}`);
    assert.match(bad.err, /--rpm/);
    assert.match(bad.err, /whole number above 0/);
  }
  const budget = await run('keys', 'create', '--project', 'x', '--daily-budget', 'lots');
  assert.notEqual(budget.code, 0);
  assert.match(budget.err, /amount in USD/);

  const unconfirmed = await run('projects', 'delete', 'x');
  assert.notEqual(unconfirmed.code, 0);
  assert.match(unconfirmed.err, /--yes/);
  assert.match((await run('projects', 'list')).out, /\bx\b/, 'nothing was deleted');

  const unknownProject = await run('keys', 'create', '--project', 'nope');
  assert.notEqual(unknownProject.code, 0);
  assert.match(unknownProject.err, /No project 'nope'.*operon projects list/);
  assert.equal((await run('keys', 'list', '--project', 'nope')).code, 1);

  const unknownKey = await run('keys', 'revoke', 'key_missing', '--project', 'x');
  assert.notEqual(unknownKey.code, 0);
  assert.match(unknownKey.err, /No key 'key_missing'/);

  const badName = await run('projects', 'create', 'Bad Name');
  assert.notEqual(badName.code, 0);
  assert.match(badName.err, /lowercase letters/);

  const duplicate = await run('projects', 'create', 'x');
  assert.notEqual(duplicate.code, 0);
  assert.match(duplicate.err, /already exists/);

  const unknownCommand = await run('kyes', 'list');
  assert.notEqual(unknownCommand.code, 0);
  assert.match(unknownCommand.err, /unknown command/i);

  for (const result of [scope, unconfirmed, unknownProject, unknownKey]) assert.doesNotMatch(result.err, /unexpected error|at \S+\.ts:\d+/, 'no stack traces');
});

test('projects delete --yes removes the project with its keys', async (t) => {
  const { run } = cli(t);
  await run('projects', 'create', 'gone');
  const { id } = createdKey((await run('keys', 'create', '--project', 'gone')).out);
  const deleted = await run('projects', 'delete', 'gone', '--yes');
  assert.equal(deleted.code, 0, deleted.err);
  assert.match(deleted.out, /Deleted project gone/);
  assert.doesNotMatch((await run('projects', 'list')).out, /\bgone\b/);
  const revoke = await run('keys', 'revoke', id, '--project', 'gone');
  assert.match(revoke.err, /No project 'gone'/);
});

test('an invalid operon.yaml fails the admin commands with a config error (exit 78) and creates nothing', async (t) => {
  const { run, cwd, dataDir } = cli(t);
  writeFileSync(join(cwd, 'operon.yaml'), 'limits:\n  key:\n    requestsPerMinute: lots\n');
  const result = await run('projects', 'list');
  assert.equal(result.code, 78);
  assert.match(result.err, /limits\.key\.requestsPerMinute/);
  assert.equal(existsSync(dataDir), false);
});

test('--version and --help exit 0', async (t) => {
  const { run } = cli(t);
  const version = await run('--version');
  assert.equal(version.code, 0);
  assert.equal(version.out.trim(), VERSION);
  const help = await run('keys', '--help');
  assert.equal(help.code, 0);
  assert.match(help.out, /create/);
  assert.match(help.out, /revoke/);
});
