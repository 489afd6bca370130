interface Node<Value> {
  key: string;
  value: Value;
  expiresAt: number;
  bytes: number;
  /** Towards the most recently used end. */
  newer: Node<Value> | undefined;
  /** Towards the least recently used end. */
  older: Node<Value> | undefined;
}

/**
 * An in-memory map bounded by entry count and by approximate size, evicting the least recently used
 * entry first, with a lifetime per entry. Recency is a doubly linked list beside the `Map`: evicting from
 * the front of a `Map` by iteration gets slow in V8 once many deleted slots pile up at its start.
 */
export class LruStore<Value> {
  readonly #entries = new Map<string, Node<Value>>();
  readonly #maxEntries: number;
  readonly #maxBytes: number;
  #newest: Node<Value> | undefined;
  #oldest: Node<Value> | undefined;
  #bytes = 0;
  #evictions = 0;

  constructor(limits: { maxEntries: number; maxBytes: number }) {
    this.#maxEntries = limits.maxEntries;
    this.#maxBytes = limits.maxBytes;
  }

  /** The live value under `key` at `now`, marked most recently used; an expired entry is dropped. */
  get(key: string, now: number): Value | undefined {
    const node = this.#entries.get(key);
    if (!node) return undefined;
    if (node.expiresAt <= now) {
      this.#remove(node);
      return undefined;
    }
    if (node !== this.#newest) {
      this.#unlink(node);
      this.#pushNewest(node);
    }
    return node.value;
  }

  /** Stores `value` until `expiresAt`; `bytes` is its approximate size. A value over the byte bound is not stored. */
  set(key: string, value: Value, expiresAt: number, bytes: number): void {
    if (bytes > this.#maxBytes) return;
    const existing = this.#entries.get(key);
    if (existing) this.#remove(existing);
    const node: Node<Value> = { key, value, expiresAt, bytes, newer: undefined, older: undefined };
    this.#entries.set(key, node);
    this.#pushNewest(node);
    this.#bytes += bytes;
    while ((this.#entries.size > this.#maxEntries || this.#bytes > this.#maxBytes) && this.#oldest) {
      this.#remove(this.#oldest);
      this.#evictions += 1;
    }
  }

  delete(key: string): boolean {
    const node = this.#entries.get(key);
    if (!node) return false;
    this.#remove(node);
    return true;
  }

  /** Removes every entry whose key starts with `prefix` (all of them without one). */
  clear(prefix?: string): void {
    if (prefix === undefined) {
      this.#entries.clear();
      this.#newest = undefined;
      this.#oldest = undefined;
      this.#bytes = 0;
      return;
    }
    for (const node of [...this.#entries.values()]) if (node.key.startsWith(prefix)) this.#remove(node);
  }

  get size(): number {
    return this.#entries.size;
  }

  get bytes(): number {
    return this.#bytes;
  }

  get evictions(): number {
    return this.#evictions;
  }

  #remove(node: Node<Value>): void {
    this.#entries.delete(node.key);
    this.#unlink(node);
    this.#bytes -= node.bytes;
  }

  #unlink(node: Node<Value>): void {
    if (node.newer) node.newer.older = node.older;
    else this.#newest = node.older;
    if (node.older) node.older.newer = node.newer;
    else this.#oldest = node.newer;
    node.newer = undefined;
    node.older = undefined;
  }

  #pushNewest(node: Node<Value>): void {
    node.older = this.#newest;
    if (this.#newest) this.#newest.newer = node;
    this.#newest = node;
    this.#oldest ??= node;
  }
}
