import type { LimitsConfig } from '../core/config.ts';

/** How much of request and response bodies a project keeps in its traces. */
export type BodyCapture = 'full' | 'redacted' | 'none';

export interface Project {
  id: string;
  name: string;
  /** Epoch milliseconds. */
  createdAt: number;
  captureBodies: BodyCapture;
  /** Limits set on this project; unset fields fall back to config `limits.project`. */
  limits: LimitsConfig;
  /** Whether the response cache is used for this project. */
  cacheEnabled: boolean;
  /** Cache entry lifetime for this project; falls back to config `cache.ttlSeconds`. */
  cacheTtlSeconds: number | null;
  /** Traces older than this many days are deleted in the background; null falls back to config `retention.defaultDays` (none: kept forever). */
  retentionDays: number | null;
}

export type ApiKeyScope = 'admin' | 'gateway' | 'ingest';

export interface ApiKey {
  id: string;
  projectId: string;
  name: string;
  /** The first characters of the key, safe to show (`opk_ab12…`). */
  prefix: string;
  /** SHA-256 of the whole key, hex. The key itself is never stored. */
  hash: string;
  scopes: ApiKeyScope[];
  limits: LimitsConfig;
  createdAt: number;
  revokedAt: number | null;
}

export interface NewProject {
  id: string;
  name: string;
  createdAt: number;
  captureBodies: BodyCapture;
  limits?: LimitsConfig;
  cacheEnabled?: boolean;
  cacheTtlSeconds?: number | null;
  retentionDays?: number | null;
}

export type ProjectUpdate = Partial<Pick<Project, 'name' | 'captureBodies' | 'limits' | 'cacheEnabled' | 'cacheTtlSeconds' | 'retentionDays'>>;

/**
 * Projects and their API keys. Every read that returns project data is scoped by project id; the
 * only unscoped read is `findKeyByHash`, which is how a request finds its project.
 *
 * @example
 * const key = await store.findKeyByHash(sha256(presentedKey));
 * if (!key || key.revokedAt) throw unauthorized();
 */
export interface ProjectStore {
  createProject(project: NewProject): Promise<Project>;
  getProject(id: string): Promise<Project | undefined>;
  /** Projects by name (names are unique). */
  getProjectByName(name: string): Promise<Project | undefined>;
  listProjects(): Promise<Project[]>;
  updateProject(id: string, update: ProjectUpdate): Promise<Project | undefined>;
  /** Deletes the project, its keys, traces and usage. Returns false if it did not exist. */
  deleteProject(id: string): Promise<boolean>;

  createKey(key: ApiKey): Promise<ApiKey>;
  findKeyByHash(hash: string): Promise<ApiKey | undefined>;
  getKey(projectId: string, id: string): Promise<ApiKey | undefined>;
  listKeys(projectId: string): Promise<ApiKey[]>;
  /** Marks the key revoked at `at`. Returns false if no such key in that project. */
  revokeKey(projectId: string, id: string, at: number): Promise<boolean>;
}
