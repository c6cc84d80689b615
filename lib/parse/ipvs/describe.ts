/**
 * The service model of an IPVS table. kube-proxy's IPVS mode makes one virtual service per
 * (address, port, protocol) a service is reached on: its cluster IP, each external and
 * load-balancer IP, and its NodePort on each of the node's addresses. A cluster-IP virtual service
 * is a service port; the others are folded into it where it can be told which port they serve:
 *
 * - On the node's own addresses (`nodeIPs`, 127.0.0.1 and ::1 for the localhost NodePorts of old
 *   versions, or, without `nodeIPs`, an address holding a NodePort the service ports name):
 *   NodePort virtual services. Folded where `servicePorts` give that nodePort, else into the one
 *   cluster-IP port with exactly the same real servers, else listed apart as `NODE:port/protocol`.
 * - On an address the service ports do not give as a cluster IP: an external or load-balancer IP
 *   where the service ports name it (folded), or where its real servers are some of those of the
 *   cluster-IP virtual service of a known port with the same port and protocol (listed apart as
 *   `EXTERNAL:ip:port/protocol`: which service it is cannot be told). Otherwise it is read as the
 *   cluster IP of a port the service ports do not list (metadata of one namespace lists only its
 *   own). Without `servicePorts` every address that is not the node's is read as a cluster IP: an
 *   external or load-balancer IP cannot be told from one (a NodePort with the same real servers
 *   then folds into it).
 *
 * Where a folded virtual service has other real servers than the cluster IP's (externalTrafficPolicy
 * Local: only the node's own endpoints), they are the port's local endpoints.
 */
import type { Warning } from '../../errors';
import { joinHostPort } from '../../model/addresses';
import type { ServicePortInfo } from '../../model/metadata';
import { ENTRY_POINT_FIELDS, unnamedPortKey, type Endpoint, type ModelField, type ServicePort } from '../../model/service';
import type { ChainIdentity, RuleAccount, ServiceView } from '../../model/snapshot';
import { sanitizeLine } from '../../sanitize';
import { normalizeIp } from '../iptables/address';
import { isLoopback } from './address';
import { equalShares, sharesAssumption, sharesOf } from './schedulers';
import type { IpvsDump, IpvsProtocol, VirtualService } from './types';

export interface DescribeOptions {
  source: string;
  /** The cluster's service ports (a natdiff snapshot's metadata): names, cluster IPs, node ports. */
  servicePorts?: readonly ServicePortInfo[];
  /** The node's own addresses, which carry its NodePort virtual services. */
  nodeIPs?: string[];
}

type AddressService = VirtualService & { address: { kind: 'address'; protocol: IpvsProtocol; ip: string; port: number } };

interface Known {
  name: string;
  protocol: string;
  clusterIP: string | null;
  port: number;
  nodePort: number | null;
  externalIPs: string[];
  loadBalancerIPs: string[];
}

interface Draft {
  key: string;
  name: string | null;
  protocol: IpvsProtocol;
  clusterIP: string | null;
  port: number | null;
  /** The virtual service whose real servers are the port's endpoints. */
  primary: AddressService | null;
  /** Its NodePort, external and load-balancer virtual services. */
  others: { service: AddressService; kind: 'node' | 'ext' }[];
  nodePorts: number[];
  externalIPs: string[];
  loadBalancerIPs: string[];
}

function ip(text: string): string | null {
  return normalizeIp(text)?.text ?? null;
}

function ips(list: readonly string[] | undefined): string[] {
  return (list ?? []).flatMap((x) => ip(x) ?? []);
}

function known(info: ServicePortInfo): Known {
  return {
    name: info.name,
    protocol: info.protocol.toLowerCase(),
    clusterIP: info.clusterIP === null ? null : ip(info.clusterIP),
    port: info.port,
    nodePort: info.nodePort,
    externalIPs: ips(info.externalIPs),
    loadBalancerIPs: ips(info.loadBalancerIPs),
  };
}

function addressOf(s: AddressService): string {
  return joinHostPort(s.address.ip, s.address.port);
}

function serverSet(s: VirtualService): string {
  return s.realServers.map((r) => r.address).join(' ');
}

