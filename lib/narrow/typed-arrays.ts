/** A typed array twice as long, holding `a` at its start. */
export function doubled<T extends Uint32Array | Int32Array | Uint8Array | Float64Array>(a: T): T {
  const b = new (a.constructor as new (n: number) => T)(a.length * 2);
  b.set(a);
  return b;
}

/** Numbers (line numbers, ids) added one by one, in an array that grows. */
export class IntList {
  count = 0;
  items = new Int32Array(1024);

  add(n: number): void {
    if (this.count === this.items.length) this.items = doubled(this.items);
    this.items[this.count++] = n;
  }

  /** The numbers added, as an array of their own. */
  toArray(): Int32Array {
    return this.items.slice(0, this.count);
  }
}
