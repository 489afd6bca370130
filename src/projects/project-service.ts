import type { Clock } from '../core/clock.ts';
import type { LimitsConfig } from '../core/config.ts';
import { OperonError, invalidRequest } from '../core/errors.ts';
import type { IdGenerator } from '../core/ids.ts';
import { newApiKeySecret } from './api-key-secret.ts';
import type { AuditAction, AuditLog } from './audit-log.ts';
import type { ApiKey, ApiKeyScope, BodyCapture, Project, ProjectStore, ProjectUpdate } from './project-store.ts';

export const API_KEY_SCOPES: readonly ApiKeyScope[] = ['admin', 'gateway', 'ingest'];
const PROJECT_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;
/** About a hundred years: retention is a number of days, not a way to write "forever" (that is null). */
export const MAX_RETENTION_DAYS = 36_500;

export interface CreatedKey {
  key: ApiKey;
  /** The plain key: shown once, never stored. */
  plain: string;
}

/**
 * Project and key management over the store, with validation and clear errors. Used by the CLI, the
 * admin API and first start.
 *
 * @example
 * const service = createProjectService({ store, clock, ids, defaultCapture: 'full' });
 * const { project, adminKey } = await service.bootstrap();
 */
export function createProjectService(deps: { store: ProjectStore; clock: Clock; ids: IdGenerator; defaultCapture: BodyCapture; audit?: AuditLog }) {
  const { store, clock, ids } = deps;

  /** Records what a key (null: the CLI) did to the project in the audit log. */
  const audit = (projectId: string, actorKeyId: string | null, action: AuditAction, target: string | null, details: Record<string, unknown>) =>
    deps.audit?.record({ id: ids.next('aud'), projectId, at: clock.now(), actorKeyId, action, target, details });

  async function createProject(name: string, settings: ProjectUpdate = {}): Promise<Project> {
    if (!PROJECT_NAME.test(name)) {
      throw invalidRequest(`Project name '${name}' is not allowed: use 1–63 lowercase letters, digits, '-' or '_', starting with a letter or digit.`, 'name');
    }
    if (await store.getProjectByName(name)) {
      throw new OperonError({ code: 'project_exists', kind: 'conflict', blame: 'user', message: `A project named '${name}' already exists. Pick another name, or use the existing project.` });
    }
    return store.createProject({
      id: ids.next('proj'),
      name,
      createdAt: clock.now(),
      captureBodies: settings.captureBodies ?? deps.defaultCapture,
      limits: settings.limits ?? {},
      cacheEnabled: settings.cacheEnabled ?? true,
      cacheTtlSeconds: settings.cacheTtlSeconds ?? null,
      retentionDays: settings.retentionDays ?? null,
    });
  }

  async function createKey(projectId: string, options: { name: string; scopes: ApiKeyScope[]; limits?: LimitsConfig; actorKeyId?: string | null }): Promise<CreatedKey> {
    if (!(await store.getProject(projectId))) throw projectNotFound(projectId);
    if (options.scopes.length === 0) throw invalidRequest(`A key needs at least one scope: ${API_KEY_SCOPES.join(', ')}.`, 'scopes');
    for (const scope of options.scopes) {
      if (!API_KEY_SCOPES.includes(scope)) throw invalidRequest(`Unknown scope '${scope}'. Use one or more of ${API_KEY_SCOPES.join(', ')}.`, 'scopes');
    }
    const name = options.name.trim();
    if (!name || name.length > 100) throw invalidRequest('A key name must be 1–100 characters.', 'name');
    const secret = newApiKeySecret();
    const key = await store.createKey({
      id: ids.next('key'),
      projectId,
      name,
      prefix: secret.prefix,
      hash: secret.hash,
      scopes: [...new Set(options.scopes)],
      limits: options.limits ?? {},
      createdAt: clock.now(),
      revokedAt: null,
    });
    await audit(projectId, options.actorKeyId ?? null, 'key.create', key.id, { name: key.name, scopes: key.scopes, limits: key.limits });
    return { key, plain: secret.plain };
  }

  async function resolveProject(idOrName: string): Promise<Project> {
    const project = (await store.getProject(idOrName)) ?? (await store.getProjectByName(idOrName));
    if (!project) throw projectNotFound(idOrName);
    return project;
  }

  /**
   * First start: creates the `default` project and an admin key if there is no project yet.
   * Returns the plain key only when it was just created.
   */
  async function bootstrap(): Promise<{ project: Project; adminKey?: CreatedKey; created: boolean }> {
    const existing = await store.getProjectByName('default');
    if (existing) return { project: existing, created: false };
    const projects = await store.listProjects();
    if (projects.length > 0) return { project: projects[0]!, created: false };
    const project = await createProject('default');
    const adminKey = await createKey(project.id, { name: 'admin', scopes: ['admin'] });
    return { project, adminKey, created: true };
  }

  return {
    createProject,
    createKey,
    resolveProject,
    bootstrap,
    async revokeKey(projectId: string, keyId: string, actorKeyId: string | null = null): Promise<void> {
      if (!(await store.revokeKey(projectId, keyId, clock.now()))) {
        throw new OperonError({ code: 'key_not_found', kind: 'not_found', blame: 'user', message: `No key '${keyId}' in this project. List keys with \`operon keys list\` or GET /api/keys.` });
      }
      await audit(projectId, actorKeyId, 'key.revoke', keyId, {});
    },
    /** Changes the project's settings and records what changed; undefined if the project is gone. */
    async updateProject(projectId: string, update: ProjectUpdate, actorKeyId: string | null = null): Promise<Project | undefined> {
      const days = update.retentionDays;
      if (days !== undefined && days !== null && (!Number.isInteger(days) || days < 1 || days > MAX_RETENTION_DAYS)) {
        throw invalidRequest(`retentionDays must be a whole number of days from 1 to ${MAX_RETENTION_DAYS}, or null to keep traces forever; got ${days}.`, 'retentionDays');
      }
      const updated = await store.updateProject(projectId, update);
      if (updated && Object.keys(update).length > 0) await audit(projectId, actorKeyId, 'project.update', null, { changes: update });
      return updated;
    },
  };
}

export type ProjectService = ReturnType<typeof createProjectService>;

function projectNotFound(id: string): OperonError {
  return new OperonError({ code: 'project_not_found', kind: 'not_found', blame: 'user', message: `No project '${id}'. List projects with \`operon projects list\`; create one with \`operon projects create <name>\` (the first \`operon up\` creates 'default').` });
}
