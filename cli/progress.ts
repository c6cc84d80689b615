/**
 * The progress line of a long diff: on stderr when it is a terminal (never in a pipe, never with
 * --quiet), at most one update every ~100 ms, cleared before anything else is printed.
 */
import type { OnProgress, ProgressPhase } from '../lib/progress';
import { sanitizeLine } from '../lib/sanitize';
import type { Spinner } from './spinner';

const EVERY_MS = 100;

/** `f`, called at most once every `everyMs` by the clock `now`: calls in between are dropped. */
export function throttle<A extends unknown[]>(everyMs: number, now: () => number, f: (...args: A) => void): (...args: A) => void {
  let last = -Infinity;
  return (...args) => {
    const t = now();
    if (t - last < everyMs) return;
    last = t;
    f(...args);
  };
}

/** What the line says: `reading after.txt 45%`, `comparing 8123 chains 40%`. */
export function progressText(phase: ProgressPhase, done: number, total: number, file = 'the input'): string {
  const percent = `${total > 0 ? Math.floor((100 * done) / total) : 0}%`;
  switch (phase) {
    case 'reading':
      return `reading ${sanitizeLine(file)} ${percent}`;
    case 'modelling':
      return `building the service models ${percent}`;
    case 'comparing':
      return `comparing ${total} chains ${percent}`;
  }
}

export class ProgressLine {
  private readonly show: (text: string) => void;

  constructor(
    private readonly line: Spinner,
    now: () => number = () => performance.now(),
  ) {
    this.show = throttle(EVERY_MS, now, (text: string) => line.update(text));
  }

  /** The engine's callback (`file`: the one being read), or none when the line is off. */
  callback(file?: string): OnProgress | undefined {
    if (!this.line.enabled) return undefined;
    return (phase, done, total) => this.show(progressText(phase, done, total, file));
  }

  clear(): void {
    this.line.clear();
  }
}
