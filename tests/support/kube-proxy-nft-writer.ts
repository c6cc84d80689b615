/**
 * Writes the `nft -f` transaction kube-proxy's nftables mode (the 1.34–1.35 layout of
 * docs/nftables-layouts.md) sends for a full sync of a cluster: the same ClusterSpec as
 * kube-proxy-writer.ts (iptables mode), so one cluster state can be programmed in either mode. For
 * the fixture README's cluster it writes tests/fixtures/nftables/k8s-1.34-1.35.nft line for line.
 * The fake kube-proxy programs nodes with it; tests load it with the real nft.
 *
 * Later syncs (`firstSync: false`) leave out the add+delete of the base chains (kube-proxy does it
 * once per start), flush the chains that went stale in this sync and delete those that went stale
 * in an earlier one (kube-proxy cannot delete a chain in the transaction that removes the map
 * element pointing to it).
 */
import { endpointName, nameHash, serviceBase } from '../../lib/parse/nftables/names';
import { servicePortName, sortedEndpoints, type ClusterSpec, type EndpointSpec, type PortSpec, type ServiceSpec } from './kube-proxy-writer';

export interface NftWriteOptions {
  family?: 'ip' | 'ip6';
  /** The node's addresses: the `nodeport-ips` set. */
  nodeIPs: string[];
  /** The service CIDRs: `cluster-ips-check` drops traffic to unallocated cluster IPs in them. */
  serviceCIDRs: string[];
  /** The first sync since kube-proxy started: base chains are created afresh. Default true. */
  firstSync?: boolean;
  /** Chains the previous sync wrote that this one does not: flushed now. */
  flushStale?: string[];
  /** Chains flushed as stale by an earlier sync and still not wanted: deleted now. */
  deleteStale?: string[];
}

export interface NftTransaction {
  text: string;
  /** Every per-service chain it writes (service-, local-, external-, firewall-, endpoint-). */
  chains: string[];
}

const MARK = '0x004000';

const BASE_CHAINS: [string, string, string, number][] = [
  ['filter-prerouting-pre-dnat', 'filter', 'prerouting', -110],
  ['filter-output-pre-dnat', 'filter', 'output', -110],
  ['filter-input', 'filter', 'input', 0],
  ['filter-forward', 'filter', 'forward', 0],
  ['filter-output', 'filter', 'output', 0],
  ['nat-prerouting', 'nat', 'prerouting', -100],
  ['nat-output', 'nat', 'output', -100],
  ['nat-postrouting', 'nat', 'postrouting', 100],
];

function endpointText(ep: EndpointSpec): string {
  return ep.ip.includes(':') ? `[${ep.ip}]:${ep.port}` : `${ep.ip}:${ep.port}`;
}

class Transaction {
  readonly lines: string[] = [];
  readonly chains: string[] = [];

  constructor(readonly family: 'ip' | 'ip6') {}

  private prefix(what: string): string {
    return `${what} ${this.family} kube-proxy`;
  }

  add(what: string, rest: string): void {
    this.lines.push(`${this.prefix(what)} ${rest}`);
  }

  /** `add chain X` + `flush chain X`, as kube-proxy ensures every chain it writes. */
  chain(name: string, body = ''): void {
    this.add('add chain', `${name}${body}`);
    this.add('flush chain', name);
  }

  rule(chain: string, rule: string): void {
    this.add('add rule', `${chain} ${rule}`);
  }

  element(set: string, element: string): void {
    this.add('add element', `${set} { ${element} }`);
  }
}

interface Names {
  spn: string;
  service: string;
  local: string;
  external: string;
  firewall: string;
  endpoint: (ep: EndpointSpec) => string;
  affinity: (ep: EndpointSpec) => string;
}

function names(svc: ServiceSpec, port: PortSpec): Names {
  const spn = servicePortName(svc, port);
  const base = serviceBase(spn, port.protocol);
  const of = (prefix: string) => `${prefix}-${nameHash(base)}-${base}`;
  return {
    spn,
    service: of('service'),
    local: of('local'),
    external: of('external'),
    firewall: of('firewall'),
    endpoint: (ep) => endpointName('endpoint', spn, port.protocol, endpointText(ep)),
    affinity: (ep) => endpointName('affinity', spn, port.protocol, endpointText(ep)),
  };
}

function vmap(n: Names, eps: EndpointSpec[]): string {
  return `numgen random mod ${eps.length} vmap { ${eps.map((ep, i) => `${i} : goto ${n.endpoint(ep)}`).join(' , ')} }`;
}

