/** The natdiff command line: a thin shell that wires the engine's stages together (started by natdiff.ts, bundled). */
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { VERSION } from '../lib/version';
import { checkOptions, type CheckArgs } from './commands/check-options';
import { diffOptions, type DiffArgs } from './commands/diff-options';
import { driftOptions, type DriftArgs } from './commands/drift-options';
import { scaleOptions, type ScaleArgs } from './commands/scale-options';
import { snapOptions, type SnapArgs } from './commands/snap-options';
import { snapshotsOptions, type SnapshotsArgs } from './commands/snapshots-options';
import { traceOptions, type TraceArgs } from './commands/trace-options';
import { checkOptionValues, type DeclaredOptions } from './option-values';
import { fail, NOT_STDIN, run, STDIN } from './run';

/**
 * yargs reads a lone "-" as an empty flag, and drops it. For `natdiff diff`, whose file arguments
 * may be "-" (read stdin), it becomes a path; for `check` and `drift`, which read no stdin, a
 * marker they refuse with a message (not a file silently left out); everywhere else (a value, a
 * command after --) it stays "-".
 */
function stdinArguments(args: string[]): string[] {
  const dash = args[0] === 'diff' ? STDIN : args[0] === 'check' || args[0] === 'drift' ? NOT_STDIN : null;
  if (dash === null) return args;
  const end = args.indexOf('--');
  return args.map((a, i) => (a === '-' && (end < 0 || i < end) && !takesValue(args[i - 1]) ? dash : a));
}

function takesValue(option: string | undefined): boolean {
  return option !== undefined && /^(?:-o|--output|--table|--format|--service|-n|--namespace|--payload|--out|--context|--kubeconfig|--via|--mode|--debug-image|--command-timeout|--concurrency)$/.test(option);
}

const COMMANDS = ['diff', 'snap', 'snapshots', 'scale', 'check', 'drift', 'trace'] as const;

/** Where a command-line error points: the help of the command being run, if one is named. */
function helpFor(args: readonly string[]): string {
  const command = COMMANDS.find((c) => c === args.find((a) => !a.startsWith('-')));
  return command ? `natdiff ${command} --help` : 'natdiff --help';
}

/** What each example does, and the command: printed as kubectl prints them, the command on a line of its own. */
const EXAMPLES: [string, string][] = [
  ['what changed, on one screen', '$0 diff before.txt after.txt'],
  ['a report to attach to a ticket', '$0 diff before.txt after.txt -o markdown --out incident.md'],
  ['exit code only: 0 same, 1 changed, 2 error', '$0 diff before.txt after.txt -q'],
  ['snapshot a node through its kube-proxy pod', '$0 snap --node worker-1 --label before'],
  ['scale, wait for kube-proxy, report', '$0 scale deployment/coredns --replicas 4 -n kube-system --node worker-1'],
  ['what is broken in one dump: exit 1 on an error-level finding', '$0 check node-dump.txt'],
  ['which node is the odd one out (and which are stale against the EndpointSlices)', '$0 drift --all-nodes'],
  ['where a new connection to a service goes', '$0 trace after.txt --to 10.96.0.10:53/udp'],
];

/*
 * A command's code is loaded when it runs (its options, declared on every run, load none of it):
 * `natdiff diff` starts without the capture, scale, YAML or jsdiff code, each large and slow to load.
 */
function cli(args: string[]): Argv {
  return yargs(args)
    .scriptName('natdiff')
    .usage('$0 <command> [options]\n\nSemantic diff of kube-proxy NAT rules before and after a scaling event.')
    // Numbers are read by the options that take them (option-values.ts), from the text as typed.
    .parserConfiguration({ 'populate--': true, 'parse-numbers': false })
    .command<DiffArgs>('diff <before> <after>', 'compare two nat-table dumps or snapshots', (y) => diffOptions(y) as never, (a) => run(async () => (await import('./commands/diff')).diffCommand(a)))
    .command<SnapArgs>('snap', 'take a snapshot of the nat rules (here, in a netns, on a node, over ssh, from a command)', (y) => snapOptions(y) as never, (a) => run(async () => (await import('./commands/snap')).snapCommand(a)))
    .command<SnapshotsArgs>('snapshots', 'list snapshots, newest first', (y) => snapshotsOptions(y) as never, (a) => run(async () => (await import('./commands/snapshots')).snapshotsCommand(a)))
    .command<ScaleArgs>('scale <workload>', 'kubectl scale, with before/after snapshots, a convergence timeline and a report', (y) => scaleOptions(y) as never, (a) => run(async () => (await import('./commands/scale')).scaleCommand(a)))
    .command<CheckArgs>('check <snapshot>', 'lint one dump or snapshot: broken jumps, orphan chains, misnamed chains, unequal shares…', (y) => checkOptions(y) as never, (a) => run(async () => (await import('./commands/check')).checkCommand(a)))
    .command<DriftArgs>('drift [snapshots..]', "which service ports differ between nodes' snapshots, and the odd node out", (y) => driftOptions(y) as never, (a) => run(async () => (await import('./commands/drift')).driftCommand(a)))
    .command<TraceArgs>('trace <snapshot>', 'where a new connection goes through one snapshot\'s rules: destinations, masquerading, paths', (y) => traceOptions(y) as never, (a) => run(async () => (await import('./commands/trace')).traceCommand(a)))
    .command<{ command?: string }>(
      'help [command]',
      "print a command's help",
      (y) => y.positional('command', { choices: COMMANDS }) as never,
      async (a) => {
        await cli(a.command ? [a.command, '--help'] : ['--help']).parseAsync();
      },
    )
    .completion('completion', 'print a bash or zsh completion script')
    .example(EXAMPLES.map(([what, command], i) => [`${i > 0 ? '\n' : ''}# ${what}\n${command}`]))
    .demandCommand(1, 'name a command')
    .strict()
    .check((parsed, declared) => checkOptionValues(args, parsed, declared as unknown as DeclaredOptions), true)
    .version(VERSION)
    .help()
    .alias('h', 'help')
    .wrap(Math.min(110, process.stdout.columns || 100))
    // A mistake on the command line: one line (yargs' own messages can span lines), and the help to read.
    .fail((msg, err) => fail(`${(err ? err.message : msg).replace(/\s*\n\s*/g, ' ')} (${helpFor(args)} for usage)`));
}

void cli(stdinArguments(hideBin(process.argv))).parseAsync();
