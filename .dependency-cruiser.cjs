/**
 * Import boundaries of Operon (see ARCHITECTURE.md). Imports point down:
 *   core → providers, projects, tracing → metrics, ingest, retention → alerts → gateway → storage → server → cli;  sdk sees only core
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
    layer('core', ['providers', 'projects', 'tracing', 'gateway', 'storage', 'server', 'cli', 'sdk', 'testing', 'metrics', 'retention', 'alerts'], 'core is the base: errors, clock, ids, logger, config. It imports nothing internal.'),
    layer('providers', ['projects', 'tracing', 'gateway', 'storage', 'server', 'cli', 'sdk', 'metrics', 'retention', 'alerts'], 'Providers only know the provider port and core.'),
    layer('projects', ['providers', 'gateway', 'storage', 'server', 'cli', 'sdk', 'testing', 'metrics', 'retention', 'alerts'], 'Project domain: ports and rules, no backends.'),
    layer('tracing', ['providers', 'gateway', 'storage', 'server', 'cli', 'sdk', 'testing', 'ingest', 'metrics', 'retention', 'alerts'], 'Tracing domain: spans, queue, cost; ports only.'),
    layer('retention', ['providers', 'gateway', 'storage', 'server', 'cli', 'sdk', 'testing', 'ingest', 'metrics', 'alerts'], 'Retention and erasure: deleting stored telemetry over the deletion port, on a clock; it knows projects, tracing and core, nothing of HTTP or storage.'),
    layer('metrics', ['providers', 'projects', 'gateway', 'storage', 'server', 'cli', 'sdk', 'testing', 'ingest', 'retention', 'alerts'], 'Metrics: the metrics store port, the rollup histogram, Prometheus counters fed by spans; it knows tracing and core.'),
    layer('ingest', ['providers', 'gateway', 'storage', 'server', 'cli', 'sdk', 'testing', 'metrics', 'retention', 'alerts'], 'Ingestion decodes telemetry (OTLP, native batches) into spans; it knows tracing and core, nothing of HTTP or storage.'),
    layer('sdk', ['providers', 'projects', 'tracing', 'ingest', 'gateway', 'storage', 'server', 'cli', 'testing', 'metrics', 'retention', 'alerts'], 'The SDK runs inside users\' applications: it speaks to Operon over HTTP only and imports nothing but core.'),
    layer('alerts', ['providers', 'projects', 'gateway', 'storage', 'server', 'cli', 'sdk', 'testing', 'ingest', 'retention'], 'Alerts: rules, their evaluation over the metrics port, webhooks out; it knows metrics, tracing and core, nothing of HTTP routes or storage.'),
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
