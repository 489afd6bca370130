import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import { installExitHooks, type ProcessLike } from './exit-hooks.ts';
import { FakeOperonReceiver } from './test-support/fake-operon-receiver.ts';

class FakeProcess extends EventEmitter implements ProcessLike {
  readonly pid = 4242;
  readonly kills: string[] = [];
  kill(_pid: number, signal: string): boolean {
    this.kills.push(signal);
    return true;
  }
}

function actions() {
  const calls: string[] = [];
  let pending = true;
  return {
    calls,
    setPending: (value: boolean) => (pending = value),
    hooks: {
      hasPending: () => pending,
      flush: async () => void calls.push('flush'),
      shutdown: async () => void calls.push('shutdown'),
    },
  };
}

describe('exit hooks', () => {
  it('flushes on beforeExit only while something is pending', () => {
    const target = new FakeProcess();
    const { calls, setPending, hooks } = actions();
    installExitHooks(hooks, 1_000, target);
    target.emit('beforeExit');
    setPending(false);
    target.emit('beforeExit');
    assert.deepEqual(calls, ['flush']);
  });

  it('alone on SIGTERM: shuts down, then re-raises the signal with its listener gone', async () => {
    const target = new FakeProcess();
    const { calls, hooks } = actions();
    installExitHooks(hooks, 1_000, target);
    target.emit('SIGTERM');
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(calls, ['shutdown']);
    assert.deepEqual(target.kills, ['SIGTERM']);
    assert.equal(target.listenerCount('SIGTERM'), 0);
  });

  it('leaves the exit to the host when the host listens to the signal too', async () => {
    const target = new FakeProcess();
    const { calls, hooks } = actions();
    target.on('SIGTERM', () => calls.push('host'));
    installExitHooks(hooks, 1_000, target);
    target.emit('SIGTERM');
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(calls, ['host', 'flush']);
    assert.deepEqual(target.kills, []);
  });

  it('removes every listener it added', () => {
    const target = new FakeProcess();
    const remove = installExitHooks(actions().hooks, 1_000, target);
    remove();
    for (const event of ['beforeExit', 'SIGTERM', 'SIGINT']) assert.equal(target.listenerCount(event), 0);
  });

  for (const [mode, expected] of [
    ['natural', { code: 0, signal: null }],
    ['sigterm', { code: null, signal: 'SIGTERM' }],
    ['host-handler', { code: 0, signal: null }],
  ] as const) {
    it(`delivers buffered spans from a real process that ends by ${mode}`, async (t) => {
      const receiver = await FakeOperonReceiver.start();
      t.after(() => receiver.close());
      const child = spawn(process.execPath, [new URL('./test-support/exit-child.ts', import.meta.url).pathname, receiver.baseUrl, mode], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
      assert.deepEqual({ code, signal }, expected, stderr);
      assert.deepEqual(receiver.spans().map((span) => span.name), ['child-work']);
    });
  }
});