function addOnce<T>(list: T[], value: T): void {
  if (!list.includes(value)) list.push(value);
}

class Describer {
  readonly warnings: Warning[] = [];
  readonly drafts = new Map<string, Draft>();
  readonly known: Known[] | null;
  readonly clusterIPs: Set<string>;
  readonly nodeAddresses: Set<string>;
  readonly assumed = new Set<string>();
  /** Keys of the ports listed apart, for the warning. */
  readonly apart: string[] = [];
  /** Chain identities: `svc:KEY` for a port's own virtual service, `node:KEY@ip:port`/`ext:KEY@ip:port` for the others. */
  readonly ids = new Map<string, ChainIdentity>();

  constructor(readonly dump: IpvsDump, readonly options: DescribeOptions, readonly services: AddressService[]) {
    this.known = options.servicePorts ? options.servicePorts.map(known) : null;
    this.clusterIPs = new Set(this.known?.flatMap((k) => (k.clusterIP ? [k.clusterIP] : [])) ?? []);
    this.nodeAddresses = new Set(options.nodeIPs ? ips(options.nodeIPs) : this.inferredNodeAddresses());
  }

  warn(message: string): void {
    this.warnings.push({ source: this.options.source, line: null, message });
  }

  /**
   * A real server of a port's own virtual service is all in the model (its address, its share by
   * weight) when it is forwarded as kube-proxy forwards (masquerading); of the port's other virtual
   * services the model may hold only some.
   */
  realServerAccount(chain: string, index: number): RuleAccount | null {
    const id = this.ids.get(chain);
    if (id?.kind !== 'service' || id.role !== 'svc') return null;
    const server = this.services.find((s) => s.name === chain)?.realServers[index];
    return server && (server.forward === 'Masq' || server.forward === null) ? 'modelled' : null;
  }

  /** Without `nodeIPs`: the addresses (not cluster IPs) that hold a NodePort the service ports name. */
  inferredNodeAddresses(): string[] {
    if (!this.known) return [];
    const nodePorts = new Set(this.known.flatMap((k) => (k.nodePort === null ? [] : [`${k.nodePort}/${k.protocol}`])));
    return this.services.filter((s) => !this.clusterIPs.has(s.address.ip) && nodePorts.has(`${s.address.port}/${s.address.protocol}`)).map((s) => s.address.ip);
  }

  role(s: AddressService): 'cluster' | 'node' | 'external' {
    if (this.nodeAddresses.has(s.address.ip) || isLoopback(s.address.ip)) return 'node';
    return this.known && !this.clusterIPs.has(s.address.ip) && this.looksExternal(s) ? 'external' : 'cluster';
  }

  /** Named as an external or load-balancer IP, or serving some of the real servers of a known port on the same port. */
  looksExternal(s: AddressService): boolean {
    const { ip: vip, port, protocol } = s.address;
    const servers = s.realServers.map((r) => r.address);
    return (this.known ?? []).some((k) => {
      if (k.port !== port || k.protocol !== protocol) return false;
      if (k.externalIPs.includes(vip) || k.loadBalancerIPs.includes(vip)) return true;
      const cluster = this.services.find((c) => c.address.ip === k.clusterIP && c.address.port === port && c.address.protocol === protocol);
      return servers.length > 0 && cluster !== undefined && servers.every((a) => cluster.realServers.some((r) => r.address === a));
    });
  }

  draft(key: string, init: Omit<Draft, 'key' | 'others' | 'nodePorts' | 'externalIPs' | 'loadBalancerIPs' | 'primary'>): Draft {
    let d = this.drafts.get(key);
    if (!d) {
      d = { key, ...init, primary: null, others: [], nodePorts: [], externalIPs: [], loadBalancerIPs: [] };
      this.drafts.set(key, d);
    }
    return d;
  }

  named(k: Known, protocol: IpvsProtocol): Draft {
    return this.draft(`${k.name}/${protocol}`, { name: k.name, protocol, clusterIP: null, port: null });
  }

