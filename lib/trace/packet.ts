/** The packet `natdiff trace` follows, from its options: `--to IP:PORT[/PROTO]`, `--from`, `--node-ip`, `--local`, `--affinity-hit`. */
import { NatdiffError } from '../errors';
import { joinHostPort } from '../model/addresses';
import type { Protocol } from '../model/service';
import type { TracePacket } from '../model/trace';
import { normalizeIp } from '../parse/iptables/address';
import { sanitizeLine } from '../sanitize';

const PROTOCOLS: readonly Protocol[] = ['tcp', 'udp', 'sctp'];

export interface PacketOptions {
  to: string;
  from?: string;
  nodeIp?: readonly string[];
  local?: boolean;
  affinityHit?: string;
}

function ipOption(option: string, text: string): string {
  const ip = normalizeIp(text.trim());
  if (!ip) throw new NatdiffError(`${option} ${sanitizeLine(text)}: not an IP address`);
  return ip.text;
}

/** `10.96.0.10:53`, `[fd00::a]:53` → IP and port; throws with `example` when it is not one. */
function hostPort(option: string, text: string, example: string): { ip: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:[\]]+):(\d+)$/.exec(text);
  const port = m ? Number(m[2]) : NaN;
  const ip = m ? normalizeIp(m[1] as string) : null;
  if (!m || !ip || ip.family === 'ipv6' !== text.startsWith('[')) throw new NatdiffError(`${option} ${sanitizeLine(text)}: give ${example}`);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new NatdiffError(`${option} ${sanitizeLine(text)}: the port must be 1 to 65535`);
  return { ip: ip.text, port };
}

/** The packet the options describe; a NatdiffError (exit 2) naming the option when one is not valid. */
export function tracePacket(o: PacketOptions): TracePacket {
  const slash = o.to.lastIndexOf('/');
  const protocol = (slash < 0 ? 'tcp' : o.to.slice(slash + 1).toLowerCase()) as Protocol;
  if (!PROTOCOLS.includes(protocol)) throw new NatdiffError(`--to ${sanitizeLine(o.to)}: the protocol must be one of ${PROTOCOLS.join(', ')}`);
  const to = hostPort('--to', slash < 0 ? o.to : o.to.slice(0, slash), 'IP:PORT[/PROTO], e.g. 10.96.0.10:53/udp or [fd00::a]:53/udp');
  const sourceIp = o.from === undefined ? null : ipOption('--from', o.from);
  const nodeIps = o.nodeIp === undefined || o.nodeIp.length === 0 ? null : o.nodeIp.flatMap((t) => t.split(',')).map((t) => ipOption('--node-ip', t));
  const affinity = o.affinityHit === undefined ? null : hostPort('--affinity-hit', o.affinityHit, 'the endpoint as IP:PORT, e.g. 10.244.1.10:8080');
  const family = (ip: string): string => (ip.includes(':') ? 'IPv6' : 'IPv4');
  for (const [option, ip] of [['--from', sourceIp], ['--affinity-hit', affinity?.ip ?? null]] as const) {
    if (ip !== null && family(ip) !== family(to.ip)) throw new NatdiffError(`${option} ${sanitizeLine(ip)} is ${family(ip)} but --to is ${family(to.ip)}`);
  }
  return {
    destinationIp: to.ip,
    port: to.port,
    protocol,
    sourceIp,
    nodeIps,
    local: o.local ?? false,
    affinityHit: affinity ? joinHostPort(affinity.ip, affinity.port) : null,
  };
}
