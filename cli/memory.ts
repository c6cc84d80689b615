/**
 * A full garbage collection at a point where much just died: after reading two 40 MB dumps
 * (some 100 MB of dead strings and arrays), after their first pass (their bytes, let go), after
 * the diff (the rules themselves). V8 would
 * otherwise carry that into the next step, where it sets the peak memory (the 10k-service pair:
 * 505 MB → under 400 MB). Node has no API to ask for one:
 * the flag that exposes `gc` is set at run time (v8.setFlagsFromString) and `gc` is taken from a
 * throwaway context, so the global scope stays as it was.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Below this much heap and buffers in use a collection frees too little to matter. */
const WORTH_IT_BYTES = 64 * 1024 * 1024;

export function collectGarbage(): void {
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  if (heapUsed + arrayBuffers < WORTH_IT_BYTES) return;
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    if (typeof gc === 'function') gc();
  } catch {
    // A runtime that refuses: memory peaks higher, nothing else changes.
  }
}
