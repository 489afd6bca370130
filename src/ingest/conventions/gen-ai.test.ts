import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ingestRecorded } from '../otlp/__fixtures__/export-spans.ts';

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const T = NOW - 60_000;

// Message shapes from the conventions' JSON schemas (docs/gen-ai/gen-ai-input-messages.json, …).
const inputMessages = [
  { role: 'user', parts: [{ type: 'text', content: 'Weather in Paris?' }] },
  { role: 'assistant', parts: [{ type: 'tool_call', id: 'call_VSPygqKTWdrhaFErNvMV18Yl', name: 'get_weather', arguments: { location: 'Paris' } }] },
  { role: 'tool', parts: [{ type: 'tool_call_response', id: 'call_VSPygqKTWdrhaFErNvMV18Yl', result: 'rainy, 57°F' }] },
];
const outputMessages = [
  { role: 'assistant', parts: [{ type: 'text', content: 'The weather in Paris is currently rainy with a temperature of 57°F.' }], finish_reason: 'stop' },
];
const systemInstructions = [{ type: 'text', content: 'You are a helpful weather assistant.' }];

describe('OpenTelemetry GenAI spans (current conventions)', () => {
  const spans = ingestRecorded(
    [
      {
        name: 'invoke_agent Weather',
        startTime: T,
        endTime: T + 2_000,
        attributes: {
          'gen_ai.operation.name': 'invoke_agent',
          'gen_ai.provider.name': 'openai',
          'gen_ai.agent.name': 'Weather',
          'gen_ai.conversation.id': 'conv_5j66UpCpwteGg4YSxUnt7lPY',
        },
        children: [
          {
            name: 'chat gpt-4o',
            startTime: T + 10,
            endTime: T + 900,
            attributes: {
              'gen_ai.operation.name': 'chat',
              'gen_ai.provider.name': 'openai',
              'gen_ai.request.model': 'gpt-4o',
              'gen_ai.response.model': 'gpt-4o-2024-08-06',
              'gen_ai.response.id': 'chatcmpl-123',
              'gen_ai.response.finish_reasons': ['stop'],
              'gen_ai.usage.input_tokens': 97,
              'gen_ai.usage.output_tokens': 52,
              'gen_ai.request.temperature': 0.2,
              'gen_ai.response.time_to_first_chunk': 0.25,
              'gen_ai.conversation.id': 'conv_5j66UpCpwteGg4YSxUnt7lPY',
              'gen_ai.input.messages': JSON.stringify(inputMessages),
              'gen_ai.output.messages': JSON.stringify(outputMessages),
              'gen_ai.system_instructions': JSON.stringify(systemInstructions),
              'server.address': 'api.openai.com',
            },
          },
          {
            name: 'execute_tool get_weather',
            startTime: T + 900,
            endTime: T + 950,
            attributes: {
              'gen_ai.operation.name': 'execute_tool',
              'gen_ai.tool.name': 'get_weather',
              'gen_ai.tool.call.id': 'call_VSPygqKTWdrhaFErNvMV18Yl',
              'gen_ai.tool.call.arguments': '{"location": "Paris"}',
              'gen_ai.tool.call.result': '{"temperature": 57, "conditions": "rainy"}',
            },
          },
          {
            name: 'embeddings text-embedding-3-small',
            startTime: T + 950,
            endTime: T + 990,
            attributes: {
              'gen_ai.operation.name': 'embeddings',
              'gen_ai.provider.name': 'openai',
              'gen_ai.request.model': 'text-embedding-3-small',
              'gen_ai.usage.input_tokens': 8,
            },
          },
        ],
      },
    ],
    NOW,
  );

  it('maps a chat span: kind, operation, provider, models, tokens, time to first chunk, conversation', () => {
    const chat = spans.get('chat gpt-4o');
    assert.equal(chat.kind, 'generation');
    assert.equal(chat.operation, 'chat');
    assert.equal(chat.provider, 'openai');
    assert.equal(chat.modelRequested, 'gpt-4o');
    assert.equal(chat.modelUsed, 'gpt-4o-2024-08-06');
    assert.equal(chat.inputTokens, 97);
    assert.equal(chat.outputTokens, 52);
    assert.equal(chat.timeToFirstTokenMs, 250);
    assert.equal(chat.sessionId, 'conv_5j66UpCpwteGg4YSxUnt7lPY');
    assert.equal(chat.costUsd, null);
  });

  it('parses gen_ai.input.messages, with the system instructions first, and gen_ai.output.messages', () => {
    const chat = spans.get('chat gpt-4o');
    assert.deepEqual(chat.input, [{ role: 'system', parts: systemInstructions }, ...inputMessages]);
    assert.deepEqual(chat.output, outputMessages);
  });

  it('maps agent, tool and embedding operations', () => {
    const agent = spans.get('invoke_agent Weather');
    assert.equal(agent.kind, 'agent');
    assert.equal(agent.operation, 'invoke_agent');
    const tool = spans.get('execute_tool get_weather');
    assert.equal(tool.kind, 'tool');
    assert.deepEqual(tool.input, { location: 'Paris' });
    assert.deepEqual(tool.output, { temperature: 57, conditions: 'rainy' });
    assert.equal(tool.parentSpanId, agent.spanId);
    const embedding = spans.get('embeddings text-embedding-3-small');
    assert.equal(embedding.kind, 'embedding');
    assert.equal(embedding.inputTokens, 8);
  });
});

