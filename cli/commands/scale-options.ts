/** The options of `natdiff scale`, apart from the command: declaring them loads no capture or scale code. */
import type { Argv } from 'yargs';
import { duration, wholeNumber } from '../option-values';
import { sourceOptions, type SourceArgs } from './source-options';

export interface ScaleArgs extends SourceArgs {
  workload: string;
  replicas: number;
  namespace?: string;
  /** Milliseconds, as are interval and settle. */
  timeout: number;
  interval: number;
  settle: number;
  report?: string;
  dir: string;
  force: boolean;
  dryRun: boolean;
  output: 'text' | 'markdown' | 'json';
  color?: boolean;
}

export function scaleOptions<T>(y: Argv<T>) {
  return sourceOptions(y)
    .positional('workload', { type: 'string', demandOption: true, describe: 'deployment/NAME, statefulset/NAME or replicaset/NAME' })
    .option('replicas', { demandOption: true, coerce: wholeNumber('--replicas', (n) => n >= 0, 'needs a whole number, 0 or more'), describe: 'the new replica count' })
    .option('namespace', { alias: 'n', type: 'string', describe: "the workload's namespace (default: the context's)" })
    .option('timeout', { type: 'string', default: '3m', coerce: duration('--timeout'), describe: 'how long to wait for kube-proxy to converge' })
    .option('interval', { type: 'string', default: '1s', coerce: duration('--interval'), describe: 'how often to read the rules while waiting' })
    .option('settle', { type: 'string', default: '10s', coerce: duration('--settle'), describe: 'when no service selects the workload: converged = rules unchanged this long' })
    .option('report', { type: 'string', describe: 'Markdown report file (default: next to the snapshots)' })
    .option('dir', { type: 'string', default: 'snapshots', describe: 'snapshot directory' })
    .option('force', { type: 'boolean', default: false, describe: 'replace an existing --report file' })
    .option('dry-run', { type: 'boolean', default: false, describe: 'take the before snapshot and print what would run; scale nothing' })
    .option('output', { alias: 'o', choices: ['text', 'markdown', 'json'] as const, default: 'text' as const, describe: 'what to print on stdout' })
    .option('color', { type: 'boolean', describe: 'colour the text output' });
}
