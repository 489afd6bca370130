/**
 * `operon/testing`: what tests of Operon, and of code that calls it, need to run offline.
 *
 * - `createMockProvider`: a deterministic, scriptable provider (also `type: mock` in operon.yaml).
 * - `startFakeOpenAIUpstream` / `startFakeAnthropicUpstream`: local HTTP servers that speak each provider's
 *   real wire format, from recorded fixtures, and record what they received.
 *
 * @example
 * import { createMockProvider, startFakeOpenAIUpstream } from 'operon/testing';
 */
export { createMockProvider, mockScriptEntrySchema, parseMockScript, splitText } from './mock-provider.ts';
export type { MockCall, MockProvider, MockProviderOptions, MockScriptEntry } from './mock-provider.ts';
export { ANTHROPIC_FIXTURES, OPENAI_FIXTURES, startFakeAnthropicUpstream, startFakeOpenAIUpstream } from './fake-upstreams.ts';
export type { FakeBehavior, FakeUpstream, FakeUpstreamOptions, RecordedRequest } from './fake-upstreams.ts';
export { readFixtureText, splitEvents } from './fake-upstream-server.ts';
