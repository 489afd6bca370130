import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { unflattenList } from './unflatten-list.ts';

describe('unflattenList', () => {
  it('orders by numeric index, 10 after 9, and closes holes', () => {
    const attributes: Record<string, unknown> = {};
    for (const index of [10, 2, 9, 0]) attributes[`list.${index}.value`] = index;
    assert.deepEqual(unflattenList(attributes, 'list'), [{ value: 0 }, { value: 2 }, { value: 9 }, { value: 10 }]);
  });

  it('nests lists inside lists and ignores other prefixes', () => {
    assert.deepEqual(
      unflattenList(
        {
          'm.0.calls.1.id': 'b',
          'm.0.calls.0.id': 'a',
          'm.0.role': 'assistant',
          'mx.0.role': 'not mine',
          m: 'not a list item',
        },
        'm',
      ),
      [{ calls: [{ id: 'a' }, { id: 'b' }], role: 'assistant' }],
    );
    assert.equal(unflattenList({ other: 1 }, 'm'), undefined);
  });

  it('keeps __proto__ and constructor keys as data, never touching prototypes', () => {
    const list = unflattenList({ 'm.0.__proto__.polluted': 'yes', 'm.0.constructor.name': 'x' }, 'm') as Array<Record<string, unknown>>;
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.ok(Object.hasOwn(list[0]!, '__proto__'));
    assert.deepEqual(Object.getOwnPropertyDescriptor(list[0], '__proto__')?.value, { polluted: 'yes' });
    assert.deepEqual(list[0]!.constructor, { name: 'x' });
  });

  it('keeps the first of a value and a list hanging below the same key', () => {
    assert.deepEqual(unflattenList({ 'm.0.a': 1, 'm.0.a.b': 2 }, 'm'), [{ a: 1 }]);
  });
});
