/**
 * Import boundaries of Operon (see ARCHITECTURE.md). Imports point down:
 *   core → providers, projects, tracing → ingest → gateway → storage → server → cli;  sdk sees only core
 * `testing/` (the mock provider and fake upstreams for users' tests) may use everything below server.
 * Run: npm run lint:deps (part of npm test).
 */
const layer = (name, forbidden, comment) => ({
  name: `${name}-imports-down-only`,
  comment,
  severity: 'error',
  from: { path: `^src/${name}/` },
  to: { path: `^src/(${forbidden.join('|')})/` },
});

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'Cycles make modules impossible to test or load alone.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    layer('core', ['providers', 'projects', 'tracing', 'gateway', 'storage', 'server', 'cli', 'sdk', 'testing'], 'core is the base: errors, clock, ids, logger, config. It imports nothing internal.'),
    layer('providers', ['projects', 'tracing', 'gateway', 'storage', 'server', 'cli', 'sdk'], 'Providers only know the provider port and core.'),
    layer('projects', ['providers', 'gateway', 'storage', 'server', 'cli', 'sdk', 'testing'], 'Project domain: ports and rules, no backends.'),
    layer('tracing', ['providers', 'gateway', 'storage', 'server', 'cli', 'sdk', 'testing', 'ingest'], 'Tracing domain: spans, queue, cost; ports only.'),
    layer('ingest', ['providers', 'gateway', 'storage', 'server', 'cli', 'sdk', 'testing'], 'Ingestion decodes telemetry (OTLP, native batches) into spans; it knows tracing and core, nothing of HTTP or storage.'),
    layer('sdk', ['providers', 'projects', 'tracing', 'ingest', 'gateway', 'storage', 'server', 'cli', 'testing'], 'The SDK runs inside users\' applications: it speaks to Operon over HTTP only and imports nothing but core.'),
    layer('gateway', ['storage', 'server', 'cli', 'sdk'], 'The gateway works on ports; backends are chosen in server/compose.ts.'),
    layer('storage', ['gateway', 'server', 'cli', 'sdk', 'providers'], 'Storage implements ports; it knows nothing of HTTP or the gateway.'),
    layer('server', ['cli', 'sdk'], 'The server never depends on its clients.'),
    {
      name: 'no-test-code-in-production',
      comment: 'Production code never imports tests or contract suites.',
      severity: 'error',
      from: { path: '^src/', pathNot: '\\.(test|contract)\\.ts$' },
      to: { path: '\\.(test|contract)\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs'] },
  },
};
