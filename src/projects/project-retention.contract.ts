import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { ProjectStore } from './project-store.ts';

/**
 * A project's `retentionDays`, whatever the backend (the rest of the store: project-store.contract.ts).
 *
 * @example
 * projectRetentionContract(async () => ({ store: stores.projects, close }));
 */
export interface ProjectRetentionFixture {
  store: ProjectStore;
  close(): Promise<void>;
}

export function projectRetentionContract(makeFixture: () => Promise<ProjectRetentionFixture>): void {
  describe('ProjectStore retention contract', () => {
    let fixture: ProjectRetentionFixture;
    before(async () => {
      fixture = await makeFixture();
    });
    after(async () => {
      await fixture?.close();
    });

    const newProject = (retentionDays?: number | null) => {
      const id = `proj_${randomUUID().slice(0, 8)}`;
      return fixture.store.createProject({ id, name: id, createdAt: 1, captureBodies: 'full', ...(retentionDays === undefined ? {} : { retentionDays }) });
    };

    test('a new project keeps traces by the default (null) unless given days; the days round-trip', async () => {
      assert.equal((await newProject()).retentionDays, null);
      const kept = await newProject(30);
      assert.equal(kept.retentionDays, 30);
      assert.equal((await fixture.store.getProject(kept.id))?.retentionDays, 30);
    });

    test('retention days are updated, and set back to null, without touching other settings', async () => {
      const project = await newProject();
      const updated = await fixture.store.updateProject(project.id, { retentionDays: 7 });
      assert.deepEqual(updated, { ...project, retentionDays: 7 });
      assert.equal((await fixture.store.updateProject(project.id, { cacheEnabled: false }))?.retentionDays, 7);
      assert.equal((await fixture.store.updateProject(project.id, { retentionDays: null }))?.retentionDays, null);
      assert.equal((await fixture.store.listProjects()).find((item) => item.id === project.id)?.retentionDays, null);
    });
  });
}
