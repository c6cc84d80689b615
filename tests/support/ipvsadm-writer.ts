/**
 * Prints an IPVS table as ipvsadm does (ipvsadm.c v1.31 `print_title`/`print_service_entry`):
 * `ipvsadm -Ln` and `ipvsadm-save -n`. The kernel here has no IPVS, so tests cannot ask the real
 * ipvsadm; this follows its format strings. Services and real servers are printed in the order
 * given (ipvsadm sorts them; `--nosort` keeps the kernel's order), so callers choose the order.
 */
export interface RealServerSpec {
  ip: string;
  port: number;
  weight: number;
}

export interface VirtualServiceSpec {
  protocol: 'tcp' | 'udp' | 'sctp';
  ip: string;
  port: number;
  scheduler: string;
  persistence?: number;
  servers: RealServerSpec[];
}

function hostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

const PROTOCOL_NAME = { tcp: 'TCP', udp: 'UDP', sctp: 'SCTP' };
const PROTOCOL_OPTION = { tcp: '-t', udp: '-u', sctp: '--sctp-service' };

/** `ipvsadm -Ln`: version line, titles, then `"%-4s %s"` + ` sched` + ` persistent N`, and `"  -> %-28s %-7s %-6d %-10u %-10u"`. */
export function ipvsadmList(services: VirtualServiceSpec[]): string {
  const lines = ['IP Virtual Server version 1.2.1 (size=4096)', 'Prot LocalAddress:Port Scheduler Flags', '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn'];
  for (const s of services) {
    lines.push(`${PROTOCOL_NAME[s.protocol].padEnd(4)} ${hostPort(s.ip, s.port)}`.slice(0, 33) + ` ${s.scheduler}${s.persistence === undefined ? '' : ` persistent ${s.persistence}`}`);
    for (const r of s.servers) lines.push(`  -> ${hostPort(r.ip, r.port).padEnd(28)} ${'Masq'.padEnd(7)} ${String(r.weight).padEnd(6)} ${'0'.padEnd(10)} ${'0'.padEnd(10)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** `ipvsadm-save -n`: `-A -t ADDR -s SCHED [-p N]`, then `-a -t ADDR -r RIP -m -w W` per real server. */
export function ipvsadmSave(services: VirtualServiceSpec[]): string {
  const lines: string[] = [];
  for (const s of services) {
    const spec = `${PROTOCOL_OPTION[s.protocol]} ${hostPort(s.ip, s.port)}`;
    lines.push(`-A ${spec} -s ${s.scheduler}${s.persistence === undefined ? '' : ` -p ${s.persistence}`}`);
    for (const r of s.servers) lines.push(`-a ${spec} -r ${hostPort(r.ip, r.port)} -m -w ${r.weight}`);
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
