import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ingestRecorded } from '../otlp/__fixtures__/export-spans.ts';

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const T = NOW - 60_000;

/** Attribute names and shapes as the OpenInference OpenAI instrumentation writes them for a chat call with a tool round-trip. */
const llmAttributes = {
  'openinference.span.kind': 'LLM',
  'llm.system': 'openai',
  'llm.provider': 'azure',
  'llm.model_name': 'gpt-4o-mini-2024-07-18',
  'llm.invocation_parameters': '{"model": "gpt-4o-mini", "temperature": 0}',
  'input.value': '{"messages": [{"role": "user", "content": "Weather in Paris?"}], "model": "gpt-4o-mini"}',
  'input.mime_type': 'application/json',
  'output.value': '{"id": "chatcmpl-1", "object": "chat.completion"}',
  'output.mime_type': 'application/json',
  'llm.input_messages.0.message.role': 'system',
  'llm.input_messages.0.message.content': 'You are a weather bot.',
  'llm.input_messages.1.message.role': 'user',
  'llm.input_messages.1.message.content': 'Weather in Paris?',
  'llm.input_messages.2.message.role': 'assistant',
  'llm.input_messages.2.message.tool_calls.0.tool_call.id': 'call_62136355',
  'llm.input_messages.2.message.tool_calls.0.tool_call.function.name': 'get_weather',
  'llm.input_messages.2.message.tool_calls.0.tool_call.function.arguments': '{"city": "Paris"}',
  'llm.input_messages.3.message.role': 'tool',
  'llm.input_messages.3.message.content': '{"temperature": 14}',
  'llm.input_messages.3.message.tool_call_id': 'call_62136355',
  'llm.input_messages.3.message.name': 'get_weather',
  'llm.output_messages.0.message.role': 'assistant',
  'llm.output_messages.0.message.content': 'It is 14°C in Paris.',
  'llm.token_count.prompt': 52,
  'llm.token_count.completion': 9,
  'llm.token_count.total': 61,
  'llm.cost.total': 0.0000133,
  'session.id': '26bcd3d2-cad2-443d-a23c-625e47f3324a',
  'user.id': '9328ae73-7141-4f45-a044-8e06192aa465',
  metadata: '{"tenant": "acme", "tier": 2}',
  'tag.tags': ['weather', 'prod'],
};

describe('OpenInference spans', () => {
  const spans = ingestRecorded(
    [
      {
        name: 'agent run',
        startTime: T,
        endTime: T + 500,
        attributes: {
          'openinference.span.kind': 'CHAIN',
          'input.value': '{"question": "Weather in Paris?"}',
          'output.value': 'It is 14°C in Paris.',
          'output.mime_type': 'text/plain',
        },
        children: [
          { name: 'ChatCompletion', startTime: T + 10, endTime: T + 300, attributes: llmAttributes },
          {
            name: 'retrieve',
            startTime: T + 300,
            endTime: T + 350,
            attributes: {
              'openinference.span.kind': 'RETRIEVER',
              'input.value': 'paris weather',
              'retrieval.documents.0.document.id': 'doc-1',
              'retrieval.documents.0.document.content': 'Paris is rainy in spring.',
              'retrieval.documents.0.document.score': 0.91,
              'retrieval.documents.1.document.id': 'doc-2',
              'retrieval.documents.1.document.content': 'Bring an umbrella.',
              'retrieval.documents.1.document.score': 0.72,
            },
          },
          {
            name: 'describe image',
            startTime: T + 350,
            endTime: T + 400,
            attributes: {
              'openinference.span.kind': 'llm',
              'llm.model_name': 'gpt-4o',
              'llm.input_messages.0.message.role': 'user',
              'llm.input_messages.0.message.contents.0.message_content.type': 'text',
              'llm.input_messages.0.message.contents.0.message_content.text': 'What is in this picture?',
              'llm.input_messages.0.message.contents.1.message_content.type': 'image',
              'llm.input_messages.0.message.contents.1.message_content.image.image.url': 'https://example.com/cat.png',
            },
          },
          {
            name: 'embed',
            startTime: T + 400,
            endTime: T + 410,
            attributes: { 'openinference.span.kind': 'EMBEDDING', 'embedding.model_name': 'text-embedding-3-small' },
          },
        ],
      },
    ],
    NOW,
  );

  it('maps an LLM span: kind, provider, model, tokens, cost, session, user, tags, metadata', () => {
    const llm = spans.get('ChatCompletion');
    assert.equal(llm.kind, 'generation');
    assert.equal(llm.provider, 'azure'); // llm.provider (the host) before llm.system (the product)
    assert.equal(llm.modelRequested, 'gpt-4o-mini-2024-07-18');
    assert.equal(llm.modelUsed, 'gpt-4o-mini-2024-07-18');
    assert.equal(llm.inputTokens, 52);
    assert.equal(llm.outputTokens, 9);
    assert.equal(llm.costUsd, 0.0000133);
    assert.equal(llm.sessionId, '26bcd3d2-cad2-443d-a23c-625e47f3324a');
    assert.equal(llm.userId, '9328ae73-7141-4f45-a044-8e06192aa465');
    assert.deepEqual(llm.tags, ['weather', 'prod']);
    assert.deepEqual(llm.metadata, { tenant: 'acme', tier: 2 });
    assert.equal(llm.operation, null);
  });

  it('reassembles the flattened messages, tool calls included, in the chat shape', () => {
    const llm = spans.get('ChatCompletion');
    assert.deepEqual(llm.input, [
      { role: 'system', content: 'You are a weather bot.' },
      { role: 'user', content: 'Weather in Paris?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_62136355', type: 'function', function: { name: 'get_weather', arguments: '{"city": "Paris"}' } }],
      },
      { role: 'tool', content: '{"temperature": 14}', tool_call_id: 'call_62136355', name: 'get_weather' },
    ]);
    assert.deepEqual(llm.output, [{ role: 'assistant', content: 'It is 14°C in Paris.' }]);
    // The flattened attributes stay as they came.
    assert.equal(llm.attributes['llm.input_messages.1.message.content'], 'Weather in Paris?');
  });

  it('keeps multimodal message contents as parts', () => {
    const image = spans.get('describe image');
    assert.equal(image.kind, 'generation'); // kind values are read case-insensitively
    assert.deepEqual(image.input, [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is in this picture?' },
          { type: 'image', image: { image: { url: 'https://example.com/cat.png' } } },
        ],
      },
    ]);
  });

  it('parses input.value as JSON when it is JSON and keeps text/plain output as text', () => {
    const chain = spans.get('agent run');
    assert.equal(chain.kind, 'chain');
    assert.deepEqual(chain.input, { question: 'Weather in Paris?' });
    assert.equal(chain.output, 'It is 14°C in Paris.');
  });

  it('maps retrievers and embeddings, with the documents as the retriever output', () => {
    const retrieve = spans.get('retrieve');
    assert.equal(retrieve.kind, 'retrieval');
    assert.equal(retrieve.input, 'paris weather');
    assert.deepEqual(retrieve.output, [
      { id: 'doc-1', content: 'Paris is rainy in spring.', score: 0.91 },
      { id: 'doc-2', content: 'Bring an umbrella.', score: 0.72 },
    ]);
    const embed = spans.get('embed');
    assert.equal(embed.kind, 'embedding');
    assert.equal(embed.modelUsed, 'text-embedding-3-small');
  });
});
