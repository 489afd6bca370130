import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createManualClock, type ManualClock } from '../../core/clock.ts';
import type { LimitsConfig } from '../../core/config.ts';
import type { OperonError } from '../../core/errors.ts';
import type { ApiKey, Project } from '../../projects/project-store.ts';
import type { UsageIncrement, UsageStore, UsageTotals } from '../../projects/usage-store.ts';
import type { ChatResult, ChatStreamPart, Usage } from '../../providers/chat-model.ts';
import { newCallRecord, type CallContext, type ChatHandler } from '../pipeline.ts';
import { createLimitsMiddleware } from './limits-middleware.ts';

const START = Date.UTC(2026, 10, 25, 12, 0, 0); // 2026-11-25 12:00:00 UTC

function fakeUsageStore(rows: UsageIncrement[] = []) {
  const state = { rows: [...rows], totalsCalls: 0, addCalls: 0, failAdds: 0, batches: [] as UsageIncrement[][] };
  const store: UsageStore = {
    async add(increments) {
      state.addCalls += 1;
      if (state.failAdds > 0) {
        state.failAdds -= 1;
        throw new Error('database is locked');
      }
      state.batches.push(increments.map((increment) => ({ ...increment })));
      state.rows.push(...increments);
    },
    async totals(query): Promise<UsageTotals> {
      state.totalsCalls += 1;
      const totals = { requests: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 };
      for (const row of state.rows) {
        if (row.projectId !== query.projectId || (query.keyId !== undefined && row.keyId !== query.keyId)) continue;
        if (row.day < query.fromDay || row.day > query.toDay) continue;
        totals.requests += row.requests;
        totals.inputTokens += row.inputTokens;
        totals.outputTokens += row.outputTokens;
        totals.costUsd += row.costUsd;
      }
      return totals;
    },
  };
  return { store, state };
}

function context(options: { project?: LimitsConfig; key?: LimitsConfig; keyId?: string } = {}): CallContext {
  const project: Project = {
    id: 'proj_1', name: 'default', createdAt: 0, captureBodies: 'none', limits: options.project ?? {}, cacheEnabled: true, cacheTtlSeconds: null, retentionDays: null,
  };
  const key: ApiKey = {
    id: options.keyId ?? 'key_1', projectId: 'proj_1', name: options.keyId ?? 'ci-bot', prefix: 'opk', hash: 'h', scopes: ['gateway'],
    limits: options.key ?? {}, createdAt: 0, revokedAt: null,
  };
  return { project, key, requestedModel: 'smart', stream: false, wire: 'openai', headers: {}, signal: new AbortController().signal, record: newCallRecord() };
}

/** Inner layers' stand-in: answers and records the usage and cost the cost layer would. */
function inner(options: { usage?: Usage; costUsd?: number; fail?: boolean; cacheHit?: boolean } = {}) {
  const usage = options.usage ?? { inputTokens: 10, outputTokens: 5 };
  const costUsd = 'costUsd' in options ? options.costUsd : 0.01;
  let calls = 0;
  const handler: ChatHandler = {
    async generate(_request, ctx) {
      calls += 1;
      if (options.fail) throw new Error('upstream failed');
      ctx.record.usage = usage;
      ctx.record.costUsd = costUsd;
      ctx.record.cacheHit = options.cacheHit ?? false;
      return { id: 'r', model: 'm', created: 0, choices: [] } satisfies ChatResult;
    },
    async stream(_request, ctx) {
      calls += 1;
      return (async function* (): AsyncGenerator<ChatStreamPart> {
        yield { type: 'start', id: 's', model: 'm', created: 0 };
        yield { type: 'usage', usage };
        ctx.record.usage = usage;
        ctx.record.costUsd = costUsd;
      })();
    },
  };
  return { handler, calls: () => calls };
}

const request = { model: 'smart', messages: [] };
const noDefaults = { project: {}, key: {} };

function setup(options: { defaults?: { project: LimitsConfig; key: LimitsConfig }; rows?: UsageIncrement[]; clock?: ManualClock } = {}) {
  const clock = options.clock ?? createManualClock(START);
  const usage = fakeUsageStore(options.rows);
  const warnings: string[] = [];
  const limits = createLimitsMiddleware({
    defaults: options.defaults ?? noDefaults,
    usage: usage.store,
    clock,
    logger: { warn: (_fields: unknown, message: string) => warnings.push(message) } as never,
    flushIntervalMs: 1_000,
  });
  return { limits, clock, usage, warnings };
}

function isError(kind: string, code: string, check?: (error: OperonError) => void) {
  return (error: OperonError) => {
    assert.equal(error.kind, kind);
    assert.equal(error.code, code);
    check?.(error);
    return true;
  };
}

