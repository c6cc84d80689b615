/** `natdiff diff BEFORE AFTER`: the semantic diff of two saved dumps or snapshots. */
import type { Argv, ArgumentsCamelCase } from 'yargs';
import { InputError, NatdiffError, type Warning } from '../../lib/errors';
import { diffSnapshots } from '../../lib/diff/diff-snapshots';
import { filterReport } from '../../lib/diff/filter';
import type { DiffReport } from '../../lib/diff/types';
import type { Snapshot } from '../../lib/model/snapshot';
import { jsonChunks } from '../../lib/report/json';
import { renderMarkdown } from '../../lib/report/markdown';
import { renderText } from '../../lib/report/text';
import { renderYaml } from '../../lib/report/yaml';
import { plural } from '../../lib/report/notation';
import { sanitizeLine } from '../../lib/sanitize';
import { FORMAT_NAMES } from '../../lib/parse/registry';
import { loadSnapshot, parseSnapshot, type LoadOptions } from '../../lib/snapshot/load-snapshot';
import { checkMemoryBudget, MemoryBudget } from '../../lib/snapshot/memory-budget';
import { readInputStream } from '../../lib/snapshot/read-input';
import { writeFileAtomic } from '../../lib/snapshot/write-file';
import { VERSION } from '../../lib/version';
import { collectGarbage } from '../memory';
import { wholeNumber } from '../option-values';
import { ProgressLine } from '../progress';
import { EXIT_CHANGED, EXIT_SAME, printWarnings, signalExitCode, STDIN, uninterruptible, useColor, writeStdoutChunks } from '../run';
import { Spinner } from '../spinner';

export const OUTPUTS = ['text', 'markdown', 'json', 'yaml'] as const;
export type Output = (typeof OUTPUTS)[number];
const FORMATS = ['auto', ...FORMAT_NAMES] as const;

export interface DiffArgs {
  before: string;
  after: string;
  output: Output;
  table?: string;
  format: (typeof FORMATS)[number];
  service?: string[];
  namespace?: string[];
  all: boolean;
  quiet?: boolean;
  color?: boolean;
  strict: boolean;
  allowTruncated: boolean;
  payload?: number;
  out?: string;
  force: boolean;
  stats: boolean;
  pretty?: boolean;
}

export function diffOptions<T>(y: Argv<T>) {
  return y
    .positional('before', { type: 'string', demandOption: true, describe: 'dump or snapshot before the change (- for stdin)' })
    .positional('after', { type: 'string', demandOption: true, describe: 'dump or snapshot after the change' })
    .option('output', { alias: 'o', choices: OUTPUTS, default: 'text' as Output, describe: 'report format' })
    .option('table', { type: 'string', describe: "table whose chains are compared rule by rule, or 'all' (default: the tables kube-proxy's mode writes: nat; nftables: its kube-proxy tables; IPVS: the IPVS services and nat)" })
    .option('format', { choices: FORMATS, default: 'auto' as const, describe: 'input format (detected by default)' })
    .option('service', { type: 'string', array: true, describe: 'only this service (ns/name or ns/name:port); repeatable' })
    .option('namespace', { alias: 'n', type: 'string', array: true, describe: 'only services in this namespace; repeatable' })
    .option('all', { type: 'boolean', default: false, describe: 'list unchanged services too' })
    .option('quiet', { alias: 'q', type: 'boolean', describe: 'no output; exit code only' })
    .option('color', { type: 'boolean', describe: 'colour the text report (default: when stdout is a terminal and NO_COLOR is unset)' })
    .option('strict', { type: 'boolean', default: false, describe: 'treat warnings about the input as errors (exit 2)' })
    .option('allow-truncated', { type: 'boolean', default: false, describe: 'diff a dump whose table has no COMMIT' })
    .option('payload', { coerce: wholeNumber('--payload', (n) => n !== 0, 'needs a whole number: 1 for the first payload, -1 for the last'), describe: 'which restore payload of a kube-proxy log (1 = first, -1 = last)' })
    .option('out', { type: 'string', describe: 'write the report to this file (atomically)' })
    .option('force', { type: 'boolean', default: false, describe: 'with --out: replace an existing file' })
    .conflicts('quiet', 'out')
    .option('stats', { type: 'boolean', default: false, describe: 'print time and peak memory on stderr (one JSON line, for benchmarks)' })
    .option('pretty', { type: 'boolean', describe: 'indent JSON output (default: when stdout is a terminal)' })
    .check((a) => {
      for (const [name, path] of [['BEFORE', a.before], ['AFTER', a.after]]) if (path === '') throw new NatdiffError(`${name} is empty: name a file, or - for stdin`);
      if (a.before === STDIN && a.after === STDIN) throw new NatdiffError('only one of the two inputs can be stdin');
      return true;
    });
}

