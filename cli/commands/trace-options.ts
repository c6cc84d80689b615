/** The options of `natdiff trace`: declared on every run, they load none of the code that reads and walks the rules. */
import type { Argv } from 'yargs';
import { FORMAT_OPTION, PAYLOAD_OPTION, type InputFormat } from './input-options';

export const TRACE_OUTPUTS = ['text', 'json', 'yaml'] as const;

export interface TraceArgs {
  snapshot: string;
  to: string;
  from?: string;
  nodeIp?: string[];
  local: boolean;
  affinityHit?: string;
  output: (typeof TRACE_OUTPUTS)[number];
  format: InputFormat;
  table: string;
  payload?: number;
  allowTruncated: boolean;
  color?: boolean;
  pretty?: boolean;
}

export function traceOptions<T>(y: Argv<T>) {
  return y
    .positional('snapshot', { type: 'string', demandOption: true, describe: 'dump or snapshot whose rules to walk' })
    .option('to', { type: 'string', demandOption: true, describe: 'the packet\'s destination: IP:PORT[/PROTO] (tcp by default), e.g. 10.96.0.10:53/udp, [fd00::a]:53/udp' })
    .option('from', { type: 'string', describe: 'its source IP (default: every source the rules tell apart is tried)' })
    .option('node-ip', { type: 'string', array: true, describe: "the node's own addresses, for addrtype LOCAL / fib type local (NodePorts); repeatable (default: a snapshot's recorded node IPs)" })
    .option('local', { type: 'boolean', default: false, describe: 'the node itself sends it (nat OUTPUT instead of PREROUTING)' })
    .option('affinity-hit', { type: 'string', describe: 'a returning client whose session-affinity entry names this endpoint (IP:PORT); default: a first packet' })
    .option('output', { alias: 'o', choices: TRACE_OUTPUTS, default: 'text' as const, describe: 'report format' })
    .option('format', FORMAT_OPTION)
    .option('table', { type: 'string', default: 'nat', describe: 'iptables: the table to walk, and the one rule lines outside any *table block belong to' })
    .option('payload', PAYLOAD_OPTION)
    .option('allow-truncated', { type: 'boolean', default: false, describe: 'trace a dump whose table has no COMMIT' })
    .option('color', { type: 'boolean', describe: 'colour the text report (default: when stdout is a terminal and NO_COLOR is unset)' })
    .option('pretty', { type: 'boolean', describe: 'indent JSON output (default: when stdout is a terminal)' });
}
