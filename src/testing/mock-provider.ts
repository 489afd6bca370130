/**
 * The mock provider, for users of `operon/testing`. It lives in `src/providers/mock/` so that the provider
 * registry (which serves `type: mock` from operon.yaml) does not import from `testing/`.
 */
export { createMockProvider, splitText, type MockCall, type MockProvider, type MockProviderOptions } from '../providers/mock/mock-provider.ts';
export { mockScriptEntrySchema, parseMockScript, type MockScriptEntry } from '../providers/mock/mock-script.ts';
