import type { Clock } from '../../core/clock.ts';
import type { OperonError } from '../../core/errors.ts';
import { clientClosedError } from './route-errors.ts';

export interface AttemptWork<T> {
  /** Makes the upstream call; `signal` aborts it. */
  work: (signal: AbortSignal) => Promise<T>;
  /** Disposes of an answer that came after the attempt was given up (a stream opened too late). */
  abandon?: ((value: T) => void) | undefined;
  timeoutError: () => OperonError;
}

/**
 * One attempt on one target, bounded by its timeout and by the client's signal: whichever of the
 * answer, the timeout and the client going away comes first settles it. The upstream call is aborted on
 * timeout or client abort. The client link outlives a successful attempt (a stream still needs it) until
 * `unlink` is called. The timer is the injected clock's `sleep`, so tests move time by hand.
 */
export function runAttempt<T>(clock: Clock, timeoutMs: number, clientSignal: AbortSignal, attempt: AttemptWork<T>): Promise<{ value: T; unlink: () => void }> {
  return new Promise((resolve, reject) => {
    const controller = new AbortController();
    const timer = new AbortController();
    let settled = false;
    function unlink() {
      clientSignal.removeEventListener('abort', onClientAbort);
    }
    function fail(error: unknown) {
      settled = true;
      timer.abort(DISARMED);
      unlink();
      reject(error);
    }
    function onClientAbort() {
      controller.abort(clientSignal.reason);
      if (!settled) fail(clientClosedError(clientSignal.reason));
    }
    clientSignal.addEventListener('abort', onClientAbort, { once: true });

    clock.sleep(timeoutMs, timer.signal).then(
      () => {
        if (settled) return;
        const error = attempt.timeoutError();
        controller.abort(error);
        fail(error);
      },
      () => {}, // disarmed
    );
    let pending: Promise<T>;
    try {
      pending = attempt.work(controller.signal);
    } catch (error) {
      pending = Promise.reject(error);
    }
    pending.then(
      (value) => {
        if (settled) return attempt.abandon?.(value);
        settled = true;
        timer.abort(DISARMED);
        resolve({ value, unlink });
      },
      (error: unknown) => {
        if (!settled) fail(error);
      },
    );
  });
}

// A constant abort reason: aborting without one creates a DOMException, with its stack, every call.
const DISARMED = Symbol('timer disarmed');
