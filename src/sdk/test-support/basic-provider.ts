/** An application's own OTel tracer provider, recording span names, for the registration test. */
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';

export class BasicTracerProviderForTest extends TracerProvider {
  readonly #exporter: InMemorySpanExporter;

  constructor() {
    const exporter = new InMemorySpanExporter();
    super({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
    this.#exporter = exporter;
  }

  get names(): string[] {
    return this.#exporter.getFinishedSpans().map((span) => span.name);
  }
}
