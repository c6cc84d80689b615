/**
 * A worker thread for the first pass over one input of a diff (lib/narrow), so that the two
 * inputs are split at once on a machine with two cores. Start it when the command starts: Node's
 * start of the thread and the loading of its code then overlap the reading of the inputs. The
 * input's bytes are shared with it (a SharedArrayBuffer: no copy) and what it makes is moved back
 * (transferred: no copy).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import type { SplitPlan } from '../narrow/first-pass';
import type { FormatName } from '../parse/format-names';

/** Beside this file: tsc's output (the library), or the bundle's folder (scripts/bundle-cli.ts writes it there). */
const WORKER = join(__dirname, 'first-pass-worker.js');

/**
 * Inputs from this size on are worth a thread: below it, a first pass takes less time than
 * starting the thread does.
 */
export const TWO_THREADS_FROM_BYTES = 4 * 1024 * 1024;

export interface SplitRequest {
  reader: FormatName;
  bytes: Uint8Array;
  plan?: SplitPlan;
}

export type SplitAnswer = { split: unknown } | { error: string };

export interface FirstPassThread {
  /**
   * The reader's split of `bytes` (packed: see FirstPass), or null; rejects when the thread fails.
   * A thread makes one split, and ends once it has answered (first-pass-worker.ts): asked for
   * another, it rejects.
   */
  split(reader: FormatName, bytes: Buffer, plan?: SplitPlan): Promise<unknown>;
  close(): void;
}

/**
 * A thread started, or null where the worker's code is not at hand (run from the TypeScript
 * sources): the first pass then runs on this thread.
 */
export function startFirstPassThread(code = WORKER): FirstPassThread | null {
  if (!existsSync(code)) return null;
  // It makes few objects (its typed arrays are outside the heap): a small young generation keeps its
  // memory down, in no more time (the 10k-service pair's split: the same at 4 MB as at 8, slower at 2).
  // Loaded when a thread is started (inputs of several megabytes): a small diff starts without it.
  const { Worker: Thread } = require('node:worker_threads') as typeof import('node:worker_threads');
  const worker = new Thread(code, { resourceLimits: { maxYoungGenerationSizeMb: 4 } });
  // A thread that fails before it is asked for a split must not end the command: it is asked no more.
  let gone: Error | null = null;
  worker.on('error', (e) => (gone ??= e)).on('exit', (c) => (gone ??= new Error(`first-pass thread exited with code ${c}`)));
  worker.unref();
  return {
    split: (reader, bytes, plan) => (gone ? Promise.reject(gone) : split(worker, reader, bytes, plan)),
    close: () => void worker.terminate(),
  };
}

function split(worker: Worker, reader: FormatName, bytes: Buffer, plan?: SplitPlan): Promise<unknown> {
  return new Promise<unknown>((resolve, reject) => {
    const settle = () => {
      worker.off('error', failed).off('exit', exited).off('message', answered);
      worker.unref();
    };
    const failed = (e: unknown) => {
      settle();
      reject(e instanceof Error ? e : new Error(`first-pass thread: ${String(e)}`));
    };
    const exited = (code: number) => failed(`exited with code ${code}`);
    const answered = (answer: SplitAnswer) => {
      if ('error' in answer) return failed(answer.error);
      settle();
      resolve(answer.split);
    };
    worker.on('error', failed).on('exit', exited).on('message', answered);
    // Held open while it works: an unreferenced thread would let the process end before it answers.
    worker.ref();
    worker.postMessage({ reader, bytes: shared(bytes), plan } satisfies SplitRequest);
  });
}

/** The bytes over shared memory: as read from a file, already (read-input.ts); else copied there. */
function shared(bytes: Buffer): Uint8Array {
  if (bytes.buffer instanceof SharedArrayBuffer) return bytes;
  const copy = new Uint8Array(new SharedArrayBuffer(bytes.length));
  copy.set(bytes);
  return copy;
}
