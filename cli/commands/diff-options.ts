/**
 * The options of `natdiff diff`, apart from the command: loaded by every run of natdiff, they load
 * none of the code that reads, diffs and reports.
 */
import type { Argv } from 'yargs';
import { NatdiffError } from '../../lib/errors';
import { STDIN } from '../run';
import { FORMAT_OPTION, PAYLOAD_OPTION, type InputFormat } from './input-options';

export const OUTPUTS = ['text', 'markdown', 'json', 'yaml'] as const;
export type Output = (typeof OUTPUTS)[number];

export interface DiffArgs {
  before: string;
  after: string;
  output: Output;
  table?: string;
  format: InputFormat;
  service?: string[];
  namespace?: string[];
  all: boolean;
  verify: boolean;
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
    .option('format', FORMAT_OPTION)
    .option('service', { type: 'string', array: true, describe: 'only this service (ns/name or ns/name:port); repeatable' })
    .option('namespace', { alias: 'n', type: 'string', array: true, describe: 'only services in this namespace; repeatable' })
    .option('all', { type: 'boolean', default: false, describe: 'list unchanged services too' })
    .option('verify', { type: 'boolean', default: false, describe: "trace each changed service port's cluster IP (with --all: every port) and warn where the traced shares are not the model's (exit 1)" })
    .option('quiet', { alias: 'q', type: 'boolean', describe: 'no output; exit code only' })
    .option('color', { type: 'boolean', describe: 'colour the text report (default: when stdout is a terminal and NO_COLOR is unset)' })
    .option('strict', { type: 'boolean', default: false, describe: 'treat warnings about the input as errors (exit 2)' })
    .option('allow-truncated', { type: 'boolean', default: false, describe: 'diff a dump whose table has no COMMIT' })
    .option('payload', PAYLOAD_OPTION)
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
