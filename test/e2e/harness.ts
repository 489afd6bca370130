import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../../src/core/clock.ts';
import { parseConfig } from '../../src/core/config-loader.ts';
import type { OperonConfigInput } from '../../src/core/config.ts';
import { silentLogger } from '../../src/core/logger.ts';
import type { ApiKeyScope, Project } from '../../src/projects/project-store.ts';
import { composeOperon, type Operon } from '../../src/server/compose.ts';
import { openDatabase, type Database } from '../../src/storage/index.ts';
import { POSTGRES_TEST_URL_HINT, postgresTestUrl, randomSchemaName } from '../../src/storage/test-databases.ts';
import { sql } from 'kysely';
import type { Trace } from '../../src/tracing/span.ts';

/**
 * Starts a whole Operon in this process on 127.0.0.1:<free port>, with embedded storage in a temp
 * folder, configured by `config` (merged over quiet test defaults: no retry delays, so no test waits
 * on a timer). Returns its URL, the admin key of the default project, and helpers.
 *
 * @example
 * const operon = await startOperon({ providers: { up: { type: 'openai-compatible', baseUrl: fake.url } },
 *   models: { smart: { targets: [{ provider: 'up', model: 'gpt-4o' }] } } });
 * const client = new OpenAI({ baseURL: `${operon.url}/v1`, apiKey: operon.adminKey });
 * await operon.close();
 */
export interface StartOptions {
  /**
   * Where Operon keeps its state: embedded SQLite in a temp folder (default), or the PostgreSQL server of
   * OPERON_TEST_DATABASE_URL in a fresh schema (dropped on close).
   */
  backend?: 'sqlite' | 'postgres';
  clock?: Clock;
  random?: () => number;
  env?: Record<string, string | undefined>;
}

export interface RunningOperon {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Plain admin key of the default project. */
  adminKey: string;
  project: Project;
  operon: Operon;
  /** Creates a project (optional) and a key in it; returns the plain key. */
  createKey(options?: { project?: string; scopes?: ApiKeyScope[]; name?: string; limits?: Record<string, number> }): Promise<{ key: string; projectId: string; keyId: string }>;
  /** Writes all queued spans now, then reads the trace through the store (project scoped). */
  trace(projectId: string, traceId: string): Promise<Trace | undefined>;
  /** Flushes queued spans to storage. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export async function startOperon(config: OperonConfigInput = {}, options: StartOptions = {}): Promise<RunningOperon> {
  const dataDir = mkdtempSync(join(tmpdir(), 'operon-e2e-'));
  const parsed = parseConfig({
    ...config,
    storage: { dataDir, ...config.storage },
    logging: { level: 'silent' },
    routing: {
      ...config.routing,
      retries: { maxAttempts: 2, baseDelayMs: 0, maxDelayMs: 0, ...config.routing?.retries },
    },
  });
  let dropSchema: (() => Promise<void>) | undefined;
  let database: Database | undefined;
  if (options.backend === 'postgres') {
    const databaseUrl = postgresTestUrl();
    if (!databaseUrl) throw new Error(`This test runs on PostgreSQL: ${POSTGRES_TEST_URL_HINT}.`);
    const schema = randomSchemaName();
    database = await openDatabase({ databaseUrl, schema });
    dropSchema = async () => {
      const admin = await openDatabase({ databaseUrl });
      try {
        await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(admin.db);
      } finally {
        await admin.close();
      }
    };
  }
  const operon = await composeOperon({ config: parsed, env: options.env ?? {}, logger: silentLogger(), clock: options.clock, random: options.random, ...(database ? { database } : {}) });
  const { project, adminKey } = await operon.service.bootstrap();
  if (!adminKey) throw new Error('expected a fresh store');
  const server = createServer(operon.listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    adminKey: adminKey.plain,
    project,
    operon,
    async createKey(input = {}) {
      let projectId = project.id;
      if (input.project) {
        const existing = await operon.stores.projects.getProjectByName(input.project);
        projectId = existing ? existing.id : (await operon.service.createProject(input.project)).id;
      }
      const created = await operon.service.createKey(projectId, { name: input.name ?? 'test', scopes: input.scopes ?? ['gateway'], limits: input.limits });
      return { key: created.plain, projectId, keyId: created.key.id };
    },
    async trace(projectId, traceId) {
      await operon.queue.flush();
      return operon.stores.traces.getTrace(projectId, traceId);
    },
    flush: () => operon.queue.flush(),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await operon.close();
      await database?.close();
      await dropSchema?.();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
