/**
 * Errors the user can act on. The CLI prints `message` as a single line on stderr and exits 2;
 * anything else escaping the engine is a bug.
 */
export class NatdiffError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad input: a file that is not a dump, a line that breaks it, a file that cannot be written. */
export class InputError extends NatdiffError {
  constructor(
    /** What is wrong, without the file and line. */
    readonly reason: string,
    readonly source?: string,
    readonly line?: number,
  ) {
    super(source ? `${source}${line ? `:${line}` : ''}: ${reason}` : reason);
  }
}

/** A capture that failed: a missing binary, a refused permission, a timeout, a cluster error. */
export class CaptureError extends NatdiffError {}

/** A problem in one line of an otherwise usable input: reported, and the rest is still diffed. */
export interface Warning {
  source: string;
  line: number | null;
  message: string;
}
