import type { Kysely, Selectable } from 'kysely';
import { OperonError } from '../core/errors.ts';
import type { LimitsConfig } from '../core/config.ts';
import type { ApiKey, ApiKeyScope, BodyCapture, NewProject, Project, ProjectStore, ProjectUpdate } from '../projects/project-store.ts';
import type { ApiKeysTable, DatabaseSchema, ProjectsTable } from './schema.ts';
import { fromFlag, fromJson, isForeignKeyViolation, isUniqueViolation, toFlag } from './sql-util.ts';

/**
 * `ProjectStore` over Kysely, the same code on SQLite and PostgreSQL.
 * A new project's cache is on unless `cacheEnabled: false` is given.
 *
 * @example
 * const projects = createProjectStore(database.db);
 * await projects.createProject({ id: 'proj_1', name: 'default', createdAt: clock.now(), captureBodies: 'full' });
 */
export function createProjectStore(db: Kysely<DatabaseSchema>): ProjectStore {
  const getProject = async (id: string): Promise<Project | undefined> => {
    const row = await db.selectFrom('projects').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toProject(row);
  };

  const nameTaken = (name: string, cause: unknown) =>
    new OperonError({
      code: 'project_name_taken',
      kind: 'conflict',
      blame: 'user',
      message: `A project named '${name}' already exists. Choose another name.`,
      cause,
    });

  return {
    async createProject(project: NewProject): Promise<Project> {
      const row: ProjectsTable = {
        id: project.id,
        name: project.name,
        created_at: project.createdAt,
        capture_bodies: project.captureBodies,
        limits: JSON.stringify(project.limits ?? {}),
        cache_enabled: toFlag(project.cacheEnabled ?? true),
        cache_ttl_seconds: project.cacheTtlSeconds ?? null,
        retention_days: project.retentionDays ?? null,
      };
      try {
        await db.insertInto('projects').values(row).execute();
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        const sameName = await db.selectFrom('projects').select('id').where('name', '=', project.name).executeTakeFirst();
        if (sameName) throw nameTaken(project.name, error);
        throw new OperonError({
          code: 'project_id_taken',
          kind: 'conflict',
          blame: 'user',
          message: `A project with id '${project.id}' already exists.`,
          cause: error,
        });
      }
      return toProject(row);
    },

    getProject,

    async getProjectByName(name) {
      const row = await db.selectFrom('projects').selectAll().where('name', '=', name).executeTakeFirst();
      return row && toProject(row);
    },

    async listProjects() {
      const rows = await db.selectFrom('projects').selectAll().orderBy('created_at').orderBy('id').execute();
      return rows.map(toProject);
    },

    async updateProject(id: string, update: ProjectUpdate) {
      const set: Partial<ProjectsTable> = {};
      if (update.name !== undefined) set.name = update.name;
      if (update.captureBodies !== undefined) set.capture_bodies = update.captureBodies;
      if (update.limits !== undefined) set.limits = JSON.stringify(update.limits);
      if (update.cacheEnabled !== undefined) set.cache_enabled = toFlag(update.cacheEnabled);
      if (update.cacheTtlSeconds !== undefined) set.cache_ttl_seconds = update.cacheTtlSeconds;
      if (update.retentionDays !== undefined) set.retention_days = update.retentionDays;
      if (Object.keys(set).length === 0) return getProject(id);
      try {
        const result = await db.updateTable('projects').set(set).where('id', '=', id).executeTakeFirst();
        if (Number(result.numUpdatedRows) === 0) return undefined;
      } catch (error) {
        if (isUniqueViolation(error) && update.name !== undefined) throw nameTaken(update.name, error);
        throw error;
      }
      return getProject(id);
    },

    async deleteProject(id) {
      return db.transaction().execute(async (trx) => {
        await trx.deleteFrom('spans').where('project_id', '=', id).execute();
        await trx.deleteFrom('traces').where('project_id', '=', id).execute();
        await trx.deleteFrom('usage_daily').where('project_id', '=', id).execute();
        await trx.deleteFrom('api_keys').where('project_id', '=', id).execute();
        const result = await trx.deleteFrom('projects').where('id', '=', id).executeTakeFirst();
        return Number(result.numDeletedRows) > 0;
      });
    },

    async createKey(key: ApiKey) {
      const row: ApiKeysTable = {
        id: key.id,
        project_id: key.projectId,
        name: key.name,
        prefix: key.prefix,
        hash: key.hash,
        scopes: JSON.stringify(key.scopes),
        limits: JSON.stringify(key.limits ?? {}),
        created_at: key.createdAt,
        revoked_at: key.revokedAt ?? null,
      };
      try {
        await db.insertInto('api_keys').values(row).execute();
      } catch (error) {
        if (isForeignKeyViolation(error)) {
          throw new OperonError({
            code: 'project_not_found',
            kind: 'not_found',
            blame: 'user',
            message: `Project '${key.projectId}' does not exist; create it before adding keys.`,
            cause: error,
          });
        }
        if (isUniqueViolation(error)) {
          throw new OperonError({
            code: 'api_key_conflict',
            kind: 'conflict',
            blame: 'system',
            message: `An API key with this id or hash already exists; generate a new key.`,
            cause: error,
          });
        }
        throw error;
      }
      return toKey(row);
    },

    async findKeyByHash(hash) {
      const row = await db.selectFrom('api_keys').selectAll().where('hash', '=', hash).executeTakeFirst();
      return row && toKey(row);
    },

    async getKey(projectId, id) {
      const row = await db
        .selectFrom('api_keys')
        .selectAll()
        .where('project_id', '=', projectId)
        .where('id', '=', id)
        .executeTakeFirst();
      return row && toKey(row);
    },

    async listKeys(projectId) {
      const rows = await db
        .selectFrom('api_keys')
        .selectAll()
        .where('project_id', '=', projectId)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.map(toKey);
    },

    async revokeKey(projectId, id, at) {
      // A key revoked twice keeps its first revocation time.
      const result = await db
        .updateTable('api_keys')
        .set({ revoked_at: at })
        .where('project_id', '=', projectId)
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) > 0) return true;
      const existing = await db
        .selectFrom('api_keys')
        .select('id')
        .where('project_id', '=', projectId)
        .where('id', '=', id)
        .executeTakeFirst();
      return existing !== undefined;
    },
  };
}

function toProject(row: Selectable<ProjectsTable>): Project {
  return {
    id: row.id,
    name: row.name,
    createdAt: Number(row.created_at),
    captureBodies: row.capture_bodies as BodyCapture,
    limits: fromJson<LimitsConfig>(row.limits, {}),
    cacheEnabled: fromFlag(row.cache_enabled),
    cacheTtlSeconds: row.cache_ttl_seconds,
    retentionDays: row.retention_days === null ? null : Number(row.retention_days),
  };
}

function toKey(row: Selectable<ApiKeysTable>): ApiKey {
  return {
    id: row.id,
    projectId: row.project_id,
    name: row.name,
    prefix: row.prefix,
    hash: row.hash,
    scopes: fromJson<ApiKeyScope[]>(row.scopes, []),
    limits: fromJson<LimitsConfig>(row.limits, {}),
    createdAt: Number(row.created_at),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
  };
}
