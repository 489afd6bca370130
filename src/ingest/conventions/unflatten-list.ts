import { setOwn } from '../set-own.ts';

/**
 * Reassembles a list that a convention flattened into indexed attribute keys, as OpenInference does
 * (`llm.input_messages.0.message.role`, `llm.input_messages.0.message.tool_calls.1.tool_call.id`, …) and
 * OpenLLMetry (`gen_ai.prompt.0.content`). Each dot is one level; numeric levels become arrays (in
 * index order, holes closed).
 *
 * @example
 * unflattenList({ 'llm.input_messages.0.message.role': 'user' }, 'llm.input_messages')
 * // → [{ message: { role: 'user' } }]
 */
export function unflattenList(attributes: Record<string, unknown>, prefix: string): unknown[] | undefined {
  const head = `${prefix}.`;
  let root: PathNode | undefined;
  for (const key in attributes) {
    if (!key.startsWith(head) || key.length === head.length) continue;
    root ??= new Map();
    insert(root, key.slice(head.length).split('.'), attributes[key]);
  }
  if (root === undefined) return undefined;
  const built = build(root);
  return Array.isArray(built) ? built : undefined;
}

/** Interior nodes are Maps (no prototype to trip over); leaves are wrapped so a Map value is never ambiguous. */
type PathNode = Map<string, PathNode | Leaf>;
interface Leaf {
  leaf: unknown;
}

function insert(root: PathNode, segments: string[], value: unknown): void {
  let node = root;
  for (let index = 0; index < segments.length - 1; index++) {
    const segment = segments[index]!;
    let child = node.get(segment);
    if (child === undefined) {
      child = new Map();
      node.set(segment, child);
    } else if (!(child instanceof Map)) {
      return; // `a.b` is already a value; `a.b.c` cannot also hang below it
    }
    node = child;
  }
  const last = segments[segments.length - 1]!;
  if (!node.has(last)) node.set(last, { leaf: value });
}

function build(node: PathNode | Leaf): unknown {
  if (!(node instanceof Map)) return node.leaf;
  let numeric = true;
  for (const key of node.keys()) {
    if (!/^\d+$/.test(key)) {
      numeric = false;
      break;
    }
  }
  if (numeric) {
    return [...node.entries()]
      .sort(([left], [right]) => Number(left) - Number(right))
      .map(([, child]) => build(child));
  }
  const record: Record<string, unknown> = {};
  for (const [key, child] of node) setOwn(record, key, build(child));
  return record;
}
