/** The options of `natdiff drift`, apart from the command: declaring them loads no reading, capture or report code. */
import type { Argv } from 'yargs';
import { NatdiffError } from '../../lib/errors';
import { wholeNumber } from '../option-values';
import { NOT_STDIN } from '../run';
import { nodeCaptureOptions, type NodeCaptureArgs } from './source-options';
import { FORMAT_OPTION, PAYLOAD_OPTION, type InputFormat } from './input-options';

export const DRIFT_OUTPUTS = ['text', 'json', 'yaml'] as const;

export interface DriftArgs extends NodeCaptureArgs {
  snapshots?: string[];
  allNodes: boolean;
  concurrency: number;
  output: (typeof DRIFT_OUTPUTS)[number];
  format: InputFormat;
  payload?: number;
  allowTruncated: boolean;
  service?: string[];
  namespace?: string[];
  all: boolean;
  quiet?: boolean;
  color?: boolean;
  pretty?: boolean;
}

/** The capture options (`--via`, `--context`, `--mode`…) are those of `snap --all-nodes`, and are read with `--all-nodes` only. */
export function driftOptions<T>(y: Argv<T>) {
  return nodeCaptureOptions(y)
    .positional('snapshots', { type: 'string', array: true, describe: "two or more nodes' dumps or snapshots, taken at about the same time" })
    .option('all-nodes', { type: 'boolean', default: false, describe: "capture every node of the cluster instead, and compare each with the EndpointSlices too" })
    .option('concurrency', { coerce: wholeNumber('--concurrency', (n) => n >= 1 && n <= 64, 'needs a whole number from 1 to 64'), default: '4', describe: 'with --all-nodes: nodes captured at once' })
    .option('output', { alias: 'o', choices: DRIFT_OUTPUTS, default: 'text' as const, describe: 'report format' })
    .option('format', FORMAT_OPTION)
    .option('payload', PAYLOAD_OPTION)
    .option('allow-truncated', { type: 'boolean', default: false, describe: 'read a dump whose table has no COMMIT (what the cut may hide is not compared)' })
    .option('service', { type: 'string', array: true, describe: 'only this service (ns/name or ns/name:port); repeatable' })
    .option('namespace', { alias: 'n', type: 'string', array: true, describe: 'only services in this namespace; repeatable' })
    .option('all', { type: 'boolean', default: false, describe: 'list consistent service ports too' })
    .option('quiet', { alias: 'q', type: 'boolean', describe: 'no output; exit code only' })
    .option('color', { type: 'boolean', describe: 'colour the text report (default: when stdout is a terminal and NO_COLOR is unset)' })
    .option('pretty', { type: 'boolean', describe: 'indent JSON output (default: when stdout is a terminal)' })
    .group(['all-nodes', 'concurrency', 'via', 'debug-image', 'context', 'kubeconfig', 'mode', 'all-tables', 'command-timeout'], 'Capturing every node (--all-nodes; unused with snapshot files):')
    .epilog('Exit codes: 0 every port consistent (and, with --all-nodes, every node as the EndpointSlices say), 1 a port drifts or a node is stale, 2 bad input or a node that could not be captured.')
    .check((a) => {
      const inputs = (a.snapshots ?? []) as string[];
      if (a['all-nodes']) {
        if (inputs.length > 0) throw new NatdiffError('--all-nodes captures the nodes itself: give it no snapshot files');
        return true;
      }
      if (inputs.includes(NOT_STDIN)) throw new NatdiffError('natdiff drift reads no standard input (-): name a file for each node (<(ssh NODE sudo iptables-save) works)');
      if (inputs.length < 2) throw new NatdiffError(`name two or more snapshots to compare (${inputs.length} given), or capture every node with --all-nodes`);
      if (inputs.some((p) => p === '')) throw new NatdiffError('a snapshot path is empty: name a file');
      return true;
    });
}
