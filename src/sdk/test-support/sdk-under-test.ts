/**
 * One SDK client wired to a fresh fake receiver, as most SDK tests need it: OTLP/JSON so spans can be
 * read back, no global registration and no exit hooks (tests share one process), a recording logger.
 */
import type { TestContext } from 'node:test';
import { createOperon, type Operon, type OperonHandle } from '../operon-client.ts';
import type { OperonOptions } from '../sdk-options.ts';
import { FakeOperonReceiver, recordingLogger } from './fake-operon-receiver.ts';

export interface SdkUnderTest {
  operon: Operon;
  handle: OperonHandle;
  receiver: FakeOperonReceiver;
  logger: ReturnType<typeof recordingLogger>;
}

export async function startSdk(t: TestContext, overrides: Partial<OperonOptions> = {}): Promise<SdkUnderTest> {
  const receiver = await FakeOperonReceiver.start();
  const logger = recordingLogger();
  const handle = createOperon({
    baseUrl: receiver.baseUrl,
    apiKey: 'opk_test_key',
    protocol: 'http/json',
    registerGlobal: 'never',
    flushOnExit: false,
    flushIntervalMs: 60_000,
    logger,
    ...overrides,
  });
  t.after(async () => {
    await handle.operon.shutdown();
    await receiver.close();
  });
  return { operon: handle.operon, handle, receiver, logger };
}
