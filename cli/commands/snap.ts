/** `natdiff snap`: take a snapshot of a node's kube-proxy rules. */
import type { ArgumentsCamelCase } from 'yargs';
import { snapshotAllNodes, takeSnapshot, type TakenInMode } from '../../lib/capture/take-snapshot';
import { NatdiffError } from '../../lib/errors';
import { sanitizeLine } from '../../lib/sanitize';
import { EXIT_ERROR, EXIT_SAME, writeStdout } from '../run';
import type { SnapArgs } from './snap-options';
import { kubectlFrom, sourceFrom } from './source';

/** The path for stdout; on stderr the mode when it was found out (not named with --mode), and the warnings. */
function line(taken: TakenInMode, prefix = ''): string {
  const { mode } = taken;
  if (mode.by !== 'option') process.stderr.write(`natdiff: ${prefix}kube-proxy mode ${mode.mode}: ${sanitizeLine(mode.reason)}\n`);
  for (const w of taken.warnings) process.stderr.write(`natdiff: warning: ${sanitizeLine(w)}\n`);
  return `${sanitizeLine(taken.path)}\n`;
}

export async function snapCommand(args: ArgumentsCamelCase<SnapArgs>): Promise<number> {
  const kubectl = kubectlFrom(args);
  const common = {
    kubectl,
    dir: args.dir,
    force: args.force,
    label: args.label,
    timeoutMs: args.commandTimeout,
    allTables: args.allTables,
    mode: args.mode,
    debugImage: args.debugImage,
    clusterInfo: args.clusterInfo === undefined ? ('auto' as const) : args.clusterInfo ? ('always' as const) : ('never' as const),
  };
  if (args.allNodes) {
    const results = await snapshotAllNodes({ ...common, via: args.via });
    let text = '';
    for (const r of results) {
      if (r.error) process.stderr.write(`natdiff: node ${sanitizeLine(r.node)}: ${sanitizeLine(r.error)}\n`);
      for (const t of r.taken) text += line(t, `node ${sanitizeLine(r.node)}: `);
    }
    await writeStdout(text);
    return results.some((r) => r.error) ? EXIT_ERROR : EXIT_SAME;
  }
  const taken = await takeSnapshot({ ...common, source: sourceFrom(args), out: args.out });
  if (taken.length === 0) throw new NatdiffError('nothing was captured');
  await writeStdout(taken.map((t) => line(t)).join(''));
  return EXIT_SAME;
}
