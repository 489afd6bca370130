import { runCli } from './program.ts';

/** Entry point of the `operon` command (see bin/operon.mjs and the npm scripts). */
const code = await runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  cwd: process.cwd(),
  env: process.env,
});
process.exitCode = code;
