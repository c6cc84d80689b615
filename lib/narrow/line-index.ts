/**
 * The first pass over an input's bytes: where every line starts and ends, in typed arrays — no
 * string and no object per line. Two inputs' lines are then compared by their bytes (a run of
 * lines at once: one native compare) or by a hash of a line, and only the lines that differ need
 * to be read as rules.
 */
import type { OnProgress } from '../progress';
import { doubled } from './typed-arrays';

const NEWLINE = 0x0a;
const INITIAL_LINES = 1 << 16;
/** Lines between two progress reports (a power of two less one: a mask). */
const PROGRESS_EVERY_LINES = 16383;

export class LineIndex {
  /** Lines indexed (a last line without a newline is one). */
  count = 0;
  /**
   * Where each line starts, and at `count` where a line after the last would start (past its
   * newline, or one past the end of a last line without one): line i ends at starts[i + 1] - 1.
   */
  starts: Uint32Array;

  constructor(readonly bytes: Buffer) {
    this.starts = new Uint32Array(Math.min(INITIAL_LINES, bytes.length + 2));
  }

  /** Where line `i` ends, its newline excluded. */
  end(i: number): number {
    return (this.starts[i + 1] as number) - 1;
  }

  /** Where line `i` ends, its trailing spaces excluded (the full reading trims them). */
  trimmedEnd(i: number): number {
    const start = this.starts[i] as number;
    let end = this.end(i);
    while (end > start && this.bytes[end - 1] === 0x20) end--;
    return end;
  }

  /** Line `i` (0-based) as text. */
  text(i: number): string {
    return this.bytes.toString('utf8', this.starts[i], this.end(i));
  }

  /** The byte at `offset` of line `i`, or -1 past its end. */
  byteAt(i: number, offset: number): number {
    const at = (this.starts[i] as number) + offset;
    return at < this.end(i) ? (this.bytes[at] as number) : -1;
  }

  /** Room for twice as many lines. */
  grow(): void {
    this.starts = doubled(this.starts);
  }
}

/** Every line of `bytes`. */
export function indexLines(bytes: Buffer, onProgress?: OnProgress): LineIndex {
  const index = new LineIndex(bytes);
  const n = bytes.length;
  let { starts } = index;
  let count = 0;
  let start = 0;
  while (start < n) {
    let end = bytes.indexOf(NEWLINE, start);
    if (end < 0) end = n;
    // Room for this line's start and the next's.
    if (count + 1 >= starts.length) {
      index.grow();
      ({ starts } = index);
    }
    starts[count] = start;
    if ((++count & PROGRESS_EVERY_LINES) === 0) onProgress?.('reading', start, n);
    start = end + 1;
  }
  starts[count] = start;
  index.count = count;
  return index;
}

/** A 64-bit hash of line `i` (up to `end`), as two 32-bit halves in `out` (FNV-1a and a multiplicative hash, in one loop over its bytes). */
export function hashLine(index: LineIndex, i: number, out: Int32Array, end = index.end(i)): void {
  LINE_HASH.bytes(index.bytes, index.starts[i] as number, end).end(out);
}

/**
 * A 64-bit hash of a text (its UTF-16 code units) fed a piece at a time — characters, a text, the
 * bytes of a range of an input (hashLine: a line's).
 */
export class TextHash {
  private lo = 0x811c9dc5 | 0;
  private hi = 0x27d4eb2f | 0;
  private length = 0;

  char(c: number): this {
    this.lo = Math.imul(this.lo ^ c, 16777619);
    this.hi = Math.imul((this.hi + c) | 0, 0x9e3779b1) ^ (this.hi >>> 15);
    this.length++;
    return this;
  }

  text(text: string): this {
    for (let k = 0; k < text.length; k++) this.char(text.charCodeAt(k));
    return this;
  }

  /** A non-negative integer's decimal digits, as `String(n)` writes them. */
  digits(n: number): this {
    let place = 1;
    while (place * 10 <= n) place *= 10;
    for (; place >= 1; place /= 10) this.char(0x30 + (Math.floor(n / place) % 10));
    return this;
  }

  bytes(bytes: Uint8Array, start: number, end: number): this {
    // The state in locals while the loop runs (a field written per byte is slower).
    let { lo, hi } = this;
    for (let k = start; k < end; k++) {
      const c = bytes[k] as number;
      lo = Math.imul(lo ^ c, 16777619);
      hi = Math.imul((hi + c) | 0, 0x9e3779b1) ^ (hi >>> 15);
    }
    this.lo = lo;
    this.hi = hi;
    this.length += end - start;
    return this;
  }

  /** The hash, as two 32-bit halves in `out`; the hash starts again. */
  end(out: Int32Array): void {
    out[0] = this.lo;
    out[1] = this.hi ^ this.length;
    this.lo = 0x811c9dc5 | 0;
    this.hi = 0x27d4eb2f | 0;
    this.length = 0;
  }
}

/** The hash hashLine feeds (it starts again at each end): one object, not one a line. */
const LINE_HASH = new TextHash();

/** A 32-bit value mixed with a seed (murmur3's finalizer): line hashes summed with their places. */
export function mix(x: number, seed: number): number {
  let h = Math.imul(x ^ seed, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
