import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { OperonError } from '../../core/errors.ts';
import { newSpan } from '../../tracing/new-span.ts';
import type { Span } from '../../tracing/span.ts';
import { openDatabase, type Database } from '../database.ts';
import { createStores } from '../index.ts';
import { uniqueRows } from '../trace-batch.ts';
import { compileSpanWriteSql } from '../trace-store.ts';
import { createSpanWriteThread } from './span-write-thread.ts';

async function withFileDatabase(run: (database: Database, dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'operon-writer-'));
  const database = await openDatabase({ dataDir: join(dir, 'data') });
  try {
    await run(database, dir);
  } finally {
    await database.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function seedProject(database: Database): Promise<string> {
  const project = await createStores(database).projects.createProject({ id: 'prj_writer', name: 'writer', createdAt: 1, captureBodies: 'full' });
  return project.id;
}

function span(projectId: string, id: string, traceId: string, parentSpanId: string | null = null): Span {
  return newSpan({ id, traceId, projectId, type: 'other', name: `span ${id}`, startedAt: 1_000, endedAt: 1_050, status: 'ok', latencyMs: 50 }, { parentSpanId });
}

test('a file database writes span batches on its writer thread; :memory: has none', async () => {
  const memory = await openDatabase({ sqlitePath: ':memory:' });
  assert.equal(memory.spanWriter, undefined);
  await memory.close();
  await withFileDatabase(async (database) => {
    assert.ok(database.spanWriter, 'a file database has a writer thread');
    const projectId = await seedProject(database);
    const { traces } = createStores(database);
    await traces.writeSpans([span(projectId, 'spn_root', 'trc_1'), span(projectId, 'spn_child', 'trc_1', 'spn_root')]);
    // Written by the thread, read back on this one: the WAL makes the commit visible at once.
    const trace = await traces.getTrace(projectId, 'trc_1');
    assert.equal(trace?.spanCount, 2);
    assert.deepEqual(trace?.spans.map((item) => item.id).sort(), ['spn_child', 'spn_root']);
    // A retried batch does not double-count.
    await traces.writeSpans([span(projectId, 'spn_child', 'trc_1', 'spn_root')]);
    assert.equal((await traces.getTrace(projectId, 'trc_1'))?.spanCount, 2);
  });
});

test('batches past the multi-row chunk size skip stored spans row by row, so a retry adds only what is new', async () => {
  await withFileDatabase(async (database) => {
    const projectId = await seedProject(database);
    const { traces } = createStores(database);
    const first = Array.from({ length: 70 }, (_, index) => span(projectId, `spn_${index}`, 'trc_many', index === 0 ? null : 'spn_0'));
    await traces.writeSpans(first);
    const more = Array.from({ length: 5 }, (_, index) => span(projectId, `spn_new_${index}`, 'trc_many', 'spn_0'));
    await traces.writeSpans([...first.slice(0, 20), ...more, ...first.slice(20)]);
    assert.equal((await traces.getTrace(projectId, 'trc_many'))?.spanCount, 75);
    assert.equal((await traces.getTrace(projectId, 'trc_many'))?.spans.length, 75);
  });
});

test('a batch the database refuses fails with a retryable error naming the cause, and the thread keeps going', async () => {
  await withFileDatabase(async (database) => {
    const projectId = await seedProject(database);
    const { traces } = createStores(database);
    // A span without a name breaks a NOT NULL constraint: the whole batch is refused, and nothing of it is kept.
    const nameless = { ...span(projectId, 'spn_a', 'trc_a'), name: null as unknown as string };
    const refused = await traces.writeSpans([span(projectId, 'spn_b', 'trc_b'), nameless]).then(
      () => assert.fail('expected the write to fail'),
      (error: unknown) => error,
    );
    assert.ok(refused instanceof OperonError);
    assert.equal(refused.code, 'trace_write_failed');
    assert.equal(refused.isRetryable, true);
    assert.match(refused.message, /NOT NULL/i);
    assert.equal(await traces.getTrace(projectId, 'trc_b'), undefined);
    await traces.writeSpans([span(projectId, 'spn_c', 'trc_c')]);
    assert.equal((await traces.getTrace(projectId, 'trc_c'))?.spanCount, 1);
  });
});

test('a thread that dies fails its batches with a retryable error, and the next batch gets a new thread', async () => {
  await withFileDatabase(async (database, dir) => {
    const projectId = await seedProject(database);
    const rows = uniqueRows([span(projectId, 'spn_1', 'trc_1')]);
    let workerUrl: URL | undefined = new URL('./__fixtures__/dying-worker.mjs', import.meta.url);
    const thread = createSpanWriteThread({
      path: join(dir, 'data', 'operon.db'),
      compileSql: (batch) => compileSpanWriteSql(database.db, batch),
      get workerUrl() {
        return workerUrl;
      },
    });
    const error = await thread.write(rows).then(() => undefined, (failure: unknown) => failure);
    assert.ok(error instanceof OperonError);
    assert.equal(error.code, 'trace_write_failed');
    assert.equal(error.isRetryable, true);
    assert.match(error.message, /exited \(code 3\)/);
    workerUrl = undefined; // the real worker from now on
    await thread.write(rows);
    const trace = await createStores(database).traces.getTrace(projectId, 'trc_1');
    assert.equal(trace?.spanCount, 1);
    await thread.close();
    await assert.rejects(thread.write(rows), /the store is closed/);
  });
});

test('closing waits for the batches in flight', async () => {
  await withFileDatabase(async (database, dir) => {
    const projectId = await seedProject(database);
    const spans = Array.from({ length: 200 }, (_, index) => span(projectId, `spn_${index}`, `trc_${index % 7}`));
    const writing = createStores(database).traces.writeSpans(spans);
    await database.close();
    await writing;
    const reopened = await openDatabase({ dataDir: join(dir, 'data') });
    try {
      const { traces } = createStores(reopened);
      const page = await traces.listTraces({ projectId, limit: 50 });
      assert.equal(page.traces.reduce((sum, trace) => sum + trace.spanCount, 0), 200);
    } finally {
      await reopened.close();
    }
  });
});
