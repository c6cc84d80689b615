/**
 * How V8 compiles natdiff's hot code while two threads make the first pass over two large inputs.
 * TurboFan, V8's optimizing compiler, compiles a hot function with what it calls inlined into it.
 * natdiff's hot functions are the first pass's loops, each run once over an input: each is
 * compiled while it runs, on V8's background threads, and again after each deoptimization. On two
 * cores that compiling competes with the two threads it compiles for: without inlining, the
 * 10k-service pair took 1.38–1.53 s against 1.50–1.68 s (alternating runs), with 1.75 s of CPU
 * against 2.05. Set at run time (v8.setFlagsFromString), when the first pass starts: small inputs
 * never reach TurboFan, and set at start-up it would change the flags V8 checks a code cache
 * against (Node's own builtins' among them: ~7 ms more to start).
 */
import { setFlagsFromString } from 'node:v8';

export function compileWithoutInlining(): void {
  try {
    setFlagsFromString('--no-turbo-inlining');
  } catch {
    // A runtime that refuses: the first pass takes longer, nothing else changes.
  }
}
