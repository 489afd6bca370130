import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { providerConfigSchema, type ProviderConfig } from '../core/config.ts';
import { startFakeAnthropicUpstream, startFakeOpenAIUpstream, type FakeUpstream } from '../testing/fake-upstreams.ts';
import type { ChatRequest } from './chat-model.ts';
import { createHttpTransport } from './http-transport.ts';
import { createProviders } from './registry.ts';

let openaiUpstream: FakeUpstream;
let anthropicUpstream: FakeUpstream;
const transport = createHttpTransport();
before(async () => {
  openaiUpstream = await startFakeOpenAIUpstream();
  anthropicUpstream = await startFakeAnthropicUpstream();
});
after(async () => {
  transport.close?.();
  await openaiUpstream.close();
  await anthropicUpstream.close();
});

const hello: ChatRequest = { model: 'm', messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] };
const parse = (value: unknown): ProviderConfig => providerConfigSchema.parse(value);

test('builds every configured provider by name and type', () => {
  const providers = createProviders(
    {
      openai: parse({ type: 'openai' }),
      claude: parse({ type: 'anthropic' }),
      local: parse({ type: 'openai-compatible', baseUrl: 'http://localhost:11434/v1' }),
      azure: parse({ type: 'azure-openai', baseUrl: 'https://r.openai.azure.com' }),
      mock: parse({ type: 'mock' }),
    },
    { transport },
  );
  assert.deepEqual([...providers].map(([name, provider]) => [name, provider.name, provider.type]), [
    ['openai', 'openai', 'openai'],
    ['claude', 'claude', 'anthropic'],
    ['local', 'local', 'openai-compatible'],
    ['azure', 'azure', 'azure-openai'],
    ['mock', 'mock', 'mock'],
  ]);
  assert.equal(providers.get('claude')!.embeddings, undefined);
});

test('keys come from config first, then from the env record', async () => {
  const providers = createProviders(
    {
      fromEnv: parse({ type: 'openai', baseUrl: openaiUpstream.url }),
      fromConfig: parse({ type: 'openai', baseUrl: openaiUpstream.url, apiKey: 'sk-config' }),
      claude: parse({ type: 'anthropic', baseUrl: anthropicUpstream.url }),
      azure: parse({ type: 'azure-openai', baseUrl: openaiUpstream.origin }),
    },
    { transport, env: { OPENAI_API_KEY: 'sk-env', ANTHROPIC_API_KEY: 'sk-ant-env', AZURE_OPENAI_API_KEY: 'az-env' } },
  );
  await providers.get('fromEnv')!.chat().generate(hello);
  assert.equal(openaiUpstream.requests.at(-1)!.headers.authorization, 'Bearer sk-env');
  await providers.get('fromConfig')!.chat().generate(hello);
  assert.equal(openaiUpstream.requests.at(-1)!.headers.authorization, 'Bearer sk-config');
  await providers.get('claude')!.chat().generate(hello);
  assert.equal(anthropicUpstream.requests.at(-1)!.headers['x-api-key'], 'sk-ant-env');
  await providers.get('azure')!.chat().generate(hello);
  assert.equal(openaiUpstream.requests.at(-1)!.headers['api-key'], 'az-env');
});

test('an OpenAI-compatible server never receives OPENAI_API_KEY from the environment', async () => {
  const providers = createProviders({ local: parse({ type: 'openai-compatible', baseUrl: openaiUpstream.url }) }, { transport, env: { OPENAI_API_KEY: 'sk-env' } });
  await providers.get('local')!.chat().generate(hello);
  assert.equal(openaiUpstream.requests.at(-1)!.headers.authorization, undefined);
});

test('a provider without a key is built, and fails when called with a config error', async () => {
  const providers = createProviders(
    { openai: parse({ type: 'openai', baseUrl: openaiUpstream.url }), azure: parse({ type: 'azure-openai', baseUrl: openaiUpstream.origin }) },
    { transport, env: { OPENAI_API_KEY: '' } },
  );
  await assert.rejects(providers.get('openai')!.chat().generate(hello), {
    kind: 'config',
    message: "Provider 'openai' has no API key: set OPENAI_API_KEY or providers.openai.apiKey in operon.yaml",
  });
  await assert.rejects(providers.get('azure')!.chat().stream(hello), { kind: 'config', message: /set AZURE_OPENAI_API_KEY or providers\.azure\.apiKey/ });
});

test('the mock provider runs its configured script and takes created from the clock', async () => {
  const providers = createProviders(
    { mock: parse({ type: 'mock', script: [{ reply: { text: 'scripted' } }] }) },
    { clock: { now: () => 5_000, monotonic: () => 0, sleep: async () => {} } },
  );
  const result = await providers.get('mock')!.chat().generate(hello);
  assert.equal(result.choices[0]!.message.content, 'scripted');
  assert.equal(result.created, 5);
});

test('a bad mock script in config fails when the providers are built', () => {
  assert.throws(() => createProviders({ mock: parse({ type: 'mock', script: [{ reply: { txt: 'typo' } }] }) }), {
    kind: 'config',
    message: /providers\.mock\.script\[0\]\.reply: Unrecognized key: "txt"/,
  });
});
