#!/usr/bin/env node
/** The natdiff command line: a thin shell that wires the engine's stages together. */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { VERSION } from '../lib/version';
import { diffCommand, diffOptions, type DiffArgs } from './commands/diff';
import { scaleCommand, scaleOptions, type ScaleArgs } from './commands/scale';
import { snapCommand, snapOptions, type SnapArgs } from './commands/snap';
import { snapshotsCommand, snapshotsOptions, type SnapshotsArgs } from './commands/snapshots';
import { fail, run, STDIN } from './run';

/**
 * yargs reads a lone "-" as an empty flag. For `natdiff diff`, whose file arguments may be "-"
 * (read stdin), it becomes a path; everywhere else (a value, a command after --) it stays "-".
 */
function stdinArguments(args: string[]): string[] {
  if (args[0] !== 'diff') return args;
  const end = args.indexOf('--');
  return args.map((a, i) => (a === '-' && (end < 0 || i < end) && !takesValue(args[i - 1]) ? STDIN : a));
}

function takesValue(option: string | undefined): boolean {
  return option !== undefined && /^(?:-o|--output|--table|--format|--service|-n|--namespace|--payload|--out)$/.test(option);
}

const argv = stdinArguments(hideBin(process.argv));

void yargs(argv)
  .scriptName('natdiff')
  .usage('$0 <command> [options]\n\nSemantic diff of kube-proxy NAT rules before and after a scaling event.')
  .parserConfiguration({ 'populate--': true })
  .command<DiffArgs>('diff <before> <after>', 'compare two nat-table dumps or snapshots', (y) => diffOptions(y) as never, (args) => run(() => diffCommand(args)))
  .command<SnapArgs>('snap', 'take a snapshot of the nat rules (here, in a netns, on a node, over ssh, from a command)', (y) => snapOptions(y) as never, (args) => run(() => snapCommand(args)))
  .command<SnapshotsArgs>('snapshots', 'list snapshots, newest first', (y) => snapshotsOptions(y) as never, (args) => run(() => snapshotsCommand(args)))
  .command<ScaleArgs>('scale <workload>', 'kubectl scale, with before/after snapshots, a convergence timeline and a report', (y) => scaleOptions(y) as never, (args) => run(() => scaleCommand(args)))
  .example('$0 diff before.txt after.txt', 'what changed, on one screen')
  .example('$0 diff before.txt after.txt -o markdown --out incident.md', 'a report to attach to a ticket')
  .example('$0 diff before.txt after.txt -q', 'exit code only: 0 same, 1 changed, 2 error')
  .example('$0 snap --node worker-1 --label before', 'snapshot a node through its kube-proxy pod')
  .example('$0 scale deployment/coredns --replicas 4 -n kube-system --node worker-1', 'scale, wait for kube-proxy, report')
  .demandCommand(1, 'name a command (natdiff --help lists them)')
  .strict()
  .version(VERSION)
  .help()
  .alias('h', 'help')
  .wrap(Math.min(110, process.stdout.columns || 100))
  // yargs' own messages can span lines: one line, always.
  .fail((msg, err) => fail(err ? err.message : `${msg.replace(/\s*\n\s*/g, ' ')} (natdiff --help for usage)`))
  .parseAsync();
