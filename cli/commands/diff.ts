/** `natdiff diff BEFORE AFTER`: the semantic diff of two saved dumps or snapshots. */
import { statSync } from 'node:fs';
import type { ArgumentsCamelCase } from 'yargs';
import { diffSnapshots } from '../../lib/diff/diff-snapshots';
import { filterReport, isFiltering } from '../../lib/diff/filter';
import type { DiffReport } from '../../lib/diff/types';
import { warningOrigin } from '../../lib/report/view';
import type { Snapshot } from '../../lib/model/snapshot';
import { startFirstPassThread, TWO_THREADS_FROM_BYTES } from '../../lib/snapshot/first-pass-thread';
import { loadPair, loadPairOnTwoThreads, type InputBytes, type PairOptions } from '../../lib/snapshot/load-pair';
import { checkedOnceRead, checkMemoryBudget, MemoryBudget } from '../../lib/snapshot/memory-budget';
import { readInputBytes, readInputStreamBytes, type ReadOptions } from '../../lib/snapshot/read-input';
import { VERSION } from '../../lib/version';
import { compileWithoutInlining } from '../compiler';
import { collectGarbage } from '../memory';
import { ProgressLine } from '../progress';
import { emitReport, EXIT_CHANGED, EXIT_SAME, prettyJson, STDIN, useColor } from '../run';
import { Spinner } from '../spinner';
import { printWarnings, strictError } from '../warnings';
import type { DiffArgs } from './diff-options';

function readBytes(path: string, options: ReadOptions): Promise<InputBytes['bytes']> {
  return path === STDIN ? readInputStreamBytes(process.stdin, 'stdin', options) : readInputBytes(path, options);
}

/**
 * Both inputs' bytes. Two files whose heap is checked once read (checkedOnceRead) are read at once:
 * libuv's threads wait on the disk and fill both buffers while this thread checks what comes, and
 * neither's reading weighs on the other's budget. Of two refused, the first is told.
 */
async function readInputs(paths: [string, string], options: ReadOptions, together: boolean): Promise<[Buffer, Buffer]> {
  if (!together) return [await readBytes(paths[0], options), await readBytes(paths[1], options)];
  const [b, a] = await Promise.allSettled(paths.map((p) => readBytes(p, options)));
  for (const read of [b, a]) if (read?.status === 'rejected') throw read.reason;
  return [(b as PromiseFulfilledResult<Buffer>).value, (a as PromiseFulfilledResult<Buffer>).value];
}

/** The report in the format asked for; only that format's code is loaded (YAML and jsdiff are large, and slow to load). */
async function render(report: DiffReport, args: Pick<DiffArgs, 'output' | 'all' | 'color' | 'pretty'>, toFile: boolean): Promise<Iterable<string>> {
  switch (args.output) {
    case 'json':
      return (await import('../../lib/report/json')).jsonChunks(report, VERSION, { all: args.all, pretty: prettyJson(args.pretty, toFile) });
    case 'yaml':
      return [(await import('../../lib/report/yaml')).renderYaml(report, VERSION, { all: args.all })];
    case 'markdown':
      return [(await import('../../lib/report/markdown')).renderMarkdown(report, { all: args.all, toolVersion: VERSION })];
    default:
      return [(await import('../../lib/report/text')).renderText(report, { color: !toFile && useColor(args.color), all: args.all })];
  }
}

/** When each step of a diff began (ms since the process started), for --stats. */
const steps: [string, number][] = [];
function step(name: string): void {
  steps.push([name, performance.now()]);
}

/** Time and peak memory, and how long each step took (start-up: until the inputs are read). */
function printStats(): void {
  const u = process.resourceUsage();
  const now = performance.now();
  const phases = Object.fromEntries(steps.map(([name, at], i) => [name, Math.round((steps[i + 1]?.[1] ?? now) - at)]));
  const stats = { wallMs: Math.round(now), userMs: Math.round(u.userCPUTime / 1000), systemMs: Math.round(u.systemCPUTime / 1000), maxRssKiB: u.maxRSS, phasesMs: { 'start-up': Math.round(steps[0]?.[1] ?? now), ...phases } };
  process.stderr.write(`natdiff-stats ${JSON.stringify(stats)}\n`);
}

