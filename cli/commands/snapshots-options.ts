/** The options of `natdiff snapshots`, apart from the command. */
import type { Argv } from 'yargs';

export interface SnapshotsArgs {
  dir: string;
  output: 'text' | 'json';
}

export function snapshotsOptions<T>(y: Argv<T>) {
  return y
    .option('dir', { type: 'string', default: 'snapshots', describe: 'snapshot directory' })
    .option('output', { alias: 'o', choices: ['text', 'json'] as const, default: 'text' as const });
}
