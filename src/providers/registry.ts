import type { ProviderConfig } from '../core/config.ts';
import type { Clock } from '../core/clock.ts';
import { createAnthropicProvider, ANTHROPIC_KEY_ENV } from './anthropic/anthropic-provider.ts';
import type { Provider } from './chat-model.ts';
import { createHttpTransport, type HttpTransport } from './http-transport.ts';
import { createMockProvider } from './mock/mock-provider.ts';
import { createOpenAIProvider, OPENAI_KEY_ENV } from './openai/openai-provider.ts';

export interface ProviderDependencies {
  /**
   * The HTTP client for every provider. When absent, one keep-alive pool is made for them; pass your own
   * to `close()` it at shutdown.
   */
  transport?: HttpTransport;
  /** Where keys missing from config are looked up (`OPENAI_API_KEY`, …). Operon passes the parsed environment. */
  env?: Readonly<Record<string, string | undefined>>;
  clock?: Clock;
}

/**
 * Builds every configured provider, by name. Keys come from config (`apiKey`), else from `env`; a provider
 * that needs a key and has none is still built, and fails with a `config` error when called, so one
 * missing key does not stop the others from serving.
 *
 * @example
 * const providers = createProviders(config.providers, { env: process.env });
 * const model = providers.get('openai')?.chat();
 */
export function createProviders(configs: Record<string, ProviderConfig>, deps: ProviderDependencies = {}): Map<string, Provider> {
  const env = deps.env ?? {};
  const now = deps.clock ? () => deps.clock!.now() : undefined;
  let transport = deps.transport;
  const shared = () => (transport ??= createHttpTransport());
  const providers = new Map<string, Provider>();
  for (const [name, config] of Object.entries(configs)) {
    switch (config.type) {
      case 'openai':
      case 'openai-compatible':
      case 'azure-openai': {
        // An openai-compatible server gets OPENAI_API_KEY only if config names no key: local servers need none.
        const apiKey = config.type === 'openai-compatible' ? undefined : env[OPENAI_KEY_ENV[config.type]];
        providers.set(name, createOpenAIProvider({ name, config, transport: shared(), apiKey: apiKey || undefined, now }));
        break;
      }
      case 'anthropic':
        providers.set(name, createAnthropicProvider({ name, config, transport: shared(), apiKey: env[ANTHROPIC_KEY_ENV] || undefined, now }));
        break;
      case 'mock':
        providers.set(name, createMockProvider({ name, script: config.script, now }));
        break;
    }
  }
  return providers;
}