function writeFixed(tx: Transaction, ip: string, addrType: string, options: NftWriteOptions): void {
  const jump = (chain: string, from: string[], ctNew = true) => {
    tx.chain(chain);
    for (const base of from) tx.rule(base, `${ctNew ? 'ct state new ' : ''}jump ${chain}`);
  };
  tx.add('add table', '{ comment "rules for kube-proxy" ; }');
  if (options.firstSync ?? true) {
    for (const [name] of BASE_CHAINS) {
      tx.add('add chain', name);
      tx.add('delete chain', name);
    }
  }
  for (const [name, type, hook, priority] of BASE_CHAINS) tx.chain(name, ` { type ${type} hook ${hook} priority ${priority} ; }`);
  jump('nodeport-endpoints-check', ['filter-input']);
  jump('service-endpoints-check', ['filter-input', 'filter-forward', 'filter-output']);
  jump('firewall-check', ['filter-prerouting-pre-dnat', 'filter-output-pre-dnat']);
  jump('services', ['nat-output', 'nat-prerouting'], false);
  jump('masquerading', ['nat-postrouting'], false);
  jump('cluster-ips-check', ['filter-forward', 'filter-output']);
  tx.chain('mark-for-masquerade');
  tx.rule('mark-for-masquerade', `mark set mark or ${MARK}`);
  tx.rule('masquerading', `mark and ${MARK} == 0 return`);
  tx.rule('masquerading', `mark set mark xor ${MARK}`);
  tx.rule('masquerading', 'masquerade fully-random');
  tx.add('add set', `cluster-ips { type ${addrType} ; comment "Active ClusterIPs" ; }`);
  tx.rule('cluster-ips-check', `${ip} daddr @cluster-ips reject comment "Reject traffic to invalid ports of ClusterIPs"`);
  tx.rule('cluster-ips-check', `${ip} daddr { ${options.serviceCIDRs.join(' , ')} } drop comment "Drop traffic to unallocated ClusterIPs"`);
  tx.add('add set', `nodeport-ips { type ${addrType} ; comment "IPs that accept NodePort traffic" ; }`);
  tx.add('flush set', 'nodeport-ips');
  for (const nodeIP of options.nodeIPs) tx.element('nodeport-ips', nodeIP);
  tx.add('add map', `no-endpoint-services { type ${addrType} . inet_proto . inet_service : verdict ; comment "vmap to drop or reject packets to services with no endpoints" ; }`);
  tx.add('add map', 'no-endpoint-nodeports { type inet_proto . inet_service : verdict ; comment "vmap to drop or reject packets to service nodeports with no endpoints" ; }');
  tx.chain('reject-chain', ' { comment "helper for @no-endpoint-services / @no-endpoint-nodeports" ; }');
  tx.rule('reject-chain', 'reject');
  tx.rule('service-endpoints-check', `${ip} daddr . meta l4proto . th dport vmap @no-endpoint-services`);
  tx.rule('nodeport-endpoints-check', `${ip} daddr @nodeport-ips meta l4proto . th dport vmap @no-endpoint-nodeports`);
  tx.add('add map', `firewall-ips { type ${addrType} . inet_proto . inet_service : verdict ; comment "destinations that are subject to LoadBalancerSourceRanges" ; }`);
  tx.rule('firewall-check', `${ip} daddr . meta l4proto . th dport vmap @firewall-ips`);
  tx.add('add map', `service-ips { type ${addrType} . inet_proto . inet_service : verdict ; comment "ClusterIP, ExternalIP and LoadBalancer IP traffic" ; }`);
  tx.add('add map', 'service-nodeports { type inet_proto . inet_service : verdict ; comment "NodePort traffic" ; }');
  tx.rule('services', `${ip} daddr . meta l4proto . th dport vmap @service-ips`);
  tx.rule('services', `${ip} daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports`);
  for (const set of ['set cluster-ips', 'map service-ips', 'map firewall-ips', 'map no-endpoint-services', 'map no-endpoint-nodeports', 'map service-nodeports']) {
    const [kind, name] = set.split(' ') as [string, string];
    tx.add(`flush ${kind}`, name);
  }
}

