import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { OperonError } from '../core/errors.ts';
import { refusedAddress, refusedHost } from './address-policy.ts';

/**
 * Sends alert webhooks: one JSON POST, no redirects followed, a deadline on the whole exchange. Resolves
 * with the receiver's HTTP status whatever it is (the caller decides what a 500 means); rejects with
 * an `OperonError` when no answer came: `webhook_refused` (the address policy said no; not retryable),
 * `webhook_timeout` or `webhook_unreachable` (retryable). Messages never contain the URL, whose path,
 * query or user info often carry the receiver's secret.
 *
 * @example
 * const sender = createWebhookSender({ allowPrivate: false, timeoutMs: 10_000 });
 * const { status } = await sender.post('https://hooks.example.com/operon', JSON.stringify(payload));
 */
export interface WebhookSender {
  post(url: string, body: string, headers?: Record<string, string>): Promise<{ status: number }>;
}

export interface WebhookSenderOptions {
  /** `alerts.allowPrivateWebhooks`: skip the address policy (address-policy.ts). */
  allowPrivate: boolean;
  timeoutMs: number;
  /** Host name → addresses; `dns.lookup` by default. Injected by tests. */
  resolve?: (hostname: string) => Promise<LookupAddress[]>;
  userAgent?: string;
}

export function createWebhookSender(options: WebhookSenderOptions): WebhookSender {
  const resolve = options.resolve ?? ((hostname: string) => new Promise<LookupAddress[]>((done, fail) => dnsLookup(hostname, { all: true }, (error, addresses) => (error ? fail(error) : done(addresses)))));

  // Every address the name resolves to is checked, and the socket connects only to those: a DNS answer
  // cannot change between the check and the connection.
  const lookup: LookupFunction = (hostname, lookupOptions, callback) => {
    resolve(hostname).then(
      (addresses) => {
        const usable = lookupOptions.family === 4 || lookupOptions.family === 6 ? addresses.filter((entry) => entry.family === lookupOptions.family) : addresses;
        const refusal = options.allowPrivate ? undefined : addresses.map((entry) => refusedAddress(entry.address)).find((reason) => reason !== undefined);
        if (refusal) return callback(refused(`the host resolves to ${refusal}`), '', 4);
        const [first] = usable;
        if (!first) return callback(Object.assign(new Error('no address'), { code: 'ENOTFOUND' }), '', 4);
        if (lookupOptions.all) return (callback as unknown as (error: null, all: LookupAddress[]) => void)(null, usable);
        callback(null, first.address, first.family);
      },
      (error: unknown) => callback(error as NodeJS.ErrnoException, '', 4),
    );
  };

  return {
    post(url, body, headers = {}) {
      let target: URL;
      try {
        target = new URL(url);
      } catch {
        return Promise.reject(refused('the webhook URL is not a URL'));
      }
      if (target.protocol !== 'https:' && target.protocol !== 'http:') return Promise.reject(refused(`${target.protocol} is not http or https`));
      const hostRefusal = options.allowPrivate ? undefined : refusedHost(target.hostname);
      if (hostRefusal) return Promise.reject(refused(`the host is ${hostRefusal}`));

      return new Promise((resolvePost, rejectPost) => {
        const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
        const request = send(target, {
          method: 'POST',
          lookup,
          agent: false,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            'user-agent': options.userAgent ?? 'Operon-Alerts',
            ...headers,
          },
        });
        const deadline = setTimeout(() => request.destroy(timedOut(options.timeoutMs)), options.timeoutMs);
        request.on('response', (response: IncomingMessage) => {
          clearTimeout(deadline);
          response.resume();
          resolvePost({ status: response.statusCode ?? 0 });
        });
        request.on('error', (error) => {
          clearTimeout(deadline);
          rejectPost(OperonError.is(error) ? error : unreachable(error));
        });
        request.end(body);
      });
    },
  };
}

/** What of a webhook URL may be logged or shown: scheme and host, never path, query or user info. */
export function safeWebhookTarget(url: string): string {
  try {
    return `${new URL(url).origin}/…`;
  } catch {
    return '(not a URL)';
  }
}

function refused(reason: string): OperonError {
  return new OperonError({
    code: 'webhook_refused',
    kind: 'invalid_request',
    blame: 'user',
    message: `Not sent: ${reason}; webhooks go to public addresses only (set alerts.allowPrivateWebhooks: true for receivers on your own network).`,
  });
}

function timedOut(ms: number): OperonError {
  return new OperonError({ code: 'webhook_timeout', kind: 'timeout', blame: 'user', isRetryable: true, message: `No answer within ${ms} ms.` });
}

function unreachable(error: Error): OperonError {
  const code = (error as NodeJS.ErrnoException).code;
  return new OperonError({ code: 'webhook_unreachable', kind: 'unavailable', blame: 'user', isRetryable: true, message: `Could not reach the receiver (${code ?? error.name}).`, cause: error });
}
