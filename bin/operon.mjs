#!/usr/bin/env -S node --max-semi-space-size=4
// Runs the Operon CLI. Operon's TypeScript runs directly on Node >= 22.18 (type stripping); on an older
// Node this shim re-runs itself on the Node 24 that `npm ci` installed (the `node` package).
// --max-semi-space-size=4 keeps V8's young generation at 8 MB instead of letting it grow past 100 MB
// under load (BENCHMARKS.md, memory); `npm start` passes the same flag.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const [major, minor] = process.versions.node.split('.').map(Number);
const main = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
if (major > 22 || (major === 22 && minor >= 18)) {
  await import(main);
} else {
  const pinned = fileURLToPath(new URL('../node_modules/node/bin/node', import.meta.url));
  if (!existsSync(pinned)) {
    console.error(`Operon needs Node >= 22.18 (this is ${process.version}). Run \`npm ci\` in the Operon folder to install the pinned Node 24, or upgrade Node.`);
    process.exit(1);
  }
  const result = spawnSync(pinned, [...process.execArgv, main, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}
