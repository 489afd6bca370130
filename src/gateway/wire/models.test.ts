import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toOpenAIModelList } from './models.ts';

test('models are listed in the OpenAI list shape', () => {
  assert.deepEqual(toOpenAIModelList([{ id: 'smart', ownedBy: 'operon' }, { id: 'openai/gpt-4o-mini', ownedBy: 'openai' }]), {
    object: 'list',
    data: [
      { id: 'smart', object: 'model', created: 0, owned_by: 'operon' },
      { id: 'openai/gpt-4o-mini', object: 'model', created: 0, owned_by: 'openai' },
    ],
  });
  assert.deepEqual(toOpenAIModelList([]), { object: 'list', data: [] });
});