  readCluster(s: AddressService): void {
    const { ip: vip, port, protocol } = s.address;
    const k = this.known?.find((x) => x.clusterIP === vip && x.port === port && x.protocol === protocol);
    const d = k ? this.named(k, protocol) : this.draft(unnamedPortKey(vip, port, protocol), { name: null, protocol, clusterIP: vip, port });
    d.clusterIP = vip;
    d.port = port;
    d.primary = s;
  }

  /** NodePort virtual services of one port and protocol, on each of the node's addresses. */
  readNodePort(group: AddressService[]): void {
    const { port, protocol } = (group[0] as AddressService).address;
    const k = this.known?.find((x) => x.nodePort === port && x.protocol === protocol);
    const servers = serverSet(group[0] as AddressService);
    const alike = servers === '' ? [] : [...this.drafts.values()].filter((d) => d.primary && d.protocol === protocol && d.clusterIP !== null && serverSet(d.primary) === servers);
    let d: Draft;
    if (k) d = this.named(k, protocol);
    else if (alike.length === 1) d = alike[0] as Draft;
    else {
      d = this.draft(`NODE:${port}/${protocol}`, { name: null, protocol, clusterIP: null, port: null });
      this.apart.push(`NODE:${port}/${protocol}`);
    }
    addOnce(d.nodePorts, port);
    for (const s of group) d.others.push({ service: s, kind: 'node' });
  }

  readExternal(s: AddressService): void {
    const { ip: vip, port, protocol } = s.address;
    const k = this.known?.find((x) => x.port === port && x.protocol === protocol && (x.loadBalancerIPs.includes(vip) || x.externalIPs.includes(vip)));
    if (!k) {
      const key = `EXTERNAL:${addressOf(s)}/${protocol}`;
      this.draft(key, { name: null, protocol, clusterIP: null, port: null }).others.push({ service: s, kind: 'ext' });
      this.apart.push(key);
      return;
    }
    const d = this.named(k, protocol);
    addOnce(k.loadBalancerIPs.includes(vip) ? d.loadBalancerIPs : d.externalIPs, vip);
    d.others.push({ service: s, kind: 'ext' });
  }

  endpoints(s: VirtualService): Endpoint[] {
    const weights = s.realServers.map((r) => r.weight);
    let shares: number[];
    if (s.scheduling === null || weights.some((w) => w === null)) shares = equalShares(weights.length);
    else {
      shares = sharesOf(s.scheduling.scheduler, weights as number[]);
      if (weights.length > 0) this.assumed.add(s.scheduling.scheduler);
    }
    return s.realServers.map((r, i) => ({ address: r.address, probability: null, share: shares[i] as number, ref: null, issues: r.weight === 0 ? ['draining'] : [] }));
  }

  toPort(d: Draft): ServicePort {
    const others = [...d.others].sort((x, y) => (x.service.name < y.service.name ? -1 : 1));
    const primary = d.primary ?? (others.shift()?.service as AddressService);
    const differing = others.filter((o) => serverSet(o.service) !== serverSet(primary));
    const local = differing[0]?.service ?? null;
    if (differing.some((o) => serverSet(o.service) !== serverSet(local as VirtualService))) {
      this.warn(`${sanitizeLine(d.key)}: its NodePort and external virtual services (${differing.map((o) => o.service.name).join(', ')}) do not all have the same real servers; the local endpoints are those of ${local?.name}`);
    }
    this.ids.set(primary.name, { kind: 'service', service: d.key, role: 'svc', at: null });
    for (const o of d.others) if (o.service !== primary) this.ids.set(o.service.name, { kind: 'service', service: d.key, role: o.kind, at: addressOf(o.service) });
    const scheduling = primary.scheduling;
    const usable = primary.realServers.some((r) => r.weight === null || r.weight > 0);
    return {
      key: d.key,
      name: d.name,
      protocol: d.protocol,
      clusterIP: d.clusterIP,
      port: d.port,
      nodePorts: d.nodePorts.sort((x, y) => x - y),
      externalIPs: d.externalIPs.sort(),
      loadBalancerIPs: d.loadBalancerIPs.sort(),
      endpoints: this.endpoints(primary),
      localEndpoints: local ? this.endpoints(local) : null,
      // Persistence with no real server keeps no client anywhere (kube-proxy's other modes write no affinity then).
      affinitySeconds: primary.realServers.length > 0 ? (scheduling?.persistence?.timeout ?? null) : null,
      // IPVS answers a new connection it cannot schedule with ICMP port unreachable (ip_vs_leave).
      noEndpoints: usable ? null : 'reject',
      noLocalEndpoints: false,
      refs: [primary.name, ...d.others.map((o) => o.service.name).filter((n) => n !== primary.name).sort()],
      endpointsShown: true,
      // External virtual services with the cluster IP's real servers: policy Cluster, or Local with no endpoint on the node (then kube-proxy's iptables rules drop external traffic), which ipvsadm cannot tell apart.
      unseen: local === null && d.others.length > 0 ? ['localEndpoints'] : [],
      diverted: [],
      balancing: scheduling ? balancing(scheduling.scheduler, scheduling.schedulerFlags, primary) : null,
    };
  }
}

