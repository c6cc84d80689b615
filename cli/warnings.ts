/** Warnings about an input, as every command that reads one prints them, and --strict. */
import { InputError, type Warning } from '../lib/errors';
import { plural } from '../lib/report/notation';
import { sanitizeLine } from '../lib/sanitize';

const MAX_WARNINGS_SHOWN = 20;

/**
 * Warnings on stderr as they come, one line each, `where` saying which input and line it is about:
 * `natdiff: warning: after b.txt:98: …`; past the first few, a count at the end.
 */
export class WarningLines {
  private shown = 0;
  private more = 0;

  constructor(private readonly enabled = true) {}

  add(where: string, message: string): void {
    if (!this.enabled) return;
    if (this.shown++ < MAX_WARNINGS_SHOWN) process.stderr.write(`natdiff: warning: ${sanitizeLine(where)}: ${sanitizeLine(message)}\n`);
    else this.more++;
  }

  /** The count of the warnings not shown, and where they are all listed (`listedIn`) if anywhere. */
  end(listedIn: string | null = null): void {
    if (this.more > 0) process.stderr.write(`natdiff: warning: … and ${this.more} more${listedIn === null ? '' : ` (${listedIn})`}\n`);
  }
}

/** A warning's input and line: `b.txt:98`. */
export function warningPlace(w: Warning): string {
  return `${w.source}${w.line === null ? '' : `:${w.line}`}`;
}

/** Warnings known at once (see WarningLines). */
export function printWarnings<W extends Warning>(warnings: readonly W[], where: (w: W) => string, listedIn: string | null = '-o json lists them all'): void {
  const lines = new WarningLines();
  for (const w of warnings) lines.add(where(w), w.message);
  lines.end(listedIn);
}

/** --strict: the first warning is the error. */
export function strictError(warnings: Warning[]): InputError {
  const [first] = warnings as [Warning];
  const more = warnings.length > 1 ? ` (and ${plural(warnings.length - 1, 'more warning')}; --strict is set)` : ' (--strict is set)';
  return new InputError(`${first.message}${more}`, first.source, first.line ?? undefined);
}
