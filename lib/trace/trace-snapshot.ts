/**
 * `natdiff trace` of one snapshot: the reader's walk, with what a person needs around it — errors
 * naming the snapshot, what a partial snapshot means for the answer, and, when nothing sends the
 * packet to an endpoint, the ports the rules do serve at that address (`53/tcp` asked, `53/udp`
 * served).
 */
import { InputError, NatdiffError } from '../errors';
import { joinHostPort } from '../model/addresses';
import type { ServicePort } from '../model/service';
import type { Snapshot } from '../model/snapshot';
import type { TracePacket, TraceResult } from '../model/trace';
import { sanitizeLine } from '../sanitize';

/** The reason a partial snapshot gives, without what it means for a diff (`…: what it does not hold is not compared`). */
function partialWhy(partial: string): string {
  const colon = partial.indexOf(': ');
  return colon < 0 ? partial : partial.slice(0, colon);
}

/** The trace; a NatdiffError naming the snapshot when it cannot be walked, or runs into a chain loop. */
export function traceSnapshot(snapshot: Snapshot, packet: TracePacket, table?: string): TraceResult {
  if (!snapshot.trace) throw new NatdiffError(`${sanitizeLine(snapshot.source)}: ${sanitizeLine(snapshot.format)} does not show enough of the rules to walk them; trace reads iptables-save (and iptables -S, restore payloads), nftables and IPVS snapshots`);
  let result: TraceResult;
  try {
    result = snapshot.trace(packet, table);
  } catch (e) {
    if (e instanceof InputError && e.source === undefined) throw new InputError(e.reason, snapshot.source);
    throw e;
  }
  const [loop] = result.findings;
  if (loop) throw new InputError(loop.message, snapshot.source, loop.line ?? undefined);
  if (snapshot.partial === null || result.unmatchedBy.untranslated === 0) return result;
  const partial = { chain: null, line: null, message: `the snapshot is partial (${partialWhy(snapshot.partial)}): the rules it does not hold are not walked, and may translate what this trace leaves untranslated` };
  return { ...result, assumptions: [partial, ...result.assumptions] };
}

/**
 * What the rules serve near the packet, when a trace sends it to no endpoint: the other ports at
 * its address (`10.96.0.10:53/udp (kube-system/kube-dns:dns)`: the port or protocol asked for may
 * be the mistake), and the node port of its port number (`node port 30080/tcp (default/web:http)`:
 * the address may not be known as the node's).
 */
export function servedNearby(snapshot: Snapshot, packet: TracePacket): string[] {
  const ports = snapshot.describe(snapshot.serviceNames()).model.ports;
  const named = (p: ServicePort): string => (p.name ? ` (${p.name})` : '');
  const at = ports
    .filter((p) => p.port !== null && (p.port !== packet.port || p.protocol !== packet.protocol) && [p.clusterIP, ...p.externalIPs, ...p.loadBalancerIPs].includes(packet.destinationIp))
    .map((p) => `${joinHostPort(packet.destinationIp, p.port as number)}/${p.protocol ?? '?'}${named(p)}`);
  const nodePorts = ports.filter((p) => p.nodePorts.includes(packet.port)).map((p) => `node port ${packet.port}/${p.protocol ?? '?'}${named(p)}`);
  return [...new Set([...at.sort(), ...nodePorts.sort()])];
}
