/**
 * The memory a diff of its inputs will need, estimated from what is read: running out of heap
 * kills the process with V8's "heap out of memory" and a native stack trace, so natdiff says it
 * first. Before reading, the inputs' sizes on disk are a lower bound; while reading, every chunk
 * counts, after decompression: bytes, lines and JSON objects (a line that is a rule costs far
 * more than its bytes: a dump of a million 27-byte rules needs some 30 times its size; `nft -j`
 * prints a whole ruleset on one line, an object or more a rule).
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { getHeapStatistics } from 'node:v8';
import { InputError } from '../errors';
import { startsAsIptablesSave } from './read-input';

const MiB = 1024 * 1024;

/**
 * What the heap holds besides the inputs: V8's young generation (counted in the heap limit, 48 MiB
 * at most), and Node.js with natdiff's code loaded (some 9 MiB, all its readers).
 */
export const HEAP_BASE = 64 * MiB;
/** Heap a diff needs per byte, line and JSON object read (see heapNeed). */
export const HEAP_PER_BYTE = 4;
export const HEAP_PER_LINE = 800;
export const HEAP_PER_OBJECT = 32;

/** What is counted of what is read, after decompression. */
export interface Counted {
  bytes: number;
  lines: number;
  /** Opening braces: the JSON objects of `nft -j` (a few in every other format). */
  objects: number;
}

/**
 * The heap `natdiff diff` needs at its peak (a text, JSON or Markdown report) for inputs this
 * large, in the worst case: every rule of one input removed or added, so every rule read, keyed and
 * reported. Measured as the smallest --max-old-space-size that lets it finish (Node 20, JSON and
 * Markdown; what this gives, less the young generation, in brackets): one chain of 400k distinct
 * 30-byte rules against an empty one 353 and 365 MiB (370), 200k two-rule chains 394 and 440 (529),
 * 400k identical rules 247 and 273 (347), an `nft -j` ruleset of 700k one-statement rules 278 (344);
 * the largest of such inputs this lets through with --max-old-space-size=64 need 49 to 60 MiB.
 * `-o yaml` needs about twice as much.
 */
export function heapNeed(read: Counted): number {
  return HEAP_BASE + read.bytes * HEAP_PER_BYTE + read.lines * HEAP_PER_LINE + read.objects * HEAP_PER_OBJECT;
}

const mib = (bytes: number): number => Math.round(bytes / MiB);

const NEWLINE = 0x0a;
const OPEN_BRACE = 0x7b;

function count(bytes: Buffer, byte: number): number {
  let n = 0;
  for (let at = bytes.indexOf(byte); at >= 0; at = bytes.indexOf(byte, at + 1)) n++;
  return n;
}

/** What `inputs` hold, counted as a budget counts what it reads. */
export function countedIn(inputs: Buffer[]): Counted {
  const counted = { bytes: 0, lines: 0, objects: 0 };
  for (const bytes of inputs) {
    counted.bytes += bytes.length;
    counted.lines += count(bytes, NEWLINE);
    counted.objects += count(bytes, OPEN_BRACE);
  }
  return counted;
}

/** The NODE_OPTIONS that would let `need` bytes of heap through, with room to spare. */
function nodeOptionsFor(need: number): string {
  return `NODE_OPTIONS=--max-old-space-size=${Math.ceil((need * 1.25) / MiB / 512) * 512}`;
}

/** Sizes of the inputs that are regular files (pipes and stdin cannot be known in advance). */
function knownSize(path: string): number {
  try {
    const st = statSync(path);
    return st.isFile() ? st.size : 0;
  } catch {
    return 0; // reading it will say what is wrong
  }
}

/** The first bytes of a file (none when it cannot be read: reading it will say why). */
function head(path: string): Buffer {
  const bytes = Buffer.alloc(32);
  try {
    const fd = openSync(path, 'r');
    try {
      return bytes.subarray(0, readSync(fd, bytes, 0, bytes.length, 0));
    } finally {
      closeSync(fd);
    }
  } catch {
    return Buffer.alloc(0);
  }
}

/**
 * Whether a file's heap is checked once what is to be read of it is known (ReadOptions.mayReadInPart),
 * not while it is read: a regular file that begins as an `iptables-save` dump does.
 */
export function checkedOnceRead(path: string): boolean {
  return knownSize(path) !== 0 && startsAsIptablesSave(head(path));
}