test('a key over its requests per minute is refused with the time until the window frees', async () => {
  const { limits, clock } = setup();
  const handler = limits(inner().handler);
  const limited = { key: { requestsPerMinute: 2 } };
  await handler.generate(request, context(limited));
  clock.advance(30_000);
  await handler.generate(request, context(limited));
  clock.advance(15_000);
  await assert.rejects(
    handler.generate(request, context(limited)),
    isError('rate_limit', 'rate_limit_exceeded', (error) => {
      assert.equal(error.retryAfterSeconds, 15);
      assert.match(error.message, /^Rate limit of 2 requests per minute reached for key 'ci-bot' \(project 'default'\)\. Retry after 15 s/);
      assert.match(error.message, /`operon keys update`/);
    }),
  );
  clock.advance(15_000);
  await handler.generate(request, context(limited)); // the first request left the window
});

test('refused requests do not use up the rate', async () => {
  const { limits, clock } = setup();
  const handler = limits(inner().handler);
  const limited = { key: { requestsPerMinute: 1 } };
  await handler.generate(request, context(limited));
  for (let i = 0; i < 3; i++) await assert.rejects(handler.generate(request, context(limited)));
  clock.advance(60_000);
  await handler.generate(request, context(limited));
});

test('config defaults apply to projects and keys without their own limit, and the message says where to change them', async () => {
  const { limits } = setup({ defaults: { project: { requestsPerMinute: 2 }, key: {} } });
  const handler = limits(inner().handler);
  await handler.generate(request, context({ keyId: 'a' }));
  await handler.generate(request, context({ keyId: 'b' }));
  await assert.rejects(
    handler.generate(request, context({ keyId: 'c' })),
    isError('rate_limit', 'rate_limit_exceeded', (error) => {
      assert.match(error.message, /for project 'default'/);
      assert.match(error.message, /`limits\.project\.requestsPerMinute` in operon\.yaml/);
    }),
  );
  // A project's own limit replaces the default.
  await handler.generate(request, context({ project: { requestsPerMinute: 10 } }));
});

test('keys are limited separately', async () => {
  const { limits } = setup({ defaults: { project: {}, key: { requestsPerMinute: 1 } } });
  const handler = limits(inner().handler);
  await handler.generate(request, context({ keyId: 'a' }));
  await handler.generate(request, context({ keyId: 'b' }));
  await assert.rejects(handler.generate(request, context({ keyId: 'a' })));
});

test('tokens per minute count input and output after each call and refuse once at the limit', async () => {
  const { limits, clock } = setup();
  const handler = limits(inner({ usage: { inputTokens: 60, outputTokens: 40 } }).handler);
  const limited = { key: { tokensPerMinute: 150 } };
  await handler.generate(request, context(limited));
  await handler.generate(request, context(limited)); // 100 < 150 before this call
  await assert.rejects(
    handler.generate(request, context(limited)),
    isError('rate_limit', 'rate_limit_exceeded', (error) => assert.match(error.message, /150 tokens per minute/)),
  );
  clock.advance(60_000);
  await handler.generate(request, context(limited));
});

test('cache hits do not count against token rates', async () => {
  const { limits } = setup();
  const handler = limits(inner({ usage: { inputTokens: 500, outputTokens: 500 }, costUsd: 0, cacheHit: true }).handler);
  for (let i = 0; i < 3; i++) await handler.generate(request, context({ project: { tokensPerMinute: 100 } }));
});

test('a streamed call counts its tokens when the stream ends', async () => {
  const { limits } = setup();
  const handler = limits(inner({ usage: { inputTokens: 80, outputTokens: 40 } }).handler);
  const limited = { project: { tokensPerMinute: 100 } };
  const parts = await handler.stream(request, context(limited));
  await handler.generate(request, context(limited)); // the stream has not ended: nothing counted yet
  for await (const _part of parts) { /* drain */ }
  await assert.rejects(handler.generate(request, context(limited)));
});

test('a daily budget starts from the stored spend of the day and refuses once spent', async () => {
  const { limits, usage } = setup({
    rows: [
      { projectId: 'proj_1', keyId: 'key_1', day: '2026-11-25', requests: 5, inputTokens: 0, outputTokens: 0, costUsd: 4.98 },
      { projectId: 'proj_1', keyId: 'key_1', day: '2026-11-24', requests: 5, inputTokens: 0, outputTokens: 0, costUsd: 100 },
    ],
  });
  const handler = limits(inner({ costUsd: 0.03 }).handler);
  const budget = { project: { dailyBudgetUsd: 5 } };
  await handler.generate(request, context(budget));
  await assert.rejects(
    handler.generate(request, context(budget)),
    isError('budget_exceeded', 'budget_exceeded', (error) => {
      assert.match(error.message, /daily budget of \$5\.00 for project 'default' is spent: \$5\.01 used today/);
      assert.match(error.message, /resets at 00:00 UTC \(in 12 h 0 min\)/);
      assert.match(error.message, /`operon projects update`/);
      assert.equal(error.retryAfterSeconds, 12 * 3600);
    }),
  );
  assert.equal(usage.state.totalsCalls, 2, 'day and month read once');
});

test('the daily budget starts again on the next UTC day', async () => {
  const { limits, clock } = setup();
  const handler = limits(inner({ costUsd: 1 }).handler);
  const budget = { key: { dailyBudgetUsd: 1 } };
  await handler.generate(request, context(budget));
  await assert.rejects(handler.generate(request, context(budget)), isError('budget_exceeded', 'budget_exceeded'));
  clock.advance(12 * 3_600_000);
  await handler.generate(request, context(budget));
});

