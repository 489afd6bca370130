/**
 * Sets `record[key]`, also when the key is `__proto__`: keys come from senders, and plain assignment
 * of that one would change the record's prototype instead of adding data.
 */
export function setOwn(record: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    record[key] = value;
  }
}
