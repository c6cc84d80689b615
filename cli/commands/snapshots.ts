/** `natdiff snapshots`: the snapshots under a directory, newest first. */
import type { ArgumentsCamelCase } from 'yargs';
import { placeName } from '../../lib/drift/node-names';
import { listSnapshots, type ListedSnapshot } from '../../lib/snapshot/list-snapshots';
import { sanitizeLine } from '../../lib/sanitize';
import { EXIT_SAME, writeStdout } from '../run';
import type { SnapshotsArgs } from './snapshots-options';

/** The node; with none, the network namespace or ssh host the rules were read from. */
function where(s: ListedSnapshot): string {
  return placeName(s) ?? '-';
}

export async function snapshotsCommand(args: ArgumentsCamelCase<SnapshotsArgs>): Promise<number> {
  const list = await listSnapshots(args.dir);
  if (args.output === 'json') {
    await writeStdout(`${JSON.stringify(list, null, 2)}\n`);
    return EXIT_SAME;
  }
  if (list.length === 0) {
    await writeStdout(`no snapshots under ${sanitizeLine(args.dir)}\n`);
    return EXIT_SAME;
  }
  const rows = list.map((s) => [
    s.capturedAt === null ? 'unknown' : s.capturedAt.replace('T', ' ').replace(/\.\d+Z$|Z$/, 'Z'),
    s.label ?? (s.hasMetadata ? '-' : '(plain dump)'),
    where(s),
    s.context ?? '-',
    String(s.rules),
    s.path,
  ].map(sanitizeLine));
  const header = ['CAPTURED (UTC)', 'LABEL', 'NODE', 'CONTEXT', 'RULES', 'PATH'];
  const widths = header.map((h, i) => rows.reduce((w, r) => Math.max(w, (r[i] as string).length), h.length));
  const fmt = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] as number))).join('  ');
  await writeStdout([fmt(header), ...rows.map(fmt)].join('\n') + '\n');
  return EXIT_SAME;
}
