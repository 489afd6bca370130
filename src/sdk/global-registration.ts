import {
  context as contextApi,
  createContextKey,
  ProxyTracerProvider,
  ROOT_CONTEXT,
  trace as traceApi,
  type Context,
  type TracerProvider,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';

/**
 * Whether `init()` makes its tracer provider (and, when none works yet, its context manager) the
 * process-wide OpenTelemetry default.
 * - `'if-absent'` (default): only when the application has registered none, so an app already
 *   using OpenTelemetry keeps its own setup and exporters.
 * - `'always'`: replaces an existing global tracer provider (other OTel instrumentations then
 *   export to Operon).
 * - `'never'`: touches no global; the SDK's own helpers still nest through a private context manager.
 */
export type GlobalRegistration = 'if-absent' | 'always' | 'never';

/** How the SDK reads and sets the active context: the global OTel API, or a private manager. */
export interface ContextAccess {
  active(): Context;
  with<T>(context: Context, fn: () => T): T;
}

const apiContextAccess: ContextAccess = {
  active: () => contextApi.active(),
  with: (context, fn) => contextApi.with(context, fn),
};

const PROBE_KEY = createContextKey('operon.sdk.context-probe');

/** True when a context manager is registered and actually carries values (the default one does not). */
function globalContextWorks(): boolean {
  const probe = ROOT_CONTEXT.setValue(PROBE_KEY, true);
  return contextApi.with(probe, () => contextApi.active().getValue(PROBE_KEY) === true);
}

/**
 * Prefers the global context so the SDK's spans and the application's own OTel spans nest in each
 * other. Registers an AsyncLocalStorage manager globally when none works and registration is allowed;
 * otherwise keeps one private to the SDK.
 */
export function setUpContextAccess(registration: GlobalRegistration): ContextAccess {
  if (globalContextWorks()) return apiContextAccess;
  const manager = new AsyncLocalStorageContextManager().enable();
  if (registration !== 'never' && contextApi.setGlobalContextManager(manager)) return apiContextAccess;
  return { active: () => manager.active(), with: (context, fn) => manager.with(context, fn) };
}

/**
 * A fresh ProxyTracerProvider's delegate is the API's no-op provider: when the global proxy still
 * has that delegate, nobody registered a provider. A global from another copy of the API is not a
 * ProxyTracerProvider of ours and counts as registered, the safe answer.
 */
function globalTracerProviderAbsent(): boolean {
  const current = traceApi.getTracerProvider();
  return current instanceof ProxyTracerProvider && current.getDelegate() === new ProxyTracerProvider().getDelegate();
}

/** Returns whether `provider` is now the global tracer provider. */
export function registerTracerProvider(provider: TracerProvider, registration: GlobalRegistration): boolean {
  if (registration === 'never') return false;
  if (globalTracerProviderAbsent()) return traceApi.setGlobalTracerProvider(provider);
  if (registration === 'always') {
    traceApi.disable();
    return traceApi.setGlobalTracerProvider(provider);
  }
  return false;
}

/** Undoes `registerTracerProvider` on shutdown, unless someone has registered another one since. */
export function unregisterTracerProvider(provider: TracerProvider): void {
  const current = traceApi.getTracerProvider();
  if (current instanceof ProxyTracerProvider && current.getDelegate() === provider) traceApi.disable();
}
