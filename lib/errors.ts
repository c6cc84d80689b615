/**
 * The one error type the engine throws for bad input. The CLI prints `message` as a single line
 * on stderr and exits 2; anything else escaping the engine is a bug.
 */
export class InputError extends Error {
  constructor(
    message: string,
    readonly source?: string,
    readonly line?: number,
  ) {
    super(source ? `${source}${line ? `:${line}` : ''}: ${message}` : message);
    this.name = 'InputError';
  }
}

/** A problem in one line of an otherwise usable input: reported, and the rest is still diffed. */
export interface Warning {
  source: string;
  line: number | null;
  message: string;
}
