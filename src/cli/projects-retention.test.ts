import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStores, openDatabase } from '../storage/index.ts';
import { runCli } from './program.ts';

/** The CLI in-process on a temp data folder; returns its exit code and output. */
function cli(t: TestContext) {
  const cwd = mkdtempSync(join(tmpdir(), 'operon-cli-retention-'));
  t.after(() => rmSync(cwd, { recursive: true, force: true }));
  const dataDir = join(cwd, 'data');
  return {
    dataDir,
    async run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runCli(argv, { out: (text) => out.push(text), err: (text) => err.push(text), cwd, env: { OPERON_DATA_DIR: dataDir } });
      return { code, out: out.join('\n'), err: err.join('\n') };
    },
  };
}

test('projects update --retention-days sets the days, "default" clears them, and each change is in the audit log', async (t) => {
  const { run, dataDir } = cli(t);
  assert.equal((await run('projects', 'create', 'shop')).code, 0);

  const set = await run('projects', 'update', 'shop', '--retention-days', '30');
  assert.equal(set.code, 0, set.err);
  assert.equal(JSON.parse(set.out).retentionDays, 30);
  const cleared = await run('projects', 'update', 'shop', '--retention-days', 'default');
  assert.equal(cleared.code, 0, cleared.err);
  assert.equal(JSON.parse(cleared.out).retentionDays, null);

  for (const bad of ['0', '2.5', 'forever', '40000']) {
    const refused = await run('projects', 'update', 'shop', '--retention-days', bad);
    assert.notEqual(refused.code, 0, bad);
    assert.match(refused.err, /retention-days.*whole number of days/s, bad);
  }

  const database = await openDatabase({ dataDir });
  try {
    const stores = createStores(database);
    const shop = await stores.projects.getProjectByName('shop');
    assert.ok(shop);
    const { entries } = await stores.audit.list({ projectId: shop.id, limit: 10, action: 'project.update' });
    assert.deepEqual(entries.map((entry) => [entry.actorKeyId, entry.details]), [
      [null, { changes: { retentionDays: null } }],
      [null, { changes: { retentionDays: 30 } }],
    ]);
  } finally {
    await database.close();
  }
});
