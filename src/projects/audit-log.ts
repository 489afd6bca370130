/**
 * What was done to a project, by whom. `actorKeyId` is the API key that asked; null when an operator
 * did it with the CLI or Operon did it by itself (retention).
 */
export const AUDIT_ACTIONS = ['key.create', 'key.revoke', 'project.update', 'user.erase', 'traces.expire'] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface AuditEntry {
  id: string;
  projectId: string;
  /** Epoch ms. */
  at: number;
  actorKeyId: string | null;
  action: AuditAction;
  /** What it was done to: a key id, a user id; null for the project itself. */
  target: string | null;
  /** What changed or how much was deleted; never a secret. */
  details: Record<string, unknown>;
}

export interface AuditQuery {
  projectId: string;
  action?: AuditAction;
  /** 1–500. */
  limit: number;
  /** Opaque, from a previous page's `nextCursor`. */
  cursor?: string;
}

export interface AuditPage {
  entries: AuditEntry[];
  nextCursor: string | null;
}

/**
 * The audit log: append-only, read newest first. Entries stay when the data they describe is deleted
 * (an erasure's entry names the user id it erased, and nothing else of theirs).
 *
 * @example
 * await audit.record({ id: ids.next('aud'), projectId, at: clock.now(), actorKeyId: key.id,
 *   action: 'key.revoke', target: 'key_123', details: {} });
 * const { entries } = await audit.list({ projectId, limit: 50 });
 */
export interface AuditLog {
  record(entry: AuditEntry): Promise<void>;
  list(query: AuditQuery): Promise<AuditPage>;
}