function fileSize(path: string): number {
  return path === STDIN ? 0 : (statSync(path, { throwIfNoEntry: false })?.size ?? 0);
}

/**
 * The report of two inputs. Between reading and diffing, and once the snapshots are no longer
 * needed (the report keeps only the service models and the chains that differ), what was read
 * is collected, so neither the diff nor the report's rendering adds to the memory it held.
 */

async function diffInputs(args: ArgumentsCamelCase<DiffArgs>, progress: ProgressLine): Promise<{ report: DiffReport; mismatches: number }> {
  const filter = { services: args.service, namespaces: args.namespace };
  // What is unchanged is left unread unless the report is to list it, to judge its warnings, or to trace it.
  const narrow = !args.all && !args.strict && !args.verify && !isFiltering(filter);
  checkMemoryBudget([args.before, args.after], undefined, narrow);
  let before: Snapshot, after: Snapshot;
  const budget = new MemoryBudget();
  const source = (path: string) => (path === STDIN ? 'stdin' : path);
  const thread = narrow && [args.before, args.after].every((p) => fileSize(p) >= TWO_THREADS_FROM_BYTES) ? startFirstPassThread() : null;
  try {
    step('read');
    const paths: [string, string] = [args.before, args.after];
    // No name holds the bytes read: once the first pass has cut what is left to read of them, the inputs let go of them (release).
    const inputs = (await readInputs(paths, { budget, mayReadInPart: narrow }, thread !== null && paths.every(checkedOnceRead))).map((bytes, i) => ({ source: source(paths[i] as string), bytes }));
    const options: PairOptions = {
      allowTruncated: args.allowTruncated,
      payload: args.payload,
      format: args.format,
      narrow,
      onProgress: (s) => progress.callback(s),
      // The inputs' bytes, let go once the first pass has cut what is left to read of them (release).
      onStep: (name) => {
        if (name === 'first pass' && thread) compileWithoutInlining();
        if (name === 'parse') collectGarbage();
        step(name);
      },
      budget,
      release: true,
    };
    const [b, a] = inputs as [InputBytes, InputBytes];
    [before, after] = thread ? await loadPairOnTwoThreads(b, a, thread, options) : loadPair(b, a, options);
  } finally {
    thread?.close();
  }
  collectGarbage();
  step('model and diff');
  const full = diffSnapshots(before, after, { table: args.table, onProgress: progress.callback() });
  // Ports whose traced shares are not the model's (--verify) make the exit code 1.
  let mismatches = 0;
  if (args.verify) {
    step('verify');
    const verified = (await import('../../lib/trace/verify')).verifyDiff({ before, after }, full, args.all, args.table);
    full.warnings.push(...verified.warnings);
    mismatches = verified.mismatches;
  }
  return { report: filterReport(full, filter), mismatches };
}

export async function diffCommand(args: ArgumentsCamelCase<DiffArgs>): Promise<number> {
  const progress = new ProgressLine(new Spinner(process.stderr, Boolean(process.stderr.isTTY) && !args.quiet));
  let report: DiffReport;
  let mismatches: number;
  try {
    ({ report, mismatches } = await diffInputs(args, progress));
  } finally {
    progress.clear();
  }
  collectGarbage();
  if (args.strict && report.warnings.length > 0) throw strictError(report.warnings);
  const exit = report.summary.changed || mismatches > 0 ? EXIT_CHANGED : EXIT_SAME;
  if (args.quiet) return exit;
  printWarnings(report.warnings, (w) => warningOrigin(w, report));
  step('report');
  const output = await render(report, args, Boolean(args.out));
  const signalCode = await emitReport(output, args);
  if (signalCode !== null) return signalCode;
  if (args.stats) printStats();
  return exit;
}
