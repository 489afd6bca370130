import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ingestRecorded } from '../otlp/__fixtures__/export-spans.ts';

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const T = NOW - 60_000;

// Attribute sets as AI SDK 6 records them (after the recorded spans in Arize-ai/openinference,
// js/packages/openinference-vercel/test/__fixtures__/v6-spans/), for a generateText call that used a tool.
const common = {
  'ai.telemetry.functionId': 'weather-chat',
  'ai.model.provider': 'openai.responses',
  'ai.model.id': 'gpt-4o-mini',
  'ai.settings.maxRetries': 2,
  'ai.telemetry.metadata.sessionId': 'session-42',
  'ai.telemetry.metadata.userId': 'user-7',
  'ai.telemetry.metadata.tags': ['weather', 'beta'],
  'ai.telemetry.metadata.tenant': 'acme',
  'ai.request.headers.user-agent': 'ai/6.0.68',
};
const toolCalls = [{ toolCallId: 'call_1', toolName: 'getWeather', input: '{"city":"Paris"}' }];

describe('Vercel AI SDK spans', () => {
  const spans = ingestRecorded(
    [
      {
        name: 'ai.generateText',
        startTime: T,
        endTime: T + 3_000,
        attributes: {
          ...common,
          'operation.name': 'ai.generateText weather-chat',
          'ai.operationId': 'ai.generateText',
          'ai.prompt': '{"system":"You are a weather bot.","prompt":"Weather in Paris?"}',
          'ai.response.finishReason': 'stop',
          'ai.response.text': 'It is 14°C in Paris.',
          'ai.usage.inputTokens': 120,
          'ai.usage.outputTokens': 30,
        },
        children: [
          {
            name: 'ai.generateText.doGenerate',
            startTime: T + 10,
            endTime: T + 1_000,
            attributes: {
              ...common,
              'operation.name': 'ai.generateText.doGenerate weather-chat',
              'ai.operationId': 'ai.generateText.doGenerate',
              'ai.prompt.messages':
                '[{"role":"system","content":"You are a weather bot."},{"role":"user","content":[{"type":"text","text":"Weather in Paris?"}]}]',
              'gen_ai.system': 'openai.responses',
              'gen_ai.request.model': 'gpt-4o-mini',
              'ai.response.finishReason': 'tool-calls',
              'ai.response.toolCalls': JSON.stringify(toolCalls),
              'ai.response.id': 'resp_01',
              'ai.response.model': 'gpt-4o-mini-2024-07-18',
              'ai.usage.promptTokens': 70,
              'ai.usage.completionTokens': 18,
              'gen_ai.response.finish_reasons': ['tool-calls'],
              'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
              'gen_ai.usage.input_tokens': 70,
              'gen_ai.usage.output_tokens': 18,
            },
          },
          {
            name: 'ai.toolCall',
            startTime: T + 1_000,
            endTime: T + 1_200,
            attributes: {
              'operation.name': 'ai.toolCall weather-chat',
              'ai.operationId': 'ai.toolCall',
              'ai.toolCall.name': 'getWeather',
              'ai.toolCall.id': 'call_1',
              'ai.toolCall.args': '{"city":"Paris"}',
              'ai.toolCall.result': '{"temperature":14}',
            },
          },
          {
            name: 'ai.generateText.doGenerate',
            startTime: T + 1_200,
            endTime: T + 2_900,
            attributes: {
              ...common,
              'ai.operationId': 'ai.generateText.doGenerate',
              'ai.prompt.messages': '[{"role":"user","content":"Weather in Paris?"}]',
              'ai.response.text': 'It is 14°C in Paris.',
              'ai.usage.inputTokens': 50,
              'ai.usage.outputTokens': 12,
            },
          },
        ],
      },
      {
        name: 'ai.streamText.doStream',
        startTime: T,
        endTime: T + 5_386,
        attributes: {
          'ai.operationId': 'ai.streamText.doStream',
          'ai.model.provider': 'anthropic.messages',
          'ai.model.id': 'claude-sonnet-4-5',
          'ai.prompt.messages': '[{"role":"user","content":[{"type":"text","text":"Write a short poem about TypeScript."}]}]',
          'ai.response.msToFirstChunk': 426.85,
          'ai.response.text': 'Types align...',
          'ai.usage.inputTokens': 15,
          'ai.usage.outputTokens': 112,
          'ai.usage.totalTokens': 127,
        },
        events: [{ name: 'ai.stream.firstChunk', time: T + 427, attributes: { 'ai.response.msToFirstChunk': 426.85 } }],
      },
      {
        name: 'ai.embed.doEmbed',
        startTime: T,
        endTime: T + 80,
        attributes: {
          'ai.operationId': 'ai.embed.doEmbed',
          'ai.model.provider': 'openai.embedding',
          'ai.model.id': 'text-embedding-3-small',
          'ai.values': ['sunny day at the beach'],
          'ai.usage.tokens': 6,
        },
      },
    ],
    NOW,
  );
  const [firstStep, secondStep] = spans.all
    .filter((span) => span.name === 'ai.generateText.doGenerate')
    .sort((left, right) => left.startedAt - right.startedAt);

  it('makes generateText an agent and its doGenerate calls generations under it', () => {
    const outer = spans.get('ai.generateText');
    assert.equal(outer.kind, 'agent');
    assert.equal(firstStep!.kind, 'generation');
    assert.equal(firstStep!.parentSpanId, outer.spanId);
    assert.equal(spans.get('ai.toolCall').parentSpanId, outer.spanId);
  });

  it('reads provider, models and usage from a doGenerate call', () => {
    assert.equal(firstStep!.provider, 'openai'); // "openai.responses": provider, then its API
    assert.equal(firstStep!.modelRequested, 'gpt-4o-mini');
    assert.equal(firstStep!.modelUsed, 'gpt-4o-mini-2024-07-18');
    assert.equal(firstStep!.inputTokens, 70);
    assert.equal(firstStep!.outputTokens, 18);
    assert.equal(secondStep!.inputTokens, 50); // ai.usage.inputTokens, AI SDK 5+
    assert.equal(secondStep!.modelUsed, null);
  });

  it('parses the prompt messages and returns tool calls with the answer', () => {
    assert.deepEqual(firstStep!.input, [
      { role: 'system', content: 'You are a weather bot.' },
      { role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }] },
    ]);
    assert.deepEqual(firstStep!.output, { toolCalls });
    assert.equal(secondStep!.output, 'It is 14°C in Paris.');
    const outer = spans.get('ai.generateText');
    assert.deepEqual(outer.input, { system: 'You are a weather bot.', prompt: 'Weather in Paris?' });
    assert.equal(outer.output, 'It is 14°C in Paris.');
  });

  it('maps a tool call span with its arguments and result', () => {
    const tool = spans.get('ai.toolCall');
    assert.equal(tool.kind, 'tool');
    assert.deepEqual(tool.input, { city: 'Paris' });
    assert.deepEqual(tool.output, { temperature: 14 });
  });

  it('takes session, user, tags and metadata from ai.telemetry.metadata', () => {
    assert.equal(firstStep!.sessionId, 'session-42');
    assert.equal(firstStep!.userId, 'user-7');
    assert.deepEqual(firstStep!.tags, ['weather', 'beta']);
    assert.deepEqual(firstStep!.metadata, {
      sessionId: 'session-42',
      userId: 'user-7',
      tags: ['weather', 'beta'],
      tenant: 'acme',
    });
  });

  it('reads the time to first chunk of a stream and the usage of an embedding', () => {
    const stream = spans.get('ai.streamText.doStream');
    assert.equal(stream.kind, 'generation');
    assert.equal(stream.provider, 'anthropic');
    assert.equal(stream.timeToFirstTokenMs, 426.85);
    assert.equal(stream.outputTokens, 112);
    const embed = spans.get('ai.embed.doEmbed');
    assert.equal(embed.kind, 'embedding');
    assert.equal(embed.inputTokens, 6);
    assert.deepEqual(embed.input, ['sunny day at the beach']);
  });
});
