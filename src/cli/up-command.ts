import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import type { OperonConfig } from '../core/config.ts';
import { OperonError } from '../core/errors.ts';
import { composeOperon, type Operon } from '../server/compose.ts';
import type { CliIo } from './cli-io.ts';

/**
 * `operon up`: composes Operon, creates the default project and admin key on first start, listens, and
 * runs until SIGINT or SIGTERM, then drains: stops accepting, flushes traces and usage, closes storage.
 */
export async function runUp(config: OperonConfig, io: CliIo, signals: NodeJS.EventEmitter = process): Promise<void> {
  const operon = await composeOperon({ config, env: io.env });
  let server: Server;
  try {
    const { project, adminKey } = await operon.service.bootstrap();
    server = await listen(operon, config);
    const address = server.address() as AddressInfo;
    const base = `http://${formatHost(config.server.host)}:${address.port}`;
    io.out(banner({ base, project: project.name, plainKey: adminKey?.plain, config, storage: describeStorage(config) }));
  } catch (error) {
    await operon.close();
    throw error;
  }

  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      signals.off('SIGINT', onInt);
      signals.off('SIGTERM', onTerm);
      operon.logger.info({ signal }, 'shutting down');
      server.close(() => resolve());
      server.closeIdleConnections?.();
      // Streams still open get a grace period, then are cut.
      setTimeout(() => server.closeAllConnections?.(), 10_000).unref();
    };
    const onInt = () => stop('SIGINT');
    const onTerm = () => stop('SIGTERM');
    signals.on('SIGINT', onInt);
    signals.on('SIGTERM', onTerm);
  });
  await operon.close();
  io.out('Operon stopped; traces flushed.');
}

function listen(operon: Operon, config: OperonConfig): Promise<Server> {
  const server = createServer(operon.listener);
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') {
        reject(new OperonError({ code: 'port_in_use', kind: 'config', blame: 'user', message: `Port ${config.server.port} on ${config.server.host} is already in use. Stop the other process, or start with --port <n> (or OPERON_PORT).`, cause: error }));
      } else if (error.code === 'EACCES' || error.code === 'EADDRNOTAVAIL') {
        reject(new OperonError({ code: 'cannot_listen', kind: 'config', blame: 'user', message: `Cannot listen on ${config.server.host}:${config.server.port} (${error.code}). Use another --host or --port.`, cause: error }));
      } else {
        reject(error);
      }
    });
    server.listen(config.server.port, config.server.host, () => resolve(server));
  });
}

function formatHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

function describeStorage(config: OperonConfig): string {
  if (!config.storage.databaseUrl) return `embedded SQLite in ${config.storage.dataDir}`;
  const url = new URL(config.storage.databaseUrl);
  return `PostgreSQL at ${url.hostname}:${url.port || 5432}${url.pathname}`;
}

/** The model a newcomer's first curl should call: the first alias, else the first provider's model. */
export function exampleModel(config: OperonConfig): string {
  const alias = Object.keys(config.models)[0];
  if (alias) return alias;
  if (config.providers.mock) return 'mock/mock-model';
  const [name, provider] = Object.entries(config.providers)[0] ?? [];
  if (!name || !provider) return 'mock/mock-model';
  const model = provider.type === 'anthropic' ? 'claude-haiku-4-5' : 'gpt-4o-mini';
  return `${name}/${model}`;
}

function banner(input: { base: string; project: string; plainKey?: string; config: OperonConfig; storage: string }): string {
  const key = input.plainKey ?? '$OPERON_API_KEY';
  const body = JSON.stringify({ model: exampleModel(input.config), messages: [{ role: 'user', content: 'Hello, Operon!' }] });
  const lines = [
    `Operon is running on ${input.base} (${input.storage}).`,
    `Project: ${input.project}`,
    input.plainKey
      ? `Admin API key (shown once, store it now): ${input.plainKey}`
      : 'Admin API key: created on first start and shown then. Lost it? Run `operon keys create --name admin --scope admin`, then export OPERON_API_KEY=<key>.',
    '',
    'Try it:',
    `  curl ${input.base}/v1/chat/completions \\`,
    `    -H "Authorization: Bearer ${key}" \\`,
    `    -H "Content-Type: application/json" \\`,
    `    -d '${body}'`,
    '',
    `Traces: curl ${input.base}/api/traces -H "Authorization: Bearer ${key}"`,
    'Stop with Ctrl+C.',
  ];
  return lines.join('\n');
}
