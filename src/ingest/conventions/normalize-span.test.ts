import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RawSpan } from '../raw-span.ts';
import { normalizeSpan } from './normalize-span.ts';

function raw(attributes: Record<string, unknown>, resource: Record<string, unknown> = {}, extra: Partial<RawSpan> = {}): RawSpan {
  return {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    parentSpanId: null,
    name: 'span',
    startedAt: 1_767_225_600_000,
    endedAt: 1_767_225_600_010,
    statusCode: 0,
    statusMessage: '',
    attributes,
    events: [],
    resource: { attributes: resource, truncated: false },
    scope: null,
    truncated: false,
    ...extra,
  };
}

describe('normalizeSpan: precedence between conventions', () => {
  it('takes the kind from operon, then OpenInference, then GenAI, then the AI SDK, then a guess', () => {
    const all = {
      'operon.span.kind': 'evaluator',
      'openinference.span.kind': 'RETRIEVER',
      'gen_ai.operation.name': 'execute_tool',
      'ai.operationId': 'ai.embed.doEmbed',
      'gen_ai.request.model': 'some-model',
    };
    const without = (...keys: string[]) => Object.fromEntries(Object.entries(all).filter(([key]) => !keys.includes(key)));
    assert.equal(normalizeSpan(raw(all)).kind, 'evaluator');
    assert.equal(normalizeSpan(raw(without('operon.span.kind'))).kind, 'retrieval');
    assert.equal(normalizeSpan(raw(without('operon.span.kind', 'openinference.span.kind'))).kind, 'tool');
    assert.equal(normalizeSpan(raw(without('operon.span.kind', 'openinference.span.kind', 'gen_ai.operation.name'))).kind, 'embedding');
    assert.equal(normalizeSpan(raw({ 'gen_ai.request.model': 'some-model' })).kind, 'generation');
    assert.equal(normalizeSpan(raw({ 'gen_ai.tool.name': 'search' })).kind, 'tool');
    assert.equal(normalizeSpan(raw({ 'http.method': 'GET' })).kind, 'other');
    assert.equal(normalizeSpan(raw({ 'gen_ai.operation.name': 'something_new' })).kind, 'other');
    // Names of Object.prototype members are values like any other, not lookups into it.
    assert.equal(normalizeSpan(raw({ 'gen_ai.operation.name': 'constructor', 'ai.operationId': 'toString' })).kind, 'other');
  });

  it('takes other facts from GenAI, then OpenInference, then the AI SDK, then deprecated GenAI', () => {
    const span = normalizeSpan(
      raw({
        'gen_ai.provider.name': 'aws.bedrock',
        'llm.provider': 'azure',
        'ai.model.provider': 'openai.chat',
        'gen_ai.system': 'openai',
        'gen_ai.usage.input_tokens': '12', // a string, as some senders do
        'llm.token_count.prompt': 13,
        'ai.usage.inputTokens': 14,
        'gen_ai.usage.prompt_tokens': 15,
        'llm.token_count.completion': 7,
        'gen_ai.usage.completion_tokens': 8,
        'llm.model_name': 'from-openinference',
        'ai.model.id': 'from-ai-sdk',
      }),
    );
    assert.equal(span.provider, 'aws.bedrock');
    assert.equal(span.inputTokens, 12);
    assert.equal(span.outputTokens, 7);
    assert.equal(span.modelRequested, 'from-openinference');
    assert.equal(normalizeSpan(raw({ 'ai.model.provider': 'openai.chat', 'gen_ai.system': 'openai.chat' })).provider, 'openai');
    assert.equal(normalizeSpan(raw({ 'gen_ai.system': 'cohere' })).provider, 'cohere');
  });

  it('merges metadata with the higher-ranked convention winning a key, keeping __proto__ as data', () => {
    const span = normalizeSpan(
      raw({
        'operon.metadata.plan': 'pro',
        metadata: '{"plan":"free","region":"eu","__proto__":{"polluted":true}}',
        'ai.model.provider': 'openai.chat',
        'ai.telemetry.metadata.region': 'us',
        'ai.telemetry.metadata.team': 'growth',
      }),
    );
    assert.deepEqual(Object.keys(span.metadata).sort(), ['__proto__', 'plan', 'region', 'team']);
    assert.equal(span.metadata['plan'], 'pro');
    assert.equal(span.metadata['region'], 'eu');
    assert.equal(span.metadata['team'], 'growth');
    assert.equal(Object.getPrototypeOf(span.metadata), Object.prototype);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('reads release and environment from the span before the resource', () => {
    const resource = { 'service.version': '1.0.0', 'deployment.environment.name': 'prod', 'operon.release': 'r-resource' };
    assert.equal(normalizeSpan(raw({}, resource)).release, 'r-resource');
    assert.equal(normalizeSpan(raw({ 'operon.release': 'r-span' }, resource)).release, 'r-span');
    assert.equal(normalizeSpan(raw({}, { 'service.version': '1.0.0' })).release, '1.0.0');
    assert.equal(normalizeSpan(raw({}, resource)).environment, 'prod');
    assert.equal(normalizeSpan(raw({ 'operon.environment': 'dev' }, resource)).environment, 'dev');
    assert.equal(normalizeSpan(raw({}, {})).environment, null);
  });

  it('maps the OTLP status code and leaves unknown facts null', () => {
    assert.equal(normalizeSpan(raw({}, {}, { statusCode: 1 })).status, 'ok');
    assert.equal(normalizeSpan(raw({}, {}, { statusCode: 2, statusMessage: 'boom' })).statusMessage, 'boom');
    assert.equal(normalizeSpan(raw({}, {}, { statusCode: 9 })).status, 'unset');
    const empty = normalizeSpan(raw({}));
    assert.deepEqual(
      [empty.provider, empty.operation, empty.modelUsed, empty.costUsd, empty.input, empty.output, empty.sessionId, empty.serviceName],
      [null, null, null, null, null, null, null, null],
    );
    assert.deepEqual(empty.tags, []);
    assert.deepEqual(empty.metadata, {});
  });

  it('reassembles the flattened gen_ai.prompt.N / gen_ai.completion.N lists of OpenLLMetry', () => {
    const span = normalizeSpan(
      raw({
        'gen_ai.system': 'Anthropic',
        'gen_ai.prompt.0.role': 'user',
        'gen_ai.prompt.0.content': 'Hi',
        'gen_ai.completion.0.role': 'assistant',
        'gen_ai.completion.0.content': 'Hello!',
        'gen_ai.completion.0.finish_reason': 'end_turn',
      }),
    );
    assert.deepEqual(span.input, [{ role: 'user', content: 'Hi' }]);
    assert.deepEqual(span.output, [{ role: 'assistant', content: 'Hello!', finish_reason: 'end_turn' }]);
  });

  it('parses JSON-looking input only when it parses, and honours a text/plain mime type', () => {
    assert.deepEqual(normalizeSpan(raw({ 'input.value': ' [1, 2]' })).input, [1, 2]);
    assert.equal(normalizeSpan(raw({ 'input.value': '{"cut": "by the lim' })).input, '{"cut": "by the lim');
    assert.equal(normalizeSpan(raw({ 'input.value': '{"a":1}', 'input.mime_type': 'text/plain' })).input, '{"a":1}');
    assert.equal(normalizeSpan(raw({ 'input.value': '"quoted"', 'input.mime_type': 'application/json' })).input, 'quoted');
  });
});