/** One service port: its chains, rules and map elements, in kube-proxy's order. */
function writePort(tx: Transaction, ip: string, addrType: string, podCIDR: string, svc: ServiceSpec, port: PortSpec): void {
  const n = names(svc, port);
  const p = port.protocol;
  const eps = sortedEndpoints(port.endpoints);
  const localEps = eps.filter((e) => e.local);
  const localPolicy = svc.externalTrafficPolicy === 'Local';
  const externalIPs = [...(svc.externalIPs ?? []), ...(svc.loadBalancerIPs ?? [])];
  const hasExternal = externalIPs.length > 0 || port.nodePort !== undefined;
  const ranges = svc.loadBalancerSourceRanges ?? [];
  const firewalled = ranges.length > 0 && (svc.loadBalancerIPs ?? []).length > 0;
  const usesLocal = localPolicy && hasExternal && localEps.length > 0;
  const affinity = svc.affinitySeconds;
  tx.lines.push(`# ${n.spn}`);
  const noEndpoints = (verdict: string, forAll: boolean) => {
    const comment = `comment "${n.spn}" : ${verdict}`;
    if (forAll) tx.element('no-endpoint-services', `${svc.clusterIP} . ${p} . ${port.port} ${comment}`);
    for (const ext of externalIPs) tx.element('no-endpoint-services', `${ext} . ${p} . ${port.port} ${comment}`);
    if (port.nodePort !== undefined) tx.element('no-endpoint-nodeports', `${p} . ${port.nodePort} ${comment}`);
  };
  if (eps.length === 0) {
    tx.element('cluster-ips', svc.clusterIP);
    noEndpoints('goto reject-chain', true);
    return;
  }
  const chains = [...eps.map(n.endpoint), n.service, ...(usesLocal ? [n.local] : []), ...(hasExternal ? [n.external] : []), ...(firewalled ? [n.firewall] : [])];
  for (const chain of chains) tx.chain(chain);
  tx.chains.push(...chains);
  if (affinity !== undefined) {
    for (const ep of eps) tx.add('add set', `${n.affinity(ep)} { type ${addrType} ; flags dynamic,timeout ; timeout ${affinity}s ; }`);
  }
  const balance = (chain: string, over: EndpointSpec[]) => {
    if (affinity !== undefined) for (const ep of over) tx.rule(chain, `${ip} saddr @${n.affinity(ep)} goto ${n.endpoint(ep)}`);
    tx.rule(chain, vmap(n, over));
  };
  tx.rule(n.service, `${ip} daddr ${svc.clusterIP} ${ip} saddr != ${podCIDR} jump mark-for-masquerade`);
  balance(n.service, eps);
  if (usesLocal) balance(n.local, localEps);
  if (hasExternal && localPolicy) {
    tx.rule(n.external, `${ip} saddr ${podCIDR} goto ${n.service} comment "short-circuit pod traffic"`);
    tx.rule(n.external, `fib saddr type local jump mark-for-masquerade comment "masquerade local traffic"`);
    tx.rule(n.external, `fib saddr type local goto ${n.service} comment "short-circuit local traffic"`);
    if (usesLocal) tx.rule(n.external, `goto ${n.local}`);
  } else if (hasExternal) {
    tx.rule(n.external, 'jump mark-for-masquerade');
    tx.rule(n.external, `goto ${n.service}`);
  }
  for (const ep of eps) {
    tx.rule(n.endpoint(ep), `${ip} saddr ${ep.ip} jump mark-for-masquerade`);
    if (affinity !== undefined) tx.rule(n.endpoint(ep), `update @${n.affinity(ep)} { ${ip} saddr }`);
    tx.rule(n.endpoint(ep), `meta l4proto ${p} dnat to ${endpointText(ep)}`);
  }
  if (firewalled) tx.rule(n.firewall, `${ip} saddr != { ${ranges.join(' , ')} } drop`);
  tx.element('cluster-ips', svc.clusterIP);
  tx.element('service-ips', `${svc.clusterIP} . ${p} . ${port.port} : goto ${n.service}`);
  if (hasExternal) {
    for (const ext of externalIPs) tx.element('service-ips', `${ext} . ${p} . ${port.port} : goto ${n.external}`);
    if (firewalled) for (const lb of svc.loadBalancerIPs ?? []) tx.element('firewall-ips', `${lb} . ${p} . ${port.port} : goto ${n.firewall}`);
    if (port.nodePort !== undefined) tx.element('service-nodeports', `${p} . ${port.nodePort} : goto ${n.external}`);
    if (localPolicy && localEps.length === 0) noEndpoints('drop', false);
  }
}

/** The transaction of a full sync: fixed objects, then each service port (services in the order given). */
export function writeNftTransaction(cluster: ClusterSpec, options: NftWriteOptions): NftTransaction {
  const family = options.family ?? 'ip';
  const ip = family === 'ip' ? 'ip' : 'ip6';
  const addrType = family === 'ip' ? 'ipv4_addr' : 'ipv6_addr';
  const tx = new Transaction(family);
  writeFixed(tx, ip, addrType, options);
  for (const svc of cluster.services) for (const port of svc.ports) writePort(tx, ip, addrType, cluster.podCIDR, svc, port);
  for (const chain of options.flushStale ?? []) tx.add('flush chain', chain);
  for (const chain of options.deleteStale ?? []) tx.add('delete chain', chain);
  return { text: `${tx.lines.join('\n')}\n`, chains: tx.chains };
}
