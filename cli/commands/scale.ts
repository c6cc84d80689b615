/** `natdiff scale KIND/NAME --replicas N`: snapshots and a report around a kubectl scale. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ArgumentsCamelCase } from 'yargs';
import type { Kubectl } from '../../lib/capture/kubectl';
import { listOf, nodeSchema } from '../../lib/capture/kube-types';
import { nodeList, type Source } from '../../lib/capture/sources';
import { NatdiffError } from '../../lib/errors';
import { renderScaleMarkdown, renderScaleText, scaleDocument } from '../../lib/report/scale-report';
import { sanitizeLine } from '../../lib/sanitize';
import { runScale, type ScaleRun } from '../../lib/scale/scale-workflow';
import { parseWorkloadRef, showWorkload } from '../../lib/scale/workload';
import { compactTimestamp } from '../../lib/snapshot/write-snapshot';
import { writeFileAtomic } from '../../lib/snapshot/write-file';
import { VERSION } from '../../lib/version';
import { EXIT_CHANGED, EXIT_INTERRUPTED, EXIT_SAME, useColor, writeStdout } from '../run';
import { Spinner } from '../spinner';
import type { ScaleArgs } from './scale-options';
import { kubectlFrom, sourceFrom } from './source';

async function contextNamespace(kubectl: Kubectl): Promise<string> {
  const res = await kubectl.result(['config', 'view', '--minify', '-o', 'jsonpath={..namespace}']);
  return (res.code === 0 && res.stdout.trim()) || 'default';
}

/** With no source given, a one-node cluster's node; otherwise the user must say which node. */
async function defaultSource(kubectl: Kubectl, via: 'exec' | 'debug'): Promise<Source> {
  const nodes = (await kubectl.json(listOf(nodeSchema), ['get', 'nodes'])).items.map((n) => n.metadata.name);
  if (nodes.length === 1) return { kind: 'node', node: nodes[0] as string, via };
  throw new NatdiffError(`name the node whose rules to watch with --node (${nodeList(nodes)})`);
}

function reportPath(run: ScaleRun, args: ScaleArgs): string {
  if (args.report) return args.report;
  return join(dirname(run.before.path), `${compactTimestamp(run.startedAt)}-scale-${run.workload.name}.md`);
}

function exitCode(run: ScaleRun): number {
  switch (run.outcome) {
    case 'converged':
    case 'dry-run':
      return EXIT_SAME;
    case 'interrupted':
      return EXIT_INTERRUPTED;
    default:
      return EXIT_CHANGED;
  }
}

export async function scaleCommand(args: ArgumentsCamelCase<ScaleArgs>): Promise<number> {
  if (args.report && existsSync(args.report) && !args.force) throw new NatdiffError(`${args.report}: already exists; pass --force to replace it (checked before scaling anything)`);
  const abort = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts > 1) process.exit(EXIT_INTERRUPTED);
    process.stderr.write('\nnatdiff: interrupted; keeping what was captured (Ctrl-C again to quit at once)\n');
    abort.abort();
  };
  const spinner = new Spinner();
  const steps: string[] = [];
  let waitingFor = '';
  const say = (line: string) => {
    spinner.clear();
    process.stderr.write(`natdiff: ${sanitizeLine(line)}\n`);
  };
  process.on('SIGINT', onSigint);
  try {
    const kubectl = kubectlFrom(args, abort.signal);
    const namespace = args.namespace ?? (await contextNamespace(kubectl));
    const workload = parseWorkloadRef(args.workload, namespace);
    const given = args.netns || args.node || args.ssh || args.exec;
    const source = given ? sourceFrom(args) : await defaultSource(kubectl, args.via);
    const run = await runScale({
      workload,
      replicas: args.replicas,
      source,
      kubectl,
      dir: args.dir,
      timeoutMs: args.timeout,
      intervalMs: args.interval,
      settleMs: args.settle,
      commandTimeoutMs: args.commandTimeout,
      dryRun: args.dryRun,
      signal: abort.signal,
      allTables: args.allTables,
      mode: args.mode,
      debugImage: args.debugImage,
      onProgress: (ms, outstanding) => {
        // A line each time what natdiff waits for changes (logs and scripts see it too), a spinner on a terminal.
        const text = outstanding.join('; ');
        if (text !== waitingFor) say(`waiting: ${text}`);
        waitingFor = text;
        spinner.update(`${(ms / 1000).toFixed(0)}s  waiting for ${sanitizeLine(outstanding[0] ?? '')}`);
      },
      onStep: (m) => {
        steps.push(m);
        say(m);
      },
    });
    spinner.clear();
    if (run.outcome === 'dry-run') {
      await writeStdout(`dry run: would run ${sanitizeLine(run.command.join(' '))}\nthen wait for ${showWorkload(workload)} to roll out and for the rules of ${run.servicePorts.join(', ') || 'the node'} to converge\n`);
      return EXIT_SAME;
    }
    const path = reportPath(run, args);
    writeFileAtomic(path, renderScaleMarkdown(run, VERSION), { force: args.force });
    process.stderr.write(`natdiff: report: ${sanitizeLine(path)}\n`);
    const color = useColor(args.color);
    const out = args.output === 'json' ? `${JSON.stringify(scaleDocument(run, VERSION), null, 2)}\n` : args.output === 'markdown' ? renderScaleMarkdown(run, VERSION) : renderScaleText(run, color);
    await writeStdout(out);
    return exitCode(run);
  } catch (e) {
    spinner.clear();
    if (abort.signal.aborted) {
      process.stderr.write(`natdiff: interrupted${steps.length > 0 ? `; kept ${steps.join(', ')}` : ' before anything was captured'}\n`);
      return EXIT_INTERRUPTED;
    }
    throw e;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