test('a monthly budget counts the whole UTC month and starts again with the next', async () => {
  const { limits, clock } = setup({
    rows: [{ projectId: 'proj_1', keyId: 'key_9', day: '2026-11-02', requests: 1, inputTokens: 0, outputTokens: 0, costUsd: 9.5 }],
  });
  const handler = limits(inner({ costUsd: 0.5 }).handler);
  const budget = { project: { monthlyBudgetUsd: 10 } };
  await handler.generate(request, context(budget));
  await assert.rejects(
    handler.generate(request, context(budget)),
    isError('budget_exceeded', 'budget_exceeded', (error) => assert.match(error.message, /monthly budget of \$10\.00.*\$10\.00 used this month/)),
  );
  clock.advance(3 * 86_400_000); // 2026-11-28: same month
  await assert.rejects(handler.generate(request, context(budget)));
  clock.advance(3 * 86_400_000); // 2026-12-01
  await handler.generate(request, context(budget));
});

test('a key budget counts only that key', async () => {
  const { limits } = setup({
    defaults: { project: {}, key: { dailyBudgetUsd: 1 } },
    rows: [{ projectId: 'proj_1', keyId: 'spender', day: '2026-11-25', requests: 1, inputTokens: 0, outputTokens: 0, costUsd: 1 }],
  });
  const handler = limits(inner().handler);
  await assert.rejects(
    handler.generate(request, context({ keyId: 'spender' })),
    isError('budget_exceeded', 'budget_exceeded', (error) => assert.match(error.message, /key 'spender'.*`limits\.key\.dailyBudgetUsd`/)),
  );
  await handler.generate(request, context({ keyId: 'saver' }));
});

test('concurrent first calls share one read of the stored totals', async () => {
  const { limits, usage } = setup();
  const handler = limits(inner().handler);
  const budget = { project: { dailyBudgetUsd: 5 } };
  await Promise.all([1, 2, 3].map(() => handler.generate(request, context(budget))));
  assert.equal(usage.state.totalsCalls, 2);
});

test('no budget means no reads of the usage store', async () => {
  const { limits, usage } = setup();
  await limits(inner().handler).generate(request, context());
  assert.equal(usage.state.totalsCalls, 0);
});

test('a call without a known cost adds nothing to budgets', async () => {
  const { limits } = setup();
  const handler = limits(inner({ costUsd: undefined }).handler);
  for (let i = 0; i < 3; i++) await handler.generate(request, context({ project: { dailyBudgetUsd: 0.000001 } }));
});

test('usage is summed and written in one batch after the flush interval', async () => {
  const { limits, clock, usage } = setup();
  const handler = limits(inner({ usage: { inputTokens: 10, outputTokens: 5 }, costUsd: 0.01 }).handler);
  await handler.generate(request, context());
  await handler.generate(request, context());
  assert.equal(usage.state.addCalls, 0);
  clock.advance(1_000);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(usage.state.batches.length, 1);
  assert.deepEqual(usage.state.batches[0], [
    { projectId: 'proj_1', keyId: 'key_1', day: '2026-11-25', requests: 2, inputTokens: 20, outputTokens: 10, costUsd: 0.02 },
  ]);
});

test('a failed usage write is logged and retried at the next flush, never failing a request', async () => {
  const { limits, clock, usage, warnings } = setup();
  usage.state.failAdds = 1;
  const handler = limits(inner().handler);
  await handler.generate(request, context());
  clock.advance(1_000);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(usage.state.addCalls, 1);
  assert.match(warnings[0] ?? '', /Could not write usage/);
  assert.equal(limits.stats().pending, 1);
  await handler.generate(request, context());
  clock.advance(1_000);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(usage.state.batches.length, 1);
  assert.equal(usage.state.batches[0]?.[0]?.requests, 2);
  assert.deepEqual(limits.stats(), { pending: 0, written: 1, failedWrites: 1 });
});

test('failed calls are recorded as requests, and close writes what is left', async () => {
  const { limits, usage } = setup();
  await assert.rejects(limits(inner({ costUsd: undefined, fail: true }).handler).generate(request, context()));
  await limits.close();
  assert.equal(usage.state.batches[0]?.[0]?.requests, 1);
  assert.equal(usage.state.batches[0]?.[0]?.costUsd, 0);
});

test('check and recordUsage work for calls outside the chat pipeline', async () => {
  const { limits, usage } = setup();
  const call = context({ key: { requestsPerMinute: 1 } });
  await limits.check(call);
  limits.recordUsage(call, { inputTokens: 7, outputTokens: 0 }, 0.001);
  await assert.rejects(limits.check(context({ key: { requestsPerMinute: 1 } })), isError('rate_limit', 'rate_limit_exceeded'));
  await limits.flush();
  assert.equal(usage.state.batches[0]?.[0]?.inputTokens, 7);
});
