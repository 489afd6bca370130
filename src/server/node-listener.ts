import type { IncomingMessage, ServerResponse } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import type { Logger } from '../core/logger.ts';

export type NodeHandler = (incoming: IncomingMessage, outgoing: ServerResponse) => Promise<void>;

/**
 * Node's request listener for Operon. The gateway's POST routes, asked for by their exact path, go
 * straight to their handler; everything else (and those paths with a query string) goes through Hono.
 * Both reach the same handler, so behaviour is identical: the fast path only skips building a
 * web `Request` and a Hono context per call.
 */
export function createNodeListener(fetch: Parameters<typeof getRequestListener>[0], fastPosts: Record<string, NodeHandler>, logger: Logger) {
  const viaHono = getRequestListener(fetch, { overrideGlobalObjects: false });
  return (incoming: IncomingMessage, outgoing: ServerResponse): void => {
    const handler = incoming.method === 'POST' && incoming.url !== undefined ? fastPosts[incoming.url] : undefined;
    if (!handler) {
      void viaHono(incoming, outgoing);
      return;
    }
    handler(incoming, outgoing).catch((error: unknown) => {
      // The handlers answer every failure themselves; reaching here is a bug, and the server must live on.
      logger.error({ err: error }, 'gateway handler failed');
      if (!outgoing.headersSent) outgoing.writeHead(500, { 'content-type': 'application/json' });
      outgoing.end();
    });
  };
}
