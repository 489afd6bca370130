import { setOwn } from '../set-own.ts';

/**
 * What the conventions found on one span, filled in precedence order: each convention reads a fact
 * only while it is still unknown (`facts.provider ??= …`), so the first, highest-ranked convention to
 * know it wins and the lower ones skip the work. Tags are united; metadata keys, like the other facts,
 * go to the first convention that sets them.
 */
export class SpanFacts {
  provider: string | undefined = undefined;
  operation: string | undefined = undefined;
  modelRequested: string | undefined = undefined;
  modelUsed: string | undefined = undefined;
  inputTokens: number | undefined = undefined;
  outputTokens: number | undefined = undefined;
  costUsd: number | undefined = undefined;
  timeToFirstTokenMs: number | undefined = undefined;
  input: unknown = undefined;
  output: unknown = undefined;
  sessionId: string | undefined = undefined;
  userId: string | undefined = undefined;
  release: string | undefined = undefined;
  environment: string | undefined = undefined;
  readonly tags: string[] = [];
  readonly metadata: Record<string, unknown> = {};

  addTags(tags: string[] | undefined): void {
    if (tags === undefined) return;
    for (const tag of tags) if (!this.tags.includes(tag)) this.tags.push(tag);
  }

  /** Adds the keys not set yet (a higher-ranked convention already had its say). */
  addMetadata(metadata: Record<string, unknown> | undefined): void {
    if (metadata === undefined) return;
    for (const key of Object.keys(metadata)) {
      if (!Object.hasOwn(this.metadata, key)) setOwn(this.metadata, key, metadata[key]);
    }
  }
}
