/** `natdiff trace SNAPSHOT --to IP:PORT[/PROTO]`: where a new connection goes through one snapshot's rules. */
import type { ArgumentsCamelCase } from 'yargs';
import { loadSnapshot } from '../../lib/snapshot/load-snapshot';
import { tracePacket } from '../../lib/trace/packet';
import { renderTraceJson, renderTraceText, traceDocument } from '../../lib/trace/render';
import { servedNearby, traceSnapshot } from '../../lib/trace/trace-snapshot';
import { EXIT_SAME, prettyJson, STDIN, useColor, writeStdout } from '../run';
import type { TraceArgs } from './trace-options';

export async function traceCommand(args: ArgumentsCamelCase<TraceArgs>): Promise<number> {
  const given = tracePacket({ to: args.to, from: args.from, nodeIp: args.nodeIp, local: args.local, affinityHit: args.affinityHit });
  const path = args.snapshot === '-' ? STDIN : args.snapshot;
  const snapshot = await loadSnapshot(path, { format: args.format, payload: args.payload, allowTruncated: args.allowTruncated, assumeTable: args.table });
  const packet = { ...given, nodeIps: given.nodeIps ?? snapshot.metadata?.nodeIPs ?? null };
  const result = traceSnapshot(snapshot, packet, args.table);
  switch (args.output) {
    case 'json':
      await writeStdout(renderTraceJson(result, prettyJson(args.pretty)));
      break;
    case 'yaml':
      await writeStdout((await import('../../lib/report/yaml')).yamlDocument(traceDocument(result)));
      break;
    default:
      await writeStdout(renderTraceText(result, packet, { color: useColor(args.color), source: snapshot.source, servedNearby: result.destinations.length === 0 ? servedNearby(snapshot, packet) : [] }));
  }
  return EXIT_SAME;
}
