/**
 * What every line-by-line reader keeps: its warnings, the line it is on, and the lines it could
 * not read — a few are warnings, more of them than lines read means the input is another format.
 */
import { InputError, type Warning } from '../errors';
import { sanitizeLine } from '../sanitize';

/** A bad line as echoed in a message: control characters escaped, cut to 80 characters. */
export function excerpt(text: string): string {
  const clean = sanitizeLine(text.trim());
  return clean.length > 80 ? `${clean.slice(0, 77)}...` : clean;
}

export abstract class LineReader {
  readonly warnings: Warning[] = [];
  /** 1-based line being read. */
  line = 0;
  badLines = 0;
  firstBad: { line: number; reason: string } | null = null;

  constructor(readonly options: { source: string }) {}

  warn(message: string, line: number | null = this.line): void {
    this.warnings.push({ source: this.options.source, line, message });
  }

  /** A line that does not read: a warning naming it. */
  bad(reason: string, text: string): void {
    this.badLines++;
    this.firstBad ??= { line: this.line, reason };
    this.warn(`${reason}: ${excerpt(text)}`);
  }

  /** Refused when more lines failed than were read: `what` names the format it is not. */
  refuseIfMostlyBad(linesRead: number, what: string): void {
    if (this.badLines <= linesRead || !this.firstBad) return;
    const first = this.firstBad;
    throw new InputError(`${first.reason} (and ${this.badLines - 1} more lines like it): this does not look like ${what}`, this.options.source, first.line);
  }
}