function balancing(scheduler: string, flags: string[], s: VirtualService): string {
  const head = `${sanitizeLine(scheduler)}${flags.length > 0 ? ` (${sanitizeLine(flags.join(','))})` : ''}`;
  const weights = s.realServers.map((r) => r.weight);
  return weights.length === 0 || weights.some((w) => w === null) ? head : `${head}, weights ${weights.join('/')}`;
}

function groupNodePorts(services: AddressService[]): AddressService[][] {
  const groups = new Map<string, AddressService[]>();
  for (const s of services) {
    const key = `${s.address.port}/${s.address.protocol}`;
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  return [...groups.values()];
}

export function describeIpvs(dump: IpvsDump, options: DescribeOptions): ServiceView {
  const services = dump.services.filter((s): s is AddressService => s.address.kind === 'address');
  const b = new Describer(dump, options, services);
  const marks = dump.services.filter((s) => s.address.kind === 'fwmark').map((s) => s.name);
  if (marks.length > 0) b.warn(`firewall-mark virtual services (${marks.join(', ')}) are not kube-proxy's: compared real server by real server only`);
  const byRole = { cluster: [] as AddressService[], node: [] as AddressService[], external: [] as AddressService[] };
  for (const s of services) byRole[b.role(s)].push(s);
  byRole.cluster.forEach((s) => b.readCluster(s));
  groupNodePorts(byRole.node).forEach((g) => b.readNodePort(g));
  byRole.external.forEach((s) => b.readExternal(s));
  if (!options.servicePorts && !options.nodeIPs && services.length > 0) {
    b.warn('neither the node\'s addresses nor the cluster\'s service ports are known: every virtual service is read as a cluster IP (`ip:port/protocol`), so NodePort, external and load-balancer virtual services are ports of their own');
  } else if (b.apart.length > 0) {
    b.warn(`virtual services whose service port cannot be told are listed apart: ${b.apart.map(sanitizeLine).join(', ')} (NODE: a NodePort on the node's addresses; EXTERNAL: an external or load-balancer IP)`);
  }
  const ports = [...b.drafts.values()].map((d) => b.toPort(d)).sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
  for (const scheduler of [...b.assumed].sort()) {
    const assumption = sharesAssumption(scheduler);
    if (assumption) b.warn(sanitizeLine(assumption));
  }
  const unseen: ModelField[] = dump.partial?.kind === 'one-service' ? [...ENTRY_POINT_FIELDS] : [];
  if (!dump.shows.weights) unseen.push('shares');
  if (!dump.shows.scheduling) unseen.push('affinity');
  if (!dump.shows.weights || !dump.shows.scheduling) b.warn(`\`${dump.format}\` shows no ${dump.shows.scheduling ? 'weights' : 'scheduler, persistence or weights'}: shares assume equal weights (a draining real server cannot be told)${dump.shows.scheduling ? '' : ' and affinity is not shown'}; capture \`ipvsadm -Ln\``);
  return {
    model: { mode: 'ipvs', ports, complete: dump.partial === null, unseen },
    chainIdentity: (chain) => b.ids.get(chain),
    ruleAccount: (_table, chain, index) => b.realServerAccount(chain, index),
    findings: [],
    warnings: b.warnings,
  };
}
