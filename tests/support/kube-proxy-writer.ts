/**
 * Writes the iptables-restore payload kube-proxy (iptables mode, >= 1.25 layout) would write for a
 * cluster, argument order and quoting included (see kube-proxy-formats.md §1.2). Tests load it with
 * the real iptables-restore, the fake API server programs "nodes" with it, and the benchmark
 * generates large dumps from it.
 */
import { endpointHash, servicePortHash } from '../../lib/parse/iptables/chain-names';

export type Protocol = 'tcp' | 'udp' | 'sctp';

export interface EndpointSpec {
  ip: string;
  port: number;
  /** On the node whose rules are written (matters for externalTrafficPolicy: Local). */
  local?: boolean;
}

export interface PortSpec {
  /** Port name; '' for an unnamed port. */
  name: string;
  port: number;
  protocol: Protocol;
  nodePort?: number;
  endpoints: EndpointSpec[];
}

export interface ServiceSpec {
  namespace: string;
  name: string;
  clusterIP: string;
  ports: PortSpec[];
  externalIPs?: string[];
  loadBalancerIPs?: string[];
  /** Only these sources may reach the load-balancer IPs (the nftables writer's firewall chains; not written in iptables mode). */
  loadBalancerSourceRanges?: string[];
  externalTrafficPolicy?: 'Cluster' | 'Local';
  /** ClientIP session affinity timeout, when affinity is on. */
  affinitySeconds?: number;
}

export interface ClusterSpec {
  podCIDR: string;
  services: ServiceSpec[];
}

export interface WriteOptions {
  /** Shuffle the service order the way Go's map iteration does (deterministic for a seed). */
  seed?: number;
  /** Force large-cluster mode (no comments on SEP rules and SVC->SEP jumps); default: above 1000 endpoints. */
  largeCluster?: boolean;
}

const MARK = '0x00004000';
const LARGE_CLUSTER_ENDPOINTS = 1000;

export function servicePortName(svc: ServiceSpec, port: PortSpec): string {
  return `${svc.namespace}/${svc.name}${port.name ? `:${port.name}` : ''}`;
}

function endpointString(ep: EndpointSpec): string {
  return ep.ip.includes(':') ? `[${ep.ip}]:${ep.port}` : `${ep.ip}:${ep.port}`;
}

export function svcChain(svc: ServiceSpec, port: PortSpec, kind = 'SVC'): string {
  return `KUBE-${kind}-${servicePortHash(servicePortName(svc, port), port.protocol)}`;
}

export function sepChain(svc: ServiceSpec, port: PortSpec, ep: EndpointSpec): string {
  return `KUBE-SEP-${endpointHash(servicePortName(svc, port), port.protocol, endpointString(ep))}`;
}

