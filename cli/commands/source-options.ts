/** The options every capturing command shares: where the rules come from, and which cluster. Declaring them loads no capture code. */
import type { Argv } from 'yargs';
import { MODE_OPTIONS, type ModeOption } from '../../lib/capture/mode-option';
import { NatdiffError } from '../../lib/errors';
import { duration } from '../option-values';

/** How rules are captured on a cluster's nodes: `snap --node`/`--all-nodes`, `drift --all-nodes`. */
export interface NodeCaptureArgs {
  via: 'exec' | 'debug';
  debugImage: string;
  context?: string;
  kubeconfig?: string;
  allTables: boolean;
  mode: ModeOption;
  /** Milliseconds. */
  commandTimeout: number;
}

export interface SourceArgs extends NodeCaptureArgs {
  netns?: string;
  node?: string;
  ssh?: string;
  sshOption?: string[];
  exec?: boolean;
  '--'?: (string | number)[];
}

export function nodeCaptureOptions<T>(y: Argv<T>) {
  return y
    .option('via', { choices: ['exec', 'debug'] as const, default: 'exec' as const, describe: 'on a node: exec into the kube-proxy pod, or run a privileged kubectl debug pod' })
    .option('debug-image', { type: 'string', default: 'busybox:1.36', describe: 'the image of the --via debug pod' })
    .option('context', { type: 'string', describe: 'kubectl context' })
    .option('kubeconfig', { type: 'string', describe: 'kubeconfig file for kubectl' })
    .option('mode', { choices: MODE_OPTIONS, default: 'auto' as ModeOption, describe: "kube-proxy's mode, whose rules to read (auto: as its configuration or the node's rules say)" })
    .option('all-tables', { type: 'boolean', default: false, describe: 'iptables: capture every table, not only nat (the filter table holds "no endpoints" rules)' })
    .option('command-timeout', { type: 'string', default: '30s', coerce: duration('--command-timeout'), describe: 'timeout for each capture and kubectl call' });
}

export function sourceOptions<T>(y: Argv<T>) {
  return nodeCaptureOptions(y)
    .option('netns', { type: 'string', describe: 'read the rules inside this network namespace (ip netns exec)' })
    .option('node', { type: 'string', describe: 'read the rules on this cluster node, through kubectl' })
    .option('ssh', { type: 'string', describe: "read the rules on this host: ssh HOST sudo -n and the mode's commands (iptables-save, nft, ipvsadm-save)" })
    .option('ssh-option', { type: 'string', array: true, describe: 'an ssh -o option for --ssh (repeatable), e.g. Port=2222' })
    .option('exec', { type: 'boolean', describe: 'read the rules from the command after --' })
    .conflicts('netns', ['node', 'ssh', 'exec'])
    .conflicts('node', ['ssh', 'exec'])
    .conflicts('ssh', 'exec')
    .check((a) => {
      if (a.exec && ((a['--'] as unknown[] | undefined) ?? []).length === 0) throw new NatdiffError('--exec needs a command after --, e.g. natdiff snap --exec -- iptables-save -t nat');
      return true;
    });
}
