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

/** A name's record in NameTable.names: where it starts and ends in the input, and its scope. */
const START = 0;
const END = 1;
const SCOPE = 2;
const RECORD = 3;
/** Names looked up at once by findAll. */
const BATCH = 32;

/** Names to look up at once (NameTable.findRanges): byte ranges of one input, each in a scope. */
export class NameRanges {
  count = 0;
  starts: Int32Array;
  ends: Int32Array;
  scopes: Int32Array;

  constructor(expected: number) {
    const room = Math.max(expected, 16);
    [this.starts, this.ends, this.scopes] = [new Int32Array(room), new Int32Array(room), new Int32Array(room)];
  }

  push(start: number, end: number, scope: number): void {
    if (this.count === this.starts.length) [this.starts, this.ends, this.scopes] = [doubled(this.starts), doubled(this.ends), doubled(this.scopes)];
    this.starts[this.count] = start;
    this.ends[this.count] = end;
    this.scopes[this.count++] = scope;
  }
}

/*
 * A name is looked up with three reads of memory that are far apart (its slot, its record, its
 * bytes in the input): on a large input each is a cache miss, which is most of a lookup's cost.
 * So a name's fields are one record.
 */
export class NameTable {
  /** Names added. */
  count = 0;
  /** Per slot: a name's id + 1 (0: empty). */
  private slots: Int32Array;
  /** Per id: its record (START, END, SCOPE). */
  private names: Int32Array;

  /** `expected`: about how many names it will hold (room is made for them at once: growing rehashes every name). */
  constructor(
    readonly bytes: Buffer,
    expected = 1 << 11,
  ) {
    const room = 2 ** Math.ceil(Math.log2(Math.max(expected, 1 << 11)));
    this.slots = new Int32Array(room * 2);
    this.names = new Int32Array(room * RECORD);
  }

  /** Its typed arrays (to move them to another thread). */
  arrays(): Int32Array[] {
    return [this.slots, this.names];
  }

  /** The id of the name held by bytes [start, end) of `source` (this input or another) in `scope`, or -1. */
  find(source: Buffer, start: number, end: number, scope: number): number {
    return (this.slots[this.slotOf(source, start, end, scope)] as number) - 1;
  }

  /** For each of `ids` (names of `other`), the id of the same name here in `scope`, or -1 (see findRanges). */
  findAll(other: NameTable, ids: ArrayLike<number>, scope: number): Int32Array {
    const names = new NameRanges(ids.length);
    for (let k = 0; k < ids.length; k++) names.push(other.startOf(ids[k] as number), other.endOf(ids[k] as number), scope);
    return this.findRanges(other.bytes, names);
  }

  /**
   * For each name of `names` (byte ranges of `source`, this input or another), its id here, or -1:
   * find() for many names, a batch at a time — every name of a batch hashed, then all their slots
   * read, then their records — so that the cache misses of one batch's reads overlap. Into
   * `found` when given (as long as `names`).
   */
  findRanges(source: Buffer, names: NameRanges, found = new Int32Array(names.count)): Int32Array {
    const { count, starts, ends, scopes } = names;
    const batch = new Int32Array(BATCH);
    const mask = this.slots.length - 1;
    for (let from = 0; from < count; from += BATCH) {
      const n = Math.min(BATCH, count - from);
      for (let k = 0; k < n; k++) batch[k] = hashBytes(source, starts[from + k] as number, ends[from + k] as number, scopes[from + k] as number) & mask;
      for (let k = 0; k < n; k++) found[from + k] = (this.slots[batch[k] as number] as number) - 1;
      // Each found name's record, read ahead (its bytes' place: where matches() looks next).
      for (let k = 0; k < n; k++) {
        const here = found[from + k] as number;
        batch[k] = here < 0 ? -1 : (this.names[here * RECORD + START] as number);
      }
      for (let k = from; k < from + n; k++) {
        const here = found[k] as number;
        const start = starts[k] as number;
        const end = ends[k] as number;
        const scope = scopes[k] as number;
        if (here >= 0 && !this.matches(here, source, start, end, scope)) found[k] = this.find(source, start, end, scope);
      }
    }
    return found;
  }

  /** The id of the name held by bytes [start, end) of this input in `scope`, added when new. */
  add(start: number, end: number, scope: number): number {
    if (this.count * RECORD === this.names.length) this.grow();
    const slot = this.slotOf(this.bytes, start, end, scope);
    const found = (this.slots[slot] as number) - 1;
    if (found >= 0) return found;
    const id = this.count++;
    const r = id * RECORD;
    this.names[r + START] = start;
    this.names[r + END] = end;
    this.names[r + SCOPE] = scope;
    this.slots[slot] = id + 1;
    return id;
  }

  /** The slot that holds the name, or the empty one where it would go. */
  private slotOf(source: Buffer, start: number, end: number, scope: number): number {
    const mask = this.slots.length - 1;
    for (let slot = hashBytes(source, start, end, scope) & mask; ; slot = (slot + 1) & mask) {
      const id = (this.slots[slot] as number) - 1;
      if (id < 0 || this.matches(id, source, start, end, scope)) return slot;
    }
  }

  /** Whether id is the name held by bytes [start, end) of `source` in `scope`. */
  matches(id: number, source: Buffer, start: number, end: number, scope: number): boolean {
    const r = id * RECORD;
    const at = this.names[r + START] as number;
    const length = end - start;
    if (this.names[r + SCOPE] !== scope || (this.names[r + END] as number) - at !== length) return false;
    // From the end: kube-proxy's names share their prefixes and differ in their hash suffixes.
    for (let k = length - 1; k >= 0; k--) if (this.bytes[at + k] !== source[start + k]) return false;
    return true;
  }

  /** Whether the name of id is written at `at` of its input, followed by a space or the end of the line (`end`). */
  writtenAt(id: number, at: number, end: number): boolean {
    const start = this.startOf(id);
    const length = this.endOf(id) - start;
    if (at + length > end || (at + length < end && this.bytes[at + length] !== 0x20)) return false;
    for (let k = length - 1; k >= 0; k--) if (this.bytes[start + k] !== this.bytes[at + k]) return false;
    return true;
  }

  /** Whether the name of id is `name` (in any scope). */
  equals(id: number, name: Buffer): boolean {
    return this.matches(id, name, 0, name.length, this.scopeOf(id));
  }

  startsWith(id: number, prefix: Buffer): boolean {
    const at = this.startOf(id);
    if (this.endOf(id) - at < prefix.length) return false;
    for (let k = 0; k < prefix.length; k++) if (this.bytes[at + k] !== prefix[k]) return false;
    return true;
  }

  scopeOf(id: number): number {
    return this.names[id * RECORD + SCOPE] as number;
  }

  startOf(id: number): number {
    return this.names[id * RECORD + START] as number;
  }

  endOf(id: number): number {
    return this.names[id * RECORD + END] as number;
  }

  /** The name of an id, as a string of one character per byte. */
  name(id: number): string {
    return this.bytes.toString('latin1', this.startOf(id), this.endOf(id));
  }

  private grow(): void {
    const names = doubled(this.names);
    this.names = names;
    this.slots = new Int32Array(this.slots.length * 2);
    const mask = this.slots.length - 1;
    for (let id = 0; id < this.count; id++) {
      let slot = hashBytes(this.bytes, this.startOf(id), this.endOf(id), this.scopeOf(id)) & mask;
      while (this.slots[slot] !== 0) slot = (slot + 1) & mask;
      this.slots[slot] = id + 1;
    }
  }
}
