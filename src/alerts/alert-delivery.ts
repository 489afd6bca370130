import type { Clock } from '../core/clock.ts';
import { toOperonError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { AlertDelivery, AlertEvent, AlertStore } from './alert-store.ts';
import { safeWebhookTarget, type WebhookSender } from './webhook-sender.ts';

export interface AlertDeliveryOptions {
  store: AlertStore;
  sender: WebhookSender;
  clock: Clock;
  logger: Logger;
  /** Attempts per event, the first included. */
  maxAttempts: number;
  /** The sender's deadline per attempt; the lease covers it. */
  timeoutMs: number;
  /** Wait before the second attempt; each later wait is three times the one before. */
  baseDelayMs?: number;
}

export interface DeliveryStats {
  delivered: number;
  failedAttempts: number;
  gaveUp: number;
}

/**
 * Delivers fired and resolved events to their rule's webhook, from the outbox the store keeps.
 *
 * Each event is sent until a 2xx comes back, at most `maxAttempts` times, waiting 5 s, 15 s, 45 s… in
 * between (on the injected clock). A 408, 429 or 5xx answer and a network error or timeout are tried
 * again; any other answer, and an address the policy refuses, end the delivery at once. Every attempt is
 * recorded on the event (its history), and the lease on it renewed, so another process takes over only
 * if this one dies. Events of one rule go out in order (a resolved never overtakes its firing). The URL
 * is read from the rule at each attempt: a fixed URL helps the retries; a deleted rule ends them.
 *
 * @example
 * const delivery = createAlertDelivery({ store, sender, clock, logger, maxAttempts: 4, timeoutMs: 10_000 });
 * delivery.deliver(event); // an event this process holds the lease of
 * await delivery.resume(clock.now()); // events whose holder died
 */
export function createAlertDelivery(options: AlertDeliveryOptions) {
  const { store, sender, clock, logger, maxAttempts } = options;
  const baseDelayMs = options.baseDelayMs ?? 5_000;
  const backoff = (attempt: number) => baseDelayMs * 3 ** (attempt - 1);
  /** Long enough for the longest wait and one attempt after it; renewed at every attempt. */
  const leaseMs = backoff(Math.max(1, maxAttempts - 1)) + options.timeoutMs + 60_000;
  const stats: DeliveryStats = { delivered: 0, failedAttempts: 0, gaveUp: 0 };
  const chains = new Map<string, Promise<void>>();
  const controller = new AbortController();

  async function run(event: AlertEvent): Promise<void> {
    let delivery: AlertDelivery = event.delivery;
    const record = (next: AlertDelivery, leaseUntil: number | null) => store.recordDelivery(event.projectId, event.id, (delivery = next), leaseUntil);
    while (true) {
      // Stopping: let the next start (or another process) take the event at once.
      if (controller.signal.aborted) return record(delivery, null);
      const rule = await store.getRule(event.projectId, event.ruleId);
      if (!rule) return record({ ...delivery, status: 'failed', lastError: 'The rule was deleted before the event could be delivered.' }, null);
      const attempt = delivery.attempts + 1;
      let failure: { responseStatus: number | null; message: string; retryable: boolean };
      try {
        const { status } = await sender.post(rule.webhookUrl, event.payload, { 'x-operon-alert-event': event.id });
        if (status >= 200 && status < 300) {
          stats.delivered += 1;
          return record({ status: 'delivered', attempts: attempt, responseStatus: status, lastError: null, deliveredAt: clock.now() }, null);
        }
        failure = { responseStatus: status, message: `The receiver answered ${status}.`, retryable: status === 408 || status === 429 || status >= 500 };
      } catch (thrown) {
        const error = toOperonError(thrown);
        failure = { responseStatus: null, message: error.message, retryable: error.isRetryable };
      }
      stats.failedAttempts += 1;
      const giveUp = !failure.retryable || attempt >= maxAttempts;
      if (giveUp) stats.gaveUp += 1;
      logger.warn(
        { ruleId: rule.id, eventId: event.id, target: safeWebhookTarget(rule.webhookUrl), attempt, giveUp, reason: failure.message },
        'alert webhook not delivered',
      );
      await record(
        { status: giveUp ? 'failed' : 'pending', attempts: attempt, responseStatus: failure.responseStatus, lastError: failure.message, deliveredAt: null },
        giveUp ? null : clock.now() + leaseMs,
      );
      if (giveUp) return;
      working -= 1;
      settle();
      try {
        await clock.sleep(backoff(attempt), controller.signal);
      } catch {
        return record(delivery, null);
      } finally {
        working += 1;
      }
    }
  }

  // Deliveries doing something now (not waiting to retry, nor behind an earlier event of their rule).
  let working = 0;
  let quiet: Array<() => void> = [];
  const settle = () => {
    if (working > 0) return;
    for (const resolve of quiet) resolve();
    quiet = [];
  };

  const service = {
    leaseMs,

    /** Sends an event this process holds the lease of, after the rule's earlier events. */
    deliver(event: AlertEvent): void {
      const previous = chains.get(event.ruleId) ?? Promise.resolve();
      const chain = previous
        .then(async () => {
          working += 1;
          try {
            await run(event);
          } finally {
            working -= 1;
            settle();
          }
        })
        .catch((error: unknown) => logger.error({ err: error, eventId: event.id }, 'alert delivery failed'))
        .finally(() => {
          if (chains.get(event.ruleId) === chain) chains.delete(event.ruleId);
        });
      chains.set(event.ruleId, chain);
    },

    /** Claims and sends undelivered events whose lease ran out or was released (after a restart). */
    async resume(now: number): Promise<number> {
      if (controller.signal.aborted) return 0;
      let claimed = 0;
      for (const event of await store.listUndelivered(now, 100)) {
        if (await store.claimDelivery(event.projectId, event.id, now, now + leaseMs)) {
          claimed += 1;
          service.deliver(event);
        }
      }
      return claimed;
    },

    /**
     * Resolves once no delivery is doing anything: each has finished or waits for the clock to retry.
     * For tests on a manual clock, after `advance`.
     */
    async idle(): Promise<void> {
      while (true) {
        // Let woken sleepers and queued deliveries start before looking.
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (working === 0) return;
        await new Promise<void>((resolve) => quiet.push(resolve));
      }
    },

    stats: (): DeliveryStats => ({ ...stats }),

    /** Stops retrying: an attempt under way finishes (within the timeout); waiting events are released. */
    async close(): Promise<void> {
      controller.abort();
      while (chains.size > 0) await Promise.all([...chains.values()]);
    },
  };
  return service;
}

export type AlertDeliveryService = ReturnType<typeof createAlertDelivery>;
