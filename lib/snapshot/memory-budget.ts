/**
 * Refuses, before reading anything, a pair of dumps too large for the memory this Node.js may
 * use: running out of heap kills the process with no clear word, so natdiff says it first.
 */
import { statSync } from 'node:fs';
import { getHeapStatistics } from 'node:v8';
import { InputError } from '../errors';

/** Heap a diff needs per byte of input, from the benchmark (6 to 8 times the dumps' size). */
export const HEAP_PER_INPUT_BYTE = 8;

const MiB = 1024 * 1024;

/** Sizes of the inputs that are regular files (pipes and stdin cannot be known in advance). */
function knownSize(path: string): number {
  try {
    const st = statSync(path);
    return st.isFile() ? st.size : 0;
  } catch {
    return 0; // reading it will say what is wrong
  }
}

export function checkMemoryBudget(paths: string[], heapLimit = getHeapStatistics().heap_size_limit): void {
  const total = paths.reduce((n, p) => n + knownSize(p), 0);
  const need = total * HEAP_PER_INPUT_BYTE;
  if (need <= heapLimit) return;
  const suggest = Math.ceil((need * 1.25) / MiB / 512) * 512;
  throw new InputError(
    `the inputs are ${Math.round(total / MiB)} MiB together; diffing them takes about ${Math.round(need / MiB)} MiB of memory, more than this Node.js may use (${Math.round(heapLimit / MiB)} MiB): run natdiff with NODE_OPTIONS=--max-old-space-size=${suggest} on a machine with that much free memory`,
  );
}