/** Endpoints in kube-proxy's order: sorted by their "ip:port" string. */
export function sortedEndpoints(eps: EndpointSpec[]): EndpointSpec[] {
  return [...eps].sort((a, b) => {
    const x = endpointString(a);
    const y = endpointString(b);
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

/** kube-proxy's probability for rule i of n (>= 1.17): "%0.10f" of 1/(n-i). */
export function probability(n: number, i: number): string {
  return (1 / (n - i)).toFixed(10);
}

function quote(s: string): string {
  return `"${s}"`;
}

/** A small seeded random number generator (mulberry32): generated clusters are reproducible. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The items in the order Go's map iteration might give them (deterministic for a seed; as given without one). */
export function shuffled<T>(items: T[], seed: number | undefined): T[] {
  if (seed === undefined) return items;
  const rand = mulberry32(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

class Buffer {
  readonly lines: string[] = [];
  line(...words: string[]): void {
    this.lines.push(words.join(' '));
  }
}

function writeEndpointChains(
  svc: ServiceSpec,
  port: PortSpec,
  chain: string,
  eps: EndpointSpec[],
  comments: boolean,
  natChains: Buffer,
  natRules: Buffer,
  written: Set<string>,
): void {
  const spn = servicePortName(svc, port);
  const p = port.protocol;
  if (svc.affinitySeconds !== undefined) {
    for (const ep of eps) {
      const sep = sepChain(svc, port, ep);
      const comment = comments ? ['-m', 'comment', '--comment', quote(`${spn} -> ${endpointString(ep)}`)] : [];
      natRules.line('-A', chain, ...comment, '-m', 'recent', '--name', sep, '--rcheck', '--seconds', String(svc.affinitySeconds), '--reap', '-j', sep);
    }
  }
  eps.forEach((ep, i) => {
    const sep = sepChain(svc, port, ep);
    const comment = comments ? ['-m', 'comment', '--comment', quote(`${spn} -> ${endpointString(ep)}`)] : [];
    const stat = i < eps.length - 1 ? ['-m', 'statistic', '--mode', 'random', '--probability', probability(eps.length, i)] : [];
    natRules.line('-A', chain, ...comment, ...stat, '-j', sep);
  });
  for (const ep of eps) {
    const sep = sepChain(svc, port, ep);
    if (written.has(sep)) continue;
    written.add(sep);
    natChains.line(`:${sep}`, '-', '[0:0]');
    const comment = comments ? ['-m', 'comment', '--comment', spn] : [];
    natRules.line('-A', sep, ...comment, '-s', ep.ip, '-j', 'KUBE-MARK-MASQ');
    const affinity = svc.affinitySeconds !== undefined ? ['-m', 'recent', '--name', sep, '--set'] : [];
    natRules.line('-A', sep, ...comment, ...affinity, '-m', p, '-p', p, '-j', 'DNAT', '--to-destination', endpointString(ep));
  }
}

/** The restore payload (filter then nat, as kube-proxy orders it) for a full sync. */
export function writeRestorePayload(cluster: ClusterSpec, options: WriteOptions = {}): string {
  const filterChains = new Buffer();
  const filterRules = new Buffer();
  const natChains = new Buffer();
  const natRules = new Buffer();
  const totalEndpoints = cluster.services.reduce((n, s) => n + s.ports.reduce((m, p) => m + p.endpoints.length, 0), 0);
  const comments = !(options.largeCluster ?? totalEndpoints > LARGE_CLUSTER_ENDPOINTS);

  for (const c of ['KUBE-NODEPORTS', 'KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES', 'KUBE-FORWARD', 'KUBE-PROXY-FIREWALL']) {
    filterChains.line(`:${c}`, '-', '[0:0]');
  }
  for (const c of ['KUBE-NODEPORTS', 'KUBE-SERVICES', 'KUBE-MARK-MASQ', 'KUBE-POSTROUTING']) {
    natChains.line(`:${c}`, '-', '[0:0]');
  }
  filterRules.line('-A', 'KUBE-FORWARD', '-m', 'conntrack', '--ctstate', 'INVALID', '-j', 'DROP');
  filterRules.line('-A', 'KUBE-FORWARD', '-m', 'comment', '--comment', quote('kubernetes forwarding rules'), '-m', 'mark', '--mark', `${MARK}/${MARK}`, '-j', 'ACCEPT');
  filterRules.line('-A', 'KUBE-FORWARD', '-m', 'comment', '--comment', quote('kubernetes forwarding conntrack rule'), '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'ACCEPT');
  natRules.line('-A', 'KUBE-POSTROUTING', '-m', 'mark', '!', '--mark', `${MARK}/${MARK}`, '-j', 'RETURN');
  natRules.line('-A', 'KUBE-POSTROUTING', '-j', 'MARK', '--xor-mark', MARK);
  natRules.line('-A', 'KUBE-POSTROUTING', '-m', 'comment', '--comment', quote('kubernetes service traffic requiring SNAT'), '-j', 'MASQUERADE', '--random-fully');
  natRules.line('-A', 'KUBE-MARK-MASQ', '-j', 'MARK', '--or-mark', MARK);

  const written = new Set<string>();
  for (const svc of shuffled(cluster.services, options.seed)) {
    for (const port of svc.ports) {
      const spn = servicePortName(svc, port);
      const p = port.protocol;
      const proto = ['-m', p, '-p', p];
      const local = svc.externalTrafficPolicy === 'Local';
      const eps = sortedEndpoints(port.endpoints);
      const localEps = eps.filter((e) => e.local);
      const externalVIPs: [string, string][] = [
        ...(svc.externalIPs ?? []).map((ip): [string, string] => [ip, 'external IP']),
        ...(svc.loadBalancerIPs ?? []).map((ip): [string, string] => [ip, 'loadbalancer IP']),
      ];
      const hasExternal = externalVIPs.length > 0 || port.nodePort !== undefined;

      if (eps.length === 0) {
        filterRules.line('-A', 'KUBE-SERVICES', '-m', 'comment', '--comment', quote(`${spn} has no endpoints`), ...proto, '-d', svc.clusterIP, '--dport', String(port.port), '-j', 'REJECT');
        for (const [ip] of externalVIPs) {
          filterRules.line('-A', 'KUBE-EXTERNAL-SERVICES', '-m', 'comment', '--comment', quote(`${spn} has no endpoints`), ...proto, '-d', ip, '--dport', String(port.port), '-j', 'REJECT');
        }
        if (port.nodePort !== undefined) {
          filterRules.line('-A', 'KUBE-EXTERNAL-SERVICES', '-m', 'comment', '--comment', quote(`${spn} has no endpoints`), '-m', 'addrtype', '--dst-type', 'LOCAL', ...proto, '--dport', String(port.nodePort), '-j', 'REJECT');
        }
        continue;
      }

      const svcChainName = svcChain(svc, port);
      const extChainName = svcChain(svc, port, 'EXT');
      const svlChainName = svcChain(svc, port, 'SVL');
      natChains.line(`:${svcChainName}`, '-', '[0:0]');
      natRules.line('-A', 'KUBE-SERVICES', '-m', 'comment', '--comment', quote(`${spn} cluster IP`), ...proto, '-d', svc.clusterIP, '--dport', String(port.port), '-j', svcChainName);
      if (hasExternal) {
        natChains.line(`:${extChainName}`, '-', '[0:0]');
        for (const [ip, what] of externalVIPs) {
          natRules.line('-A', 'KUBE-SERVICES', '-m', 'comment', '--comment', quote(`${spn} ${what}`), ...proto, '-d', ip, '--dport', String(port.port), '-j', extChainName);
        }
        if (port.nodePort !== undefined) {
          natRules.line('-A', 'KUBE-NODEPORTS', '-m', 'comment', '--comment', spn, ...proto, '--dport', String(port.nodePort), '-j', extChainName);
        }
        if (local) {
          natRules.line('-A', extChainName, '-m', 'comment', '--comment', quote(`pod traffic for ${spn} external destinations`), '-s', cluster.podCIDR, '-j', svcChainName);
          natRules.line('-A', extChainName, '-m', 'comment', '--comment', quote(`masquerade LOCAL traffic for ${spn} external destinations`), '-m', 'addrtype', '--src-type', 'LOCAL', '-j', 'KUBE-MARK-MASQ');
          natRules.line('-A', extChainName, '-m', 'comment', '--comment', quote(`route LOCAL traffic for ${spn} external destinations`), '-m', 'addrtype', '--src-type', 'LOCAL', '-j', svcChainName);
          if (localEps.length > 0) natRules.line('-A', extChainName, '-j', svlChainName);
          else {
            for (const [ip] of externalVIPs) {
              filterRules.line('-A', 'KUBE-EXTERNAL-SERVICES', '-m', 'comment', '--comment', quote(`${spn} has no local endpoints`), ...proto, '-d', ip, '--dport', String(port.port), '-j', 'DROP');
            }
            if (port.nodePort !== undefined) {
              filterRules.line('-A', 'KUBE-EXTERNAL-SERVICES', '-m', 'comment', '--comment', quote(`${spn} has no local endpoints`), '-m', 'addrtype', '--dst-type', 'LOCAL', ...proto, '--dport', String(port.nodePort), '-j', 'DROP');
            }
          }
        } else {
          natRules.line('-A', extChainName, '-m', 'comment', '--comment', quote(`masquerade traffic for ${spn} external destinations`), '-j', 'KUBE-MARK-MASQ');
          natRules.line('-A', extChainName, '-j', svcChainName);
        }
      }
      natRules.line('-A', svcChainName, '-m', 'comment', '--comment', quote(`${spn} cluster IP`), ...proto, '-d', svc.clusterIP, '--dport', String(port.port), '!', '-s', cluster.podCIDR, '-j', 'KUBE-MARK-MASQ');
      writeEndpointChains(svc, port, svcChainName, eps, comments, natChains, natRules, written);
      if (local && hasExternal && localEps.length > 0) {
        natChains.line(`:${svlChainName}`, '-', '[0:0]');
        writeEndpointChains(svc, port, svlChainName, localEps, comments, natChains, natRules, written);
      }
    }
  }
  natRules.line('-A', 'KUBE-SERVICES', '-m', 'comment', '--comment', quote('kubernetes service nodeports; NOTE: this must be the last rule in this chain'), '-m', 'addrtype', '--dst-type', 'LOCAL', '-j', 'KUBE-NODEPORTS');

  return [
    '*filter',
    ...filterChains.lines,
    ...filterRules.lines,
    'COMMIT',
    '*nat',
    ...natChains.lines,
    ...natRules.lines,
    'COMMIT',
    '',
  ].join('\n');
}

/** The jump rules kube-proxy installs from the built-in chains (with -I, outside the payload). */
export function builtinJumpRules(): string {
  return [
    '*nat',
    ':PREROUTING ACCEPT [0:0]',
    ':INPUT ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':POSTROUTING ACCEPT [0:0]',
    ':KUBE-SERVICES - [0:0]',
    ':KUBE-POSTROUTING - [0:0]',
    '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING',
    'COMMIT',
    '',
  ].join('\n');
}

interface TableSection {
  declarations: string[];
  rules: string[];
}

/** Table name -> its chain declarations and rules, in input order. */
function parseRestore(text: string): Map<string, TableSection> {
  const tables = new Map<string, TableSection>();
  let current: TableSection | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('*')) {
      const name = line.slice(1);
      current = tables.get(name) ?? { declarations: [], rules: [] };
      tables.set(name, current);
    } else if (line.startsWith(':')) current?.declarations.push(line);
    else if (line.startsWith('-')) current?.rules.push(line);
  }
  return tables;
}

/**
 * One restore input holding both the built-in chain jumps and the payload. It cannot be the two
 * concatenated: a full (flushing) restore flushes a table again at its second `*nat` header.
 */
export function mergeRestoreInputs(first: string, second: string): string {
  const merged = parseRestore(second);
  for (const [table, section] of parseRestore(first)) {
    const target = merged.get(table) ?? { declarations: [], rules: [] };
    const declared = new Set(target.declarations.map((d) => d.split(' ')[0]));
    target.declarations = [...section.declarations.filter((d) => !declared.has(d.split(' ')[0])), ...target.declarations];
    target.rules = [...section.rules, ...target.rules];
    merged.set(table, target);
  }
  const out: string[] = [];
  for (const [table, section] of merged) out.push(`*${table}`, ...section.declarations, ...section.rules, 'COMMIT');
  return `${out.join('\n')}\n`;
}
