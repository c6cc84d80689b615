/**
 * How every command ends: output written, one line per problem on stderr (a second one keeps
 * kubectl's own words), and an exit code.
 * Bad input is one clear line and exit 2, never a stack trace.
 */
import { constants } from 'node:os';
import { NatdiffError } from '../lib/errors';
import { sanitizeLine } from '../lib/sanitize';
import { batches, writeFileAtomic, WRITE_BATCH } from '../lib/snapshot/write-file';

/** What a `-` argument (read standard input) becomes. */
export const STDIN = '/dev/stdin';

/** What a `-` file argument becomes where standard input is not read (`check`, `drift`): NUL is in no path. */
export const NOT_STDIN = '\0-';

export const EXIT_SAME = 0;
export const EXIT_CHANGED = 1;
export const EXIT_ERROR = 2;
/** Ctrl-C, as shells report a command ended by SIGINT. */
export const EXIT_INTERRUPTED = 130;

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

/** Signals that ask natdiff to stop, as Ctrl-C does: a terminal closed, a `kill`. */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

/** How shells report a command ended by a signal: 128 + its number (130, 143, 129). */
export function signalExitCode(signal: StopSignal): number {
  return 128 + constants.signals[signal];
}

/**
 * Runs a step that must finish once started (an atomic write of a report rendered as it is
 * written): Ctrl-C, SIGTERM or SIGHUP during it is held until it is done. Says which came first.
 */
export async function uninterruptible(step: () => void): Promise<StopSignal | null> {
  let came: StopSignal | null = null;
  const holds = STOP_SIGNALS.map((signal) => {
    const hold = (): void => {
      came ??= signal;
    };
    process.on(signal, hold);
    return () => process.off(signal, hold);
  });
  try {
    step();
    // A signal that came during the step is delivered when the event loop next polls: an
    // immediate runs after this turn's poll (which may be over), a second after the next one.
    await new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
  } finally {
    for (const release of holds) release();
  }
  return came;
}

/** Indented JSON: the flag if given, else on a terminal (compact in a pipe or a file written with `--out`). */
export function prettyJson(flag: boolean | undefined, toFile = false): boolean {
  return flag ?? (!toFile && Boolean(process.stdout.isTTY));
}

/** Colour for stdout: the flag if given, else off under NO_COLOR or TERM=dumb, on under FORCE_COLOR, else on a terminal. */
export function useColor(flag: boolean | undefined): boolean {
  if (flag !== undefined) return flag;
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== '0') return true;
  return Boolean(process.stdout.isTTY) && process.env.TERM !== 'dumb';
}

/**
 * A report to stdout, or with `out` to that file atomically (an existing one replaced only with
 * `force`), a stop signal held until it is in place. Returns the exit code of a signal that came
 * meanwhile (the file is whole; natdiff says so), else null.
 */
export async function emitReport(chunks: Iterable<string>, { out, force }: { out?: string; force: boolean }): Promise<number | null> {
  if (out === undefined) {
    await writeStdoutChunks(chunks);
    return null;
  }
  const signal = await uninterruptible(() => writeFileAtomic(out, chunks, { force }));
  if (!signal) return null;
  process.stderr.write(`natdiff: interrupted (${signal}); ${sanitizeLine(out)} was written in full first\n`);
  return signalExitCode(signal);
}
