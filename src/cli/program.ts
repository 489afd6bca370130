import { Command, InvalidArgumentError } from 'commander';
import { loadConfig } from '../core/config-loader.ts';
import { OperonError } from '../core/errors.ts';
import { VERSION } from '../server/compose.ts';
import { registerAdminCommands } from './admin-commands.ts';
import { runUp } from './up-command.ts';
import type { CliIo } from './cli-io.ts';

export type { CliIo } from './cli-io.ts';

/**
 * `operon` command line. Every failure prints one message that says what to do, and exits non-zero.
 *
 * @example
 * operon up --port 4100
 * operon keys create --name ci --scope gateway --rpm 60
 */
export function buildProgram(io: CliIo): Command {
  const program = new Command('operon')
    .description('Operon: LLM gateway, tracing and operations platform')
    .version(VERSION)
    .option('-c, --config <path>', 'path of operon.yaml (default ./operon.yaml, or OPERON_CONFIG)')
    .showHelpAfterError()
    .configureOutput({ writeOut: (text) => io.out(text.trimEnd()), writeErr: (text) => io.err(text.trimEnd()) })
    .exitOverride();

  const config = () => loadConfig({ cwd: io.cwd, env: io.env, configPath: program.opts<{ config?: string }>().config });

  program
    .command('up')
    .description('start the Operon server (embedded storage in ./.operon unless OPERON_DATABASE_URL is set)')
    .option('-p, --port <port>', 'port to listen on (default 4100)', parsePort)
    .option('--host <host>', 'address to listen on (default 127.0.0.1)')
    .action(async (options: { port?: number; host?: string }) => {
      const loaded = config();
      if (options.port !== undefined) loaded.server.port = options.port;
      if (options.host !== undefined) loaded.server.host = options.host;
      await runUp(loaded, io);
    });

  registerAdminCommands(program, config, io);
  return program;
}

export function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new InvalidArgumentError('must be a whole number from 0 to 65535.');
  return port;
}

/** Runs the CLI and returns the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error && typeof error === 'object' && 'exitCode' in error && 'code' in error && String(error.code).startsWith('commander.')) {
      return Number(error.exitCode);
    }
    if (error instanceof OperonError) {
      io.err(`operon: ${error.message}`);
      return error.kind === 'config' ? 78 : 1;
    }
    io.err(`operon: unexpected error: ${(error as Error)?.stack ?? String(error)}\nThis is a bug; please report it.`);
    return 1;
  }
}

