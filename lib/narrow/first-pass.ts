/**
 * A reader's first pass (lib/narrow), in two steps: `split` reads one input's bytes on its own,
 * `pair` compares two splits. Splitting is most of the cost and needs nothing of the other input,
 * so the two inputs of a diff can be split at once, one on a worker thread: a split crosses the
 * threads as `pack` makes it (structured-clone data, and the buffers moved with it, not copied),
 * and `unpack` makes it whole again beside the input's bytes.
 */
import type { OnProgress } from '../progress';
import type { Narrowing } from './narrowing';

/** What both splits of a pair make ahead, known from the two inputs' first bytes (FirstPass.plan). */
export interface SplitPlan {
  /** The inputs are written differently (by other tools): what compares their lines by meaning rather than by bytes. */
  writtenDifferently: boolean;
}

export interface FirstPass<S> {
  /** One input's first pass; null when it cannot be narrowed (then both are read whole). */
  split(bytes: Buffer, onProgress?: OnProgress, plan?: SplitPlan): S | null;
  /** What the splits of these two inputs should make ahead (see SplitPlan); nothing more when absent. */
  plan?(before: Buffer, after: Buffer): SplitPlan;
  /** What of the two inputs is to be read; null when they cannot be narrowed together. */
  pair(before: S, after: S): Narrowing | null;
  pack(split: S): { data: unknown; transfer: ArrayBuffer[] };
  /** A split packed on another thread, with the bytes it was made of (shared, so not in `data`). */
  unpack(data: unknown, bytes: Buffer): S;
}

/**
 * An object that crossed threads as data (a structured clone keeps its fields, not its class),
 * made an instance of `type` again, with `own` (what did not cross: the input's bytes).
 */
export function revived<T extends object>(data: T, type: { prototype: T }, own: Partial<T> = {}): T {
  return Object.setPrototypeOf(Object.assign(data, own), type.prototype) as T;
}

/** Both inputs split here, one after the other, and paired. */
export function narrowHere<S>(firstPass: FirstPass<S>, before: Buffer, after: Buffer, progress: { before?: OnProgress; after?: OnProgress } = {}): Narrowing | null {
  const plan = firstPass.plan?.(before, after);
  const b = firstPass.split(before, progress.before, plan);
  const a = b && firstPass.split(after, progress.after, plan);
  return b && a && firstPass.pair(b, a);
}
