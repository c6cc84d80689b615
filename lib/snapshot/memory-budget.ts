/**
 * The memory a diff of its inputs will need, estimated from what is read: running out of heap
 * kills the process with V8's "heap out of memory" and a native stack trace, so natdiff says it
 * first. Before reading, the inputs' sizes on disk are a lower bound; while reading, every chunk
 * counts, after decompression: bytes and lines (a line that is a rule costs far more than its
 * bytes: a dump of a million 27-byte rules needs some 30 times its size).
 */
import { statSync } from 'node:fs';
import { getHeapStatistics } from 'node:v8';
import { InputError } from '../errors';

const MiB = 1024 * 1024;

/** What the heap holds besides the inputs: Node.js itself, and V8's young generation (counted in the heap limit). */
export const HEAP_BASE = 48 * MiB;
/** Heap a diff needs per byte read and per line read (see heapNeed). */
export const HEAP_PER_BYTE = 4;
export const HEAP_PER_LINE = 800;

/**
 * The heap `natdiff diff` needs at its peak (a JSON or text report) for inputs this large, in the
 * worst case: every rule of one input removed or added, so every rule read, keyed and reported.
 * Measured as the smallest --max-old-space-size that lets it finish (Node 20): a one-chain dump of
 * 400k distinct 33-byte rules against an empty one 302 MiB (this gives 359), 200k two-rule chains
 * 397 MiB (501), 400k identical rules 239 MiB (331), a 3000-service kube-proxy dump 116 MiB (139);
 * a scale event between two of those (19.7 MiB, 264k lines) needs 92 MiB, less than half this.
 */
export function heapNeed(bytes: number, lines: number): number {
  return HEAP_BASE + bytes * HEAP_PER_BYTE + lines * HEAP_PER_LINE;
}

const mib = (bytes: number): number => Math.round(bytes / MiB);

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

/** Before reading: inputs whose size on disk alone needs more heap than there is are refused at once. */
export function checkMemoryBudget(paths: string[], heapLimit = getHeapStatistics().heap_size_limit): void {
  const total = paths.reduce((n, p) => n + knownSize(p), 0);
  const need = heapNeed(total, 0);
  if (need <= heapLimit) return;
  throw new InputError(
    `the inputs are ${mib(total)} MiB together; diffing them takes at least ${mib(need)} MiB of memory, more than this Node.js may use (${mib(heapLimit)} MiB): run natdiff with ${nodeOptionsFor(need)} on a machine with that much free memory`,
  );
}

/** What has been read of one input so far. */
export interface ReadSoFar {
  /** Bytes after decompression. */
  bytes: number;
  lines: number;
  /** Bytes of the input as stored (compressed or not), and its whole size when known (a regular file). */
  stored: number;
  storedSize: number | null;
}

/** The heap the inputs of one diff will need, counted as they are read, one after the other. */
export class MemoryBudget {
  /** What the inputs read in full hold. */
  private readonly spent = { bytes: 0, lines: 0 };

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

  /** The input was read in full: what it holds stays. */
  read(soFar: ReadSoFar): void {
    this.spent.bytes += soFar.bytes;
    this.spent.lines += soFar.lines;
  }

  /** What the inputs before and `scale` times what was read of this one need. */
  private need(soFar: ReadSoFar, scale: number): number {
    return heapNeed(this.spent.bytes + soFar.bytes * scale, this.spent.lines + soFar.lines * scale);
  }
}
