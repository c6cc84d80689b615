/**
 * Ids for the names an input holds (chain names: byte ranges of the input, in a scope such as a
 * table), found again by their bytes — in this input or another — with no string made per name.
 * An open-addressing hash table over typed arrays; a hit is checked byte for byte.
 */
import { doubled } from './typed-arrays';

function hashBytes(bytes: Buffer, start: number, end: number, scope: number): number {
  let h = Math.imul(0x811c9dc5 ^ scope, 16777619);
  for (let i = start; i < end; i++) h = Math.imul(h ^ (bytes[i] as number), 16777619);
  return h;
}

export class NameTable {
  /** Names added. */
  count = 0;
  private slots: Int32Array;
  private starts: Uint32Array;
  private ends: Uint32Array;
  private scopes: Int32Array;

  /** `expected`: about how many names it will hold (room is made for them at once: growing rehashes every name). */
  constructor(
    readonly bytes: Buffer,
    expected = 1 << 11,
  ) {
    const room = 2 ** Math.ceil(Math.log2(Math.max(expected, 1 << 11)));
    this.slots = new Int32Array(room * 2);
    this.starts = new Uint32Array(room);
    this.ends = new Uint32Array(room);
    this.scopes = new Int32Array(room);
  }

  /** Its typed arrays (to move them to another thread). */
  arrays(): (Int32Array | Uint32Array)[] {
    return [this.slots, this.scopes, this.starts, this.ends];
  }

  /** The id of the name held by bytes [start, end) of `source` (this input or another) in `scope`, or -1. */
  find(source: Buffer, start: number, end: number, scope: number): number {
    return (this.slots[this.slotOf(source, start, end, scope)] as number) - 1;
  }

  /** The id of the name held by bytes [start, end) of this input in `scope`, added when new. */
  add(start: number, end: number, scope: number): number {
    if (this.count === this.starts.length) this.grow();
    const slot = this.slotOf(this.bytes, start, end, scope);
    const found = (this.slots[slot] as number) - 1;
    if (found >= 0) return found;
    const id = this.count++;
    this.starts[id] = start;
    this.ends[id] = end;
    this.scopes[id] = scope;
    this.slots[slot] = id + 1;
    return id;
  }

  /** The slot that holds the name, or the empty one where it would go (one hash, one probe sequence). */
  private slotOf(source: Buffer, start: number, end: number, scope: number): number {
    const mask = this.slots.length - 1;
    for (let slot = hashBytes(source, start, end, scope) & mask; ; slot = (slot + 1) & mask) {
      const id = (this.slots[slot] as number) - 1;
      if (id < 0 || (this.scopes[id] === scope && this.holds(id, source, start, end))) return slot;
    }
  }

  /** Whether id is the name held by bytes [start, end) of `source` in `scope`. */
  matches(id: number, source: Buffer, start: number, end: number, scope: number): boolean {
    return this.scopes[id] === scope && this.holds(id, source, start, end);
  }

  /** Whether the name of id is written at `at` of its input, followed by a space or the end of the line (`end`). */
  writtenAt(id: number, at: number, end: number): boolean {
    const start = this.starts[id] as number;
    const length = (this.ends[id] as number) - start;
    if (at + length > end || (at + length < end && this.bytes[at + length] !== 0x20)) return false;
    // From the end: kube-proxy's names share their prefixes and differ in their hash suffixes.
    for (let k = length - 1; k >= 0; k--) if (this.bytes[start + k] !== this.bytes[at + k]) return false;
    return true;
  }

  /** Whether the name of id is `name` (in any scope). */
  equals(id: number, name: Buffer): boolean {
    return this.holds(id, name, 0, name.length);
  }

  startsWith(id: number, prefix: Buffer): boolean {
    const at = this.starts[id] as number;
    if ((this.ends[id] as number) - at < prefix.length) return false;
    for (let k = 0; k < prefix.length; k++) if (this.bytes[at + k] !== prefix[k]) return false;
    return true;
  }

  scopeOf(id: number): number {
    return this.scopes[id] as number;
  }

  startOf(id: number): number {
    return this.starts[id] as number;
  }

  endOf(id: number): number {
    return this.ends[id] as number;
  }

  /** The name of an id, as a string of one character per byte. */
  name(id: number): string {
    return this.bytes.toString('latin1', this.starts[id], this.ends[id]);
  }

  private holds(id: number, source: Buffer, start: number, end: number): boolean {
    const at = this.starts[id] as number;
    if ((this.ends[id] as number) - at !== end - start) return false;
    for (let k = 0; k < end - start; k++) if (this.bytes[at + k] !== source[start + k]) return false;
    return true;
  }

  private place(id: number): void {
    const mask = this.slots.length - 1;
    let slot = hashBytes(this.bytes, this.starts[id] as number, this.ends[id] as number, this.scopes[id] as number) & mask;
    while (this.slots[slot] !== 0) slot = (slot + 1) & mask;
    this.slots[slot] = id + 1;
  }

  private grow(): void {
    this.starts = doubled(this.starts);
    this.ends = doubled(this.ends);
    this.scopes = doubled(this.scopes);
    this.slots = new Int32Array(this.starts.length * 2);
    for (let id = 0; id < this.count; id++) this.place(id);
  }
}
