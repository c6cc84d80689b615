/** A typed array twice as long, holding `a` at its start. */
export function doubled<T extends Uint32Array | Int32Array | Uint8Array>(a: T): T {
  const b = new (a.constructor as new (n: number) => T)(a.length * 2);
  b.set(a);
  return b;
}