/**
 * Before reading: inputs whose size on disk alone needs more heap than there is are refused at
 * once. `mayReadInPart` (ReadOptions.mayReadInPart): an `iptables-save` dump does not count, as
 * its heap is checked once what is to be read of it is known.
 */
export function checkMemoryBudget(paths: string[], heapLimit = getHeapStatistics().heap_size_limit, mayReadInPart = false): void {
  const total = paths.reduce((n, p) => n + (mayReadInPart && checkedOnceRead(p) ? 0 : knownSize(p)), 0);
  const need = heapNeed({ bytes: total, lines: 0, objects: 0 });
  if (need <= heapLimit) return;
  throw new InputError(
    `the inputs are ${mib(total)} MiB together; diffing them takes at least ${mib(need)} MiB of memory, more than this Node.js may use (${mib(heapLimit)} MiB): run natdiff with ${nodeOptionsFor(need)} on a machine with that much free memory`,
  );
}

/** What has been read of one input so far. */
export interface ReadSoFar extends Counted {
  /** Bytes of the input as stored (compressed or not), and its whole size when known (a regular file). */
  stored: number;
  storedSize: number | null;
}

/** The heap the inputs of one diff will need, counted as they are read, one after the other. */
export class MemoryBudget {
  /** What the inputs read in full with the check hold. */
  private readonly spent: Counted = { bytes: 0, lines: 0, objects: 0 };
  /** Bytes of the inputs read in full without the check (see `read`): their lines are counted if they are read whole (countedIn). */
  private laterBytes = 0;

  constructor(readonly heapLimit = getHeapStatistics().heap_size_limit) {}

  /** Throws, naming the input, once what has been read of it and of those before needs more heap than there is. */
  reading(source: string, soFar: ReadSoFar): void {
    if (this.need(soFar, 1) <= this.heapLimit) return;
    // All of the input needs about as much more as the part read, when its size says how much is left.
    const whole = soFar.storedSize !== null && soFar.stored > 0 ? this.need(soFar, soFar.storedSize / soFar.stored) : this.need(soFar, 1);
    throw new InputError(
      `stopped reading at ${mib(soFar.bytes)} MiB: diffing ${this.spent.bytes > 0 ? 'it and the input before it' : 'it'} takes more memory than this Node.js may use (${mib(this.heapLimit)} MiB): run natdiff with ${nodeOptionsFor(whole)}${soFar.storedSize === null ? ' or more' : ''} on a machine with that much free memory`,
      source,
    );
  }

  /**
   * Throws unless what is to be read of the inputs read in full (`counted`: all of them, see
   * countedIn, or the lines a first pass over them left to read) fits the heap: for inputs read to
   * their end without the check as they came (ReadOptions.mayReadInPart).
   */
  admit(counted: Counted, sources: string[]): void {
    const need = heapNeed(counted);
    if (need <= this.heapLimit) return;
    const what = sources.length === 1 ? 'it' : 'them';
    throw new InputError(
      `read ${mib(this.spent.bytes + this.laterBytes)} MiB: diffing ${what} takes more memory than this Node.js may use (${mib(this.heapLimit)} MiB): run natdiff with ${nodeOptionsFor(need)} on a machine with that much free memory`,
      sources.join(' and '),
    );
  }

  /** What the inputs read in full with the check hold, together (those read without it: their bytes only). */
  counted(): Counted {
    return { ...this.spent, bytes: this.spent.bytes + this.laterBytes };
  }

  /**
   * The input was read in full: what it holds stays. `checkedLater`: it was read without the
   * check (ReadOptions.mayReadInPart), so it weighs in `admit` only, never on the next input.
   */
  read(soFar: ReadSoFar, checkedLater = false): void {
    if (checkedLater) {
      this.laterBytes += soFar.bytes;
      return;
    }
    this.spent.bytes += soFar.bytes;
    this.spent.lines += soFar.lines;
    this.spent.objects += soFar.objects;
  }

  /** What the inputs before and `scale` times what was read of this one need. */
  private need(soFar: ReadSoFar, scale: number): number {
    const { spent } = this;
    return heapNeed({ bytes: spent.bytes + soFar.bytes * scale, lines: spent.lines + soFar.lines * scale, objects: spent.objects + soFar.objects * scale });
  }
}
