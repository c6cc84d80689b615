/** The options of `natdiff snap`, apart from the command: declaring them loads no capture code. */
import type { Argv } from 'yargs';
import { sourceOptions, type SourceArgs } from './source-options';

export interface SnapArgs extends SourceArgs {
  allNodes?: boolean;
  label?: string;
  out?: string;
  dir: string;
  force: boolean;
  clusterInfo?: boolean;
}

export function snapOptions<T>(y: Argv<T>) {
  return sourceOptions(y)
    .option('all-nodes', { type: 'boolean', describe: 'every node of the cluster, a few at a time, one file each' })
    .option('label', { type: 'string', describe: 'label stored in the snapshot (before, after, or free text)' })
    .option('out', { type: 'string', describe: 'write the snapshot to this file (default: a new file under --dir)' })
    .option('dir', { type: 'string', default: 'snapshots', describe: 'snapshot directory for default names: DIR/<context>/<node>/<UTC time>-<label>.txt' })
    .option('force', { type: 'boolean', default: false, describe: 'with --out: replace an existing file' })
    .option('cluster-info', { type: 'boolean', describe: 'record pods and service ports from the cluster (default: when capturing through the cluster)' })
    .conflicts('all-nodes', ['netns', 'node', 'ssh', 'exec', 'out']);
}
