import assert from 'node:assert/strict';
import type { RunningOperon } from './harness.ts';

/**
 * Makes every stored span searchable now rather than on the search indexer's next run (about a second).
 * Loops without sleeping: on PostgreSQL a transaction of another client may hold indexing back a moment.
 *
 * @example
 * await indexNow(operon);
 * const found = await fetch(`${operon.url}/api/traces?search=refund`, …);
 */
export async function indexNow(operon: RunningOperon): Promise<void> {
  for (let runs = 0; runs < 10_000; runs++) {
    await operon.operon.searchIndexer.runOnce();
    if ((await operon.operon.stores.search.pending()) === 0) return;
  }
  assert.fail('the search index never caught up');
}
