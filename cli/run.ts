/**
 * How every command ends: output written, one line per problem on stderr (a second one keeps
 * kubectl's own words), and an exit code.
 * Bad input is one clear line and exit 2, never a stack trace.
 */
import type { DiffReport } from '../lib/diff/types';
import { NatdiffError } from '../lib/errors';
import { warningOrigin } from '../lib/report/view';
import { sanitizeLine } from '../lib/sanitize';
import { batches, WRITE_BATCH } from '../lib/snapshot/write-file';

/** What a `-` argument (read standard input) becomes. */
export const STDIN = '/dev/stdin';

export const EXIT_SAME = 0;
export const EXIT_CHANGED = 1;
export const EXIT_ERROR = 2;
/** Ctrl-C, as shells report a command ended by SIGINT. */
export const EXIT_INTERRUPTED = 130;

const MAX_WARNINGS_SHOWN = 20;

/** One line per warning, saying which input it is about: `natdiff: warning: after b.txt:98: …`. */
export function printWarnings(report: Pick<DiffReport, 'warnings' | 'before' | 'after'>): void {
  const { warnings } = report;
  for (const w of warnings.slice(0, MAX_WARNINGS_SHOWN)) {
    process.stderr.write(`natdiff: warning: ${warningOrigin(w, report)}: ${sanitizeLine(w.message)}\n`);
  }
  if (warnings.length > MAX_WARNINGS_SHOWN) {
    process.stderr.write(`natdiff: warning: … and ${warnings.length - MAX_WARNINGS_SHOWN} more (-o json lists them all)\n`);
  }
}

/** One line; a second when the tool underneath said something worth keeping in its own words. */
export function fail(message: string, detail: string | null = null): never {
  process.stderr.write(`natdiff: ${sanitizeLine(message)}\n${detail ? `natdiff: ${sanitizeLine(detail)}\n` : ''}`);
  process.exit(EXIT_ERROR);
}

/** Runs a command body; maps every failure to one stderr line and exit code 2. */
export async function run(body: () => Promise<number> | number): Promise<void> {
  try {
    const code = await body();
    process.exitCode = code;
  } catch (e) {
    if (e instanceof NatdiffError) fail(e.message, e.detail);
    if (process.env.NATDIFF_DEBUG) process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
    fail(`internal error: ${(e as Error).message ?? String(e)} (set NATDIFF_DEBUG=1 for details, and please report it)`);
  }
}

let closed = false;
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  // A closed pipe (`natdiff … | head`) is not an error: stop writing.
  if (e.code === 'EPIPE') closed = true;
});

/** Writes to stdout, waiting until the text is handed over. */
export function writeStdout(text: string): Promise<void> {
  if (closed) return Promise.resolve();
  return new Promise((resolve) => {
    process.stdout.write(text, () => resolve());
  });
}

/** Writes a long output piece by piece, respecting backpressure. */
export async function writeStdoutChunks(chunks: Iterable<string>): Promise<void> {
  for (const batch of batches(chunks, WRITE_BATCH)) {
    await writeStdout(batch);
    if (closed) return;
  }
}

/**
 * Runs a step that must finish once started (an atomic write of a report rendered as it is
 * written): Ctrl-C during it is held until it is done. Says whether Ctrl-C came.
 */
export async function uninterruptible(step: () => void): Promise<boolean> {
  let interrupted = false;
  const hold = (): void => {
    interrupted = true;
  };
  process.on('SIGINT', hold);
  try {
    step();
    // A signal that came during the step is delivered by the event loop, before this resolves.
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('SIGINT', hold);
  }
  return interrupted;
}

/** Colour for stdout: the flag if given, else off under NO_COLOR or TERM=dumb, on under FORCE_COLOR, else on a terminal. */
export function useColor(flag: boolean | undefined): boolean {
  if (flag !== undefined) return flag;
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== '0') return true;
  return Boolean(process.stdout.isTTY) && process.env.TERM !== 'dumb';
}
