/** Warnings about an input, as every command that reads one prints them, and --strict. */
import { InputError, type Warning } from '../lib/errors';
import { plural } from '../lib/report/notation';
import { sanitizeLine } from '../lib/sanitize';

const MAX_WARNINGS_SHOWN = 20;

/**
 * One line per warning, `where` saying which input and line it is about: `natdiff: warning: after
 * b.txt:98: …`; past the first few, a count, and where they are all listed (`listedIn`) if anywhere.
 */
export function printWarnings<W extends Warning>(warnings: readonly W[], where: (w: W) => string, listedIn: string | null = '-o json lists them all'): void {
  for (const w of warnings.slice(0, MAX_WARNINGS_SHOWN)) {
    process.stderr.write(`natdiff: warning: ${where(w)}: ${sanitizeLine(w.message)}\n`);
  }
  if (warnings.length > MAX_WARNINGS_SHOWN) {
    process.stderr.write(`natdiff: warning: … and ${warnings.length - MAX_WARNINGS_SHOWN} more${listedIn === null ? '' : ` (${listedIn})`}\n`);
  }
}

/** --strict: the first warning is the error. */
export function strictError(warnings: Warning[]): InputError {
  const [first] = warnings as [Warning];
  const more = warnings.length > 1 ? ` (and ${plural(warnings.length - 1, 'more warning')}; --strict is set)` : ' (--strict is set)';
  return new InputError(`${first.message}${more}`, first.source, first.line ?? undefined);
}
