/**
 * The options of `natdiff check`, apart from the command: loaded by every run of natdiff, they load
 * none of the code that reads and checks.
 */
import type { Argv } from 'yargs';
import { NatdiffError } from '../../lib/errors';
import { NOT_STDIN } from '../run';
import { FORMAT_OPTION, PAYLOAD_OPTION, type InputFormat } from './input-options';

export const CHECK_OUTPUTS = ['text', 'json', 'yaml'] as const;

export interface CheckArgs {
  snapshot: string;
  output: (typeof CHECK_OUTPUTS)[number];
  format: InputFormat;
  payload?: number;
  allowTruncated: boolean;
  strict: boolean;
  quiet?: boolean;
  color?: boolean;
  pretty?: boolean;
  out?: string;
  force: boolean;
}

export function checkOptions<T>(y: Argv<T>) {
  return y
    .positional('snapshot', { type: 'string', demandOption: true, describe: 'dump or snapshot to check' })
    .option('output', { alias: 'o', choices: CHECK_OUTPUTS, default: 'text' as const, describe: 'report format' })
    .option('format', FORMAT_OPTION)
    .option('payload', PAYLOAD_OPTION)
    .option('allow-truncated', { type: 'boolean', default: false, describe: 'check a dump that was cut short' })
    .option('strict', { type: 'boolean', default: false, describe: 'treat warnings about the input as errors (exit 2)' })
    .option('quiet', { alias: 'q', type: 'boolean', describe: 'no output; exit code only' })
    .option('color', { type: 'boolean', describe: 'colour the text report (default: when stdout is a terminal and NO_COLOR is unset)' })
    .option('pretty', { type: 'boolean', describe: 'indent JSON output (default: when stdout is a terminal)' })
    .option('out', { type: 'string', describe: 'write the report to this file (atomically)' })
    .option('force', { type: 'boolean', default: false, describe: 'with --out: replace an existing file' })
    .conflicts('quiet', 'out')
    .epilog('Exit codes: 0 no error-level finding (warnings and information may be listed), 1 an error-level finding, 2 bad input or usage. Warnings about the input go to stderr and are not findings (--strict: exit 2). Finding ids, and what to do about each: README, "natdiff check".')
    .check((a) => {
      if (a.snapshot === NOT_STDIN) throw new NatdiffError('natdiff check reads no standard input (-): name a file (<(ssh NODE sudo iptables-save) works)');
      if (a.snapshot === '') throw new NatdiffError('SNAPSHOT is empty: name a file');
      return true;
    });
}