describe('OpenTelemetry GenAI spans (deprecated attributes and span events)', () => {
  const prompt = [{ role: 'user', content: 'Say hi' }];
  const completion = [{ role: 'assistant', content: 'Hi!' }];
  const spans = ingestRecorded(
    [
      {
        name: 'openai.chat',
        startTime: T,
        endTime: T + 400,
        attributes: {
          'gen_ai.system': 'openai',
          'gen_ai.request.model': 'gpt-3.5-turbo',
          'gen_ai.response.model': 'gpt-3.5-turbo-0125',
          'gen_ai.usage.prompt_tokens': 9,
          'gen_ai.usage.completion_tokens': 3,
        },
        events: [
          { name: 'gen_ai.content.prompt', time: T + 1, attributes: { 'gen_ai.prompt': JSON.stringify(prompt) } },
          { name: 'gen_ai.content.completion', time: T + 399, attributes: { 'gen_ai.completion': JSON.stringify(completion) } },
        ],
      },
      {
        name: 'chat per-message events',
        startTime: T,
        endTime: T + 400,
        attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.system': 'az.ai.inference', 'gen_ai.request.model': 'mistral-large' },
        events: [
          { name: 'gen_ai.system.message', time: T + 1, attributes: { 'gen_ai.system': 'az.ai.inference', content: 'Be brief.' } },
          { name: 'gen_ai.user.message', time: T + 2, attributes: { 'gen_ai.event.content': '{"role": "user", "content": "What is OTel?"}' } },
          {
            name: 'gen_ai.choice',
            time: T + 399,
            attributes: { 'gen_ai.event.content': '{"message": {"content": "Observability."}, "finish_reason": "stop", "index": 0}' },
          },
        ],
      },
    ],
    NOW,
  );

  it('reads gen_ai.system, the *_tokens counts and the prompt/completion events of older instrumentations', () => {
    const span = spans.get('openai.chat');
    assert.equal(span.kind, 'generation'); // no operation name: guessed from the model and tokens
    assert.equal(span.provider, 'openai');
    assert.equal(span.modelUsed, 'gpt-3.5-turbo-0125');
    assert.equal(span.inputTokens, 9);
    assert.equal(span.outputTokens, 3);
    assert.deepEqual(span.input, prompt);
    assert.deepEqual(span.output, completion);
    assert.equal(span.events.length, 2);
  });

  it('collects one-event-per-message prompts and choices into messages', () => {
    const span = spans.get('chat per-message events');
    assert.equal(span.provider, 'az.ai.inference');
    assert.deepEqual(span.input, [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'What is OTel?' },
    ]);
    assert.deepEqual(span.output, [{ role: 'assistant', content: 'Observability.', finish_reason: 'stop' }]);
  });
});
