import { SPAN_KINDS, type SpanKind } from '../ingested-span.ts';
import type { RawSpan } from '../raw-span.ts';
import { collectPrefixed, readString, readStringList } from './read-attribute.ts';
import type { SpanFacts } from './span-facts.ts';

/**
 * What Operon's own SDK sets beside the GenAI and OpenInference attributes: an explicit
 * `operon.span.kind` (overrides any inference), `operon.tags`, `operon.metadata.<key>`,
 * `operon.release` and `operon.environment` (on the span or the resource), and the session and user
 * under `operon.*` or the common `session.id` / `user.id` (OpenInference) and `enduser.id` (OTel).
 */

const KINDS = new Set<string>(SPAN_KINDS);

export function operonKind(span: RawSpan): SpanKind | undefined {
  const kind = readString(span.attributes, 'operon.span.kind');
  return kind !== undefined && KINDS.has(kind) ? (kind as SpanKind) : undefined;
}

export function readOperon(span: RawSpan, facts: SpanFacts): void {
  const attributes = span.attributes;
  const resource = span.resource.attributes;
  facts.sessionId ??= readString(attributes, 'operon.session.id') ?? readString(attributes, 'session.id');
  facts.userId ??=
    readString(attributes, 'operon.user.id') ?? readString(attributes, 'user.id') ?? readString(attributes, 'enduser.id');
  facts.addTags(readStringList(attributes, 'operon.tags'));
  facts.addMetadata(collectPrefixed(attributes, 'operon.metadata.'));
  facts.release ??= readString(attributes, 'operon.release') ?? readString(resource, 'operon.release');
  facts.environment ??= readString(attributes, 'operon.environment') ?? readString(resource, 'operon.environment');
}