async function load(path: string, args: DiffArgs, budget: MemoryBudget, progress: ProgressLine, alike?: Snapshot): Promise<Snapshot> {
  const options: LoadOptions = { allowTruncated: args.allowTruncated, payload: args.payload, format: args.format, alike, onProgress: progress.callback(path === STDIN ? 'stdin' : path) };
  if (path === STDIN) return parseSnapshot(await readInputStream(process.stdin, 'stdin', { budget }), 'stdin', options);
  return loadSnapshot(path, { ...options, budget });
}

function render(report: DiffReport, args: Pick<DiffArgs, 'output' | 'all' | 'color' | 'pretty'>, toFile: boolean): Iterable<string> {
  switch (args.output) {
    case 'json':
      return jsonChunks(report, VERSION, { all: args.all, pretty: args.pretty ?? (!toFile && Boolean(process.stdout.isTTY)) });
    case 'yaml':
      return [renderYaml(report, VERSION, { all: args.all })];
    case 'markdown':
      return [renderMarkdown(report, { all: args.all, toolVersion: VERSION })];
    default:
      return [renderText(report, { color: !toFile && useColor(args.color), all: args.all })];
  }
}

function printStats(): void {
  const u = process.resourceUsage();
  const stats = { wallMs: Math.round(performance.now()), userMs: Math.round(u.userCPUTime / 1000), systemMs: Math.round(u.systemCPUTime / 1000), maxRssKiB: u.maxRSS };
  process.stderr.write(`natdiff-stats ${JSON.stringify(stats)}\n`);
}

/** --strict: the first warning is the error. */
function strictError(warnings: Warning[]): InputError {
  const [first] = warnings as [Warning];
  const more = warnings.length > 1 ? ` (and ${plural(warnings.length - 1, 'more warning')}; --strict is set)` : ' (--strict is set)';
  return new InputError(`${first.message}${more}`, first.source, first.line ?? undefined);
}

/**
 * The report of two inputs. Between reading and diffing, and once the snapshots are no longer
 * needed (the report keeps only the service models and the chains that differ), what was read
 * is collected, so neither the diff nor the report's rendering adds to the memory it held.
 */
async function diffInputs(args: ArgumentsCamelCase<DiffArgs>, progress: ProgressLine): Promise<DiffReport> {
  checkMemoryBudget([args.before, args.after]);
  const budget = new MemoryBudget();
  const before = await load(args.before, args, budget, progress);
  const after = await load(args.after, args, budget, progress, before);
  collectGarbage();
  const full = diffSnapshots(before, after, { table: args.table, onProgress: progress.callback() });
  return filterReport(full, { services: args.service, namespaces: args.namespace });
}

export async function diffCommand(args: ArgumentsCamelCase<DiffArgs>): Promise<number> {
  const progress = new ProgressLine(new Spinner(process.stderr, Boolean(process.stderr.isTTY) && !args.quiet));
  let report: DiffReport;
  try {
    report = await diffInputs(args, progress);
  } finally {
    progress.clear();
  }
  collectGarbage();
  if (args.strict && report.warnings.length > 0) throw strictError(report.warnings);
  if (args.quiet) return report.summary.changed ? EXIT_CHANGED : EXIT_SAME;
  printWarnings(report);
  const output = render(report, args, Boolean(args.out));
  if (args.out) {
    const out = args.out;
    const signal = await uninterruptible(() => writeFileAtomic(out, output, { force: args.force }));
    if (signal) {
      process.stderr.write(`natdiff: interrupted (${signal}); ${sanitizeLine(out)} was written in full first\n`);
      return signalExitCode(signal);
    }
  } else {
    await writeStdoutChunks(output);
  }
  if (args.stats) printStats();
  return report.summary.changed ? EXIT_CHANGED : EXIT_SAME;
}
