import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { OperonError } from '../core/errors.ts';
import type { AuditEntry, AuditLog } from './audit-log.ts';

/**
 * The audit log, whatever the backend. Tests share one database and use fresh project ids.
 *
 * @example
 * auditLogContract(async () => ({ audit: stores.audit, close }));
 */
export interface AuditLogFixture {
  audit: AuditLog;
  close(): Promise<void>;
}

const project = () => `proj_${randomUUID().replaceAll('-', '').slice(0, 12)}`;

function entry(projectId: string, at: number, overrides: Partial<AuditEntry> = {}): AuditEntry {
  return { id: `aud_${randomUUID()}`, projectId, at, actorKeyId: 'key_admin', action: 'key.create', target: 'key_new', details: { name: 'ci', scopes: ['gateway'] }, ...overrides };
}

export function auditLogContract(makeFixture: () => Promise<AuditLogFixture>): void {
  describe('AuditLog contract', () => {
    let fixture: AuditLogFixture;
    before(async () => {
      fixture = await makeFixture();
    });
    after(async () => {
      await fixture?.close();
    });

    test('entries come back as recorded, newest first', async () => {
      const projectId = project();
      const first = entry(projectId, 1_000);
      const second = entry(projectId, 2_000, { actorKeyId: null, action: 'user.erase', target: 'user-7', details: { traces: 3, spans: 9, scores: 1, nested: { ok: true } } });
      await fixture.audit.record(first);
      await fixture.audit.record(second);
      assert.deepEqual(await fixture.audit.list({ projectId, limit: 10 }), { entries: [second, first], nextCursor: null });
    });

    test('the cursor pages through every entry once, entries at the same time ordered by id', async () => {
      const projectId = project();
      const entries = Array.from({ length: 7 }, (_, index) => entry(projectId, 5_000 + Math.floor(index / 2), { id: `aud_${index}` }));
      for (const item of entries) await fixture.audit.record(item);
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await fixture.audit.list({ projectId, limit: 3, ...(cursor ? { cursor } : {}) });
        seen.push(...page.entries.map((item) => item.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      assert.deepEqual(seen, ['aud_6', 'aud_5', 'aud_4', 'aud_3', 'aud_2', 'aud_1', 'aud_0']);
    });

    test('entries filter by action, and a project never sees another project’s entries', async () => {
      const mine = project();
      const theirs = project();
      await fixture.audit.record(entry(mine, 1, { action: 'key.revoke' }));
      await fixture.audit.record(entry(mine, 2, { action: 'project.update', target: null, details: { changes: { retentionDays: 30 } } }));
      await fixture.audit.record(entry(theirs, 3));
      assert.deepEqual((await fixture.audit.list({ projectId: mine, limit: 10, action: 'key.revoke' })).entries.map((item) => item.action), ['key.revoke']);
      assert.equal((await fixture.audit.list({ projectId: mine, limit: 10 })).entries.length, 2);
      assert.equal((await fixture.audit.list({ projectId: theirs, limit: 10 })).entries.length, 1);
    });

    test('a limit out of range or a foreign cursor is refused naming the parameter', async () => {
      const refused = (param: string) => (error: unknown) => OperonError.is(error) && error.kind === 'invalid_request' && error.param === param;
      await assert.rejects(fixture.audit.list({ projectId: project(), limit: 0 }), refused('limit'));
      await assert.rejects(fixture.audit.list({ projectId: project(), limit: 10, cursor: 'nope' }), refused('cursor'));
    });
  });
}
