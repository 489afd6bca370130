/**
 * Delivering what is buffered when the process ends, without taking over the host's signal handling.
 *
 * - `beforeExit` (the event loop ran dry): flush if anything is pending. The flush is new work, so
 *   Node emits `beforeExit` again once it is done; with nothing pending then, the process exits.
 * - SIGTERM / SIGINT: adding a listener disables Node's default "terminate" action, so the listener
 *   behaves differently depending on who else listens:
 *   - the host has its own listener: it owns shutdown; the SDK only starts a flush and leaves the
 *     exit to the host (call `await operon.shutdown()` in your handler to be sure spans get out);
 *   - nobody else listens: the SDK shuts down (bounded by `timeoutMs`), removes its listener and
 *     re-raises the signal, so the process dies of the signal exactly as it would have without it.
 * `process.on('exit')` cannot help: only synchronous work runs there.
 */

export interface ExitHookActions {
  /** whether anything is buffered or in flight */
  hasPending(): boolean;
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

/** The process events the hooks use; injectable so tests need not signal themselves. */
export interface ProcessLike {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  removeListener(event: string, listener: (...args: unknown[]) => void): unknown;
  listenerCount(event: string): number;
  kill(pid: number, signal: string): unknown;
  readonly pid: number;
}

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/** Installs the hooks and returns a function that removes them. */
export function installExitHooks(
  actions: ExitHookActions,
  timeoutMs: number,
  target: ProcessLike = process as unknown as ProcessLike,
): () => void {
  const onBeforeExit = (): void => {
    if (actions.hasPending()) void actions.flush().catch(() => undefined);
  };
  const signalListeners = new Map<string, () => void>();
  for (const signal of SIGNALS) {
    const listener = (): void => {
      if (target.listenerCount(signal) > 1) {
        void actions.flush().catch(() => undefined);
        return;
      }
      target.removeListener(signal, listener);
      void withTimeout(actions.shutdown(), timeoutMs).finally(() => target.kill(target.pid, signal));
    };
    signalListeners.set(signal, listener);
    target.on(signal, listener);
  }
  target.on('beforeExit', onBeforeExit);

  return () => {
    target.removeListener('beforeExit', onBeforeExit);
    for (const [signal, listener] of signalListeners) target.removeListener(signal, listener);
  };
}

function withTimeout(work: Promise<void>, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    work.catch(() => undefined).finally(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
