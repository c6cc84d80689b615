/**
 * Reads kube-proxy's nftables-mode tables (`table ip kube-proxy`, `table ip6 kube-proxy`) into
 * the service model, by meaning: service ports are what the `service-ips` / `service-nodeports`
 * verdict maps dispatch to; a chain that picks an endpoint (numgen vmap or map, a lone DNAT) is a
 * policy chain, one that only routes to those is an external chain; endpoints are the numgen
 * buckets, each 1/N of new connections. Names are read for the service port they carry, checked
 * against kube-proxy's hash, and used to group chains only where the rules cannot (a cut listing).
 */
import type { Warning } from '../../errors';
import { unnamedPortKey, type Endpoint, type EndpointIssue, type ModelField, type Protocol, type ServicePort } from '../../model/service';
import type { ChainIdentity, Finding, ServiceView } from '../../model/snapshot';
import { sanitizeLine } from '../../sanitize';
import { displaySpn } from '../iptables/kube-comments';
import type { SetElement } from '../nft/ast';
import type { NftChain, NftDump, NftTable } from '../nft/dump';
import { nftRuleAccount, type PortChains } from './accounts';
import { jumpsOf, picksEndpoints, plainDnat, reachableChains, readPolicy, refusal, type BucketTarget, type NumgenPick, type PolicyContent } from './chains';
import { endpointName, hashMatches, nameHash, parseKubeName, sameKubeName, serviceBase, type KubeName } from './names';

export interface DescribeOptions {
  source: string;
  /** Service port names (`ns/name:port`) to try for chains whose names were cut. */
  candidateNames?: Iterable<string>;
  /** Only these tables (`ip kube-proxy`), as the ruleset view names them. */
  tables?: ReadonlySet<string>;
}

const PROTOCOLS = new Set<string>(['tcp', 'udp', 'sctp']);

/** kube-proxy's table, in either family. */
export function isKubeProxyTable(t: { family: string; name: string }): boolean {
  return t.name === 'kube-proxy' && (t.family === 'ip' || t.family === 'ip6');
}

/** What the maps say of a service port, in the model's terms. */
type Entries = Pick<ServicePort, 'protocol' | 'clusterIP' | 'port' | 'nodePorts' | 'externalIPs' | 'loadBalancerIPs' | 'noEndpoints' | 'noLocalEndpoints'>;

interface Group extends Entries {
  /** Per-service chains in it, in the order they were met. */
  chains: string[];
  cluster: string | null;
  local: string | null;
  external: string | null;
  firewall: string | null;
  hash: string | null;
  spn: string | null;
  /** Something routes to one of its chains that the listing does not hold: its endpoints are unknown. */
  chainsMissing: boolean;
}

function newGroup(): Group {
  return {
    chains: [], cluster: null, local: null, external: null, firewall: null, hash: null, spn: null, protocol: null,
    clusterIP: null, port: null, nodePorts: [], externalIPs: [], loadBalancerIPs: [], noEndpoints: null, noLocalEndpoints: false, chainsMissing: false,
  };
}

/** One element of a dispatch map: where traffic for an address/protocol/port goes. */
interface Dispatch {
  ip: string | null;
  protocol: Protocol | null;
  port: number | null;
  target: string;
  nodePort: boolean;
}

type Role = 'policy' | 'external';

function addOnce<T>(list: T[], value: T): void {
  if (!list.includes(value)) list.push(value);
}

function round9(x: number): number {
  return Math.round(x * 1e9) / 1e9;
}

/** An element key's parts as text (`10.96.0.10 . udp . 53` → three), or null when a part is not a plain value. */
function keyParts(el: SetElement): string[] | null {
  const items = el.key.kind === 'concat' ? el.key.items : [el.key];
  const parts: string[] = [];
  for (const i of items) {
    if (i.kind !== 'value') return null;
    parts.push(i.text);
  }
  return parts;
}

function target(el: SetElement): string | null {
  return el.data?.kind === 'verdict' && el.data.target !== null ? el.data.target : null;
}

function protocolOf(text: string | undefined): Protocol | null {
  return text !== undefined && PROTOCOLS.has(text) ? (text as Protocol) : null;
}

function portOf(text: string | undefined): number | null {
  return text !== undefined && /^\d{1,5}$/.test(text) ? Number(text) : null;
}

/** The address/protocol/port of a `ip . proto . port` or `proto . port` element. */
function destination(el: SetElement, withIp: boolean): { ip: string | null; protocol: Protocol | null; port: number | null } | null {
  const parts = keyParts(el);
  if (!parts || parts.length !== (withIp ? 3 : 2)) return null;
  const [ip, proto, port] = withIp ? parts : [null, ...parts];
  return { ip: ip ?? null, protocol: protocolOf(proto as string), port: portOf(port as string) };
}

function dispatchKey(ip: string | null, protocol: string | null, port: number | null): string {
  return `${ip ?? '*'} ${protocol ?? '?'} ${port ?? '?'}`;
}

interface EndpointList {
  endpoints: Endpoint[];
  balancing: string | null;
  affinitySeconds: number | null;
}

class TableReader {
  readonly live: Set<NftChain> | null;
  readonly roles = new Map<string, Role>();
  readonly dispatches: Dispatch[] = [];
  readonly parent = new Map<string, string>();
  groups: Group[] = [];
  readonly groupOf = new Map<string, Group>();
  readonly byDispatch = new Map<string, Group>();
  readonly byName = new Map<string, Group>();
  readonly identities = new Map<string, ChainIdentity>();
  private readonly policies = new Map<NftChain, PolicyContent>();

  constructor(
    readonly table: NftTable,
    readonly view: ViewBuilder,
    /** Added to every key: ` (IPv6)` when the listing holds both families' tables. */
    readonly keySuffix: string,
  ) {
    this.live = view.partial ? null : reachableChains(table);
  }

  chain(name: string): NftChain | undefined {
    return this.table.chains.get(name);
  }

  /** What the chain does (readPolicy), read once: a role, a route and the endpoints all ask. */
  policy(chain: NftChain): PolicyContent {
    let content = this.policies.get(chain);
    if (!content) this.policies.set(chain, (content = readPolicy(chain)));
    return content;
  }

  setElements(name: string): SetElement[] {
    return this.table.sets.get(name)?.elements.map((e) => e.element) ?? [];
  }

  find(x: string): string {
    let root = x;
    while (this.parent.has(root) && this.parent.get(root) !== root) root = this.parent.get(root) as string;
    return root;
  }

  union(a: string, b: string): void {
    if (!this.parent.has(a)) this.parent.set(a, a);
    if (!this.parent.has(b)) this.parent.set(b, b);
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent.set(rb, ra);
  }
}

/** What the dispatch maps route to, and what each target chain does (picks endpoints, or routes). */
function readDispatch(r: TableReader): void {
  const maps: [string, boolean][] = [['service-ips', false], ['service-nodeports', true]];
  for (const [map, nodePort] of maps) {
    for (const el of r.setElements(map)) {
      const to = target(el);
      const dest = destination(el, !nodePort);
      if (to === null || !dest) continue;
      r.dispatches.push({ ...dest, target: to, nodePort });
      if (!r.roles.has(to)) r.roles.set(to, roleOf(r, to));
      r.union(to, to);
    }
  }
}

function roleOf(r: TableReader, name: string): Role {
  const chain = r.chain(name);
  if (chain) return picksEndpoints(r.policy(chain)) ? 'policy' : 'external';
  return parseKubeName(name)?.prefix === 'external' ? 'external' : 'policy';
}

/** An external chain's routes: its conditional gotos short-circuit to the cluster chain, its final one goes to the policy chain. */
function externalRoutes(r: TableReader, external: string): { cluster: string | null; local: string | null } {
  const chain = r.chain(external);
  if (!chain) return { cluster: null, local: null };
  const conditional: string[] = [];
  const final: string[] = [];
  for (const j of jumpsOf(chain)) {
    const to = r.chain(j.target);
    const picks = to ? picksEndpoints(r.policy(to)) : ['service', 'local'].includes(parseKubeName(j.target)?.prefix ?? '');
    if (!picks) continue;
    r.roles.set(j.target, 'policy');
    addOnce(j.conditional ? conditional : final, j.target);
  }
  const cluster = conditional[0] ?? final[0] ?? null;
  const local = conditional.length > 0 ? (final.find((t) => t !== cluster) ?? null) : null;
  return { cluster, local };
}

/** Chains that serve one service port, joined by the routes between them and by the hash their names share. */
function formGroups(r: TableReader): void {
  const routes = new Map<string, { cluster: string | null; local: string | null }>();
  for (const [name, role] of [...r.roles]) {
    if (role !== 'external') continue;
    const route = externalRoutes(r, name);
    routes.set(name, route);
    if (route.cluster) r.union(name, route.cluster);
    if (route.local) r.union(name, route.local);
  }
  const byHash = new Map<string, string>();
  for (const name of r.parent.keys()) {
    const kube = parseKubeName(name);
    if (!kube || kube.prefix === 'endpoint' || kube.prefix === 'affinity') continue;
    const first = byHash.get(kube.hash);
    if (first === undefined) byHash.set(kube.hash, name);
    else r.union(first, name);
  }
  const byRoot = new Map<string, Group>();
  for (const name of r.parent.keys()) {
    const root = r.find(name);
    let g = byRoot.get(root);
    if (!g) {
      g = newGroup();
      byRoot.set(root, g);
      r.groups.push(g);
    }
    g.chains.push(name);
    r.groupOf.set(name, g);
    if (!r.chain(name)) g.chainsMissing = true;
  }
  for (const [name, route] of routes) {
    const g = r.groupOf.get(name) as Group;
    g.external ??= name;
    g.cluster ??= route.cluster;
    g.local ??= route.local;
  }
}

/** Where each dispatch element says traffic enters: ClusterIP, external or LB IP, NodePort. */
function readEntries(r: TableReader): void {
  for (const d of r.dispatches) {
    const g = r.groupOf.get(d.target) as Group;
    if (d.protocol) g.protocol ??= d.protocol;
    r.byDispatch.set(dispatchKey(d.nodePort ? null : d.ip, d.protocol, d.port), g);
    if (d.nodePort) {
      if (d.port !== null) addOnce(g.nodePorts, d.port);
      if (r.roles.get(d.target) === 'policy') g.cluster ??= d.target;
    } else if (r.roles.get(d.target) === 'external') {
      if (d.ip) addOnce(g.externalIPs, d.ip);
    } else {
      // Straight to a chain that picks endpoints: the ClusterIP (external destinations always pass the external chain).
      g.clusterIP ??= d.ip;
      g.port ??= d.port;
      placeClusterTarget(g, d.target);
    }
  }
  for (const g of r.groups) {
    for (const name of g.chains) {
      if (r.chain(name) || g.cluster === name || g.local === name || g.external === name) continue;
      const prefix = parseKubeName(name)?.prefix;
      if (prefix === 'external') g.external ??= name;
      else if (prefix === 'local') g.local ??= name;
      else if (prefix === 'service') g.cluster ??= name;
    }
  }
}

/**
 * The chain the ClusterIP goes to: the cluster chain, unless the external chain showed another one
 * (internalTrafficPolicy Local). Without an external chain nothing in the rules tells a local
 * chain apart: its name does (`local-…`).
 */
function placeClusterTarget(g: Group, chain: string): void {
  if (g.cluster === null && g.local !== chain) {
    if (g.external === null && parseKubeName(chain)?.prefix === 'local') g.local = chain;
    else g.cluster = chain;
  } else if (g.cluster !== chain) {
    g.local ??= chain;
  }
}

function learnName(g: Group, name: KubeName | null): void {
  if (!name) return;
  g.hash ??= name.hash;
  if (name.spn && !g.spn) {
    g.spn = name.spn;
    g.protocol ??= name.protocol;
  }
}

function nameGroups(r: TableReader): void {
  for (const g of r.groups) {
    for (const name of [g.cluster, g.local, g.external, ...g.chains]) if (name) learnName(g, parseKubeName(name));
  }
  recoverNames(r);
  for (const g of r.groups) if (g.spn && g.protocol) r.byName.set(`${g.spn}/${g.protocol}`, g);
}

/** Cut names (`…...`) keep their hash: a candidate name with that hash names the group. */
function recoverNames(r: TableReader): void {
  const unnamed = r.groups.filter((g) => !g.spn && g.hash);
  if (unnamed.length === 0 || !r.view.options.candidateNames) return;
  const byHash = new Map<string, { spn: string; protocol: Protocol }>();
  for (const spn of r.view.options.candidateNames) {
    for (const protocol of PROTOCOLS) byHash.set(nameHash(serviceBase(spn, protocol)), { spn, protocol: protocol as Protocol });
  }
  for (const g of unnamed) {
    const hit = byHash.get(g.hash as string);
    if (hit && (!g.protocol || g.protocol === hit.protocol)) {
      g.spn = hit.spn;
      g.protocol = hit.protocol;
    }
  }
}

/** The group an element about a service port belongs to: by its destination, else by the name its comment gives. */
function groupFor(r: TableReader, key: string, comment: string | null, protocol: Protocol | null): Group {
  const byKey = r.byDispatch.get(key);
  if (byKey) return byKey;
  const named = comment && protocol ? r.byName.get(`${comment}/${protocol}`) : undefined;
  if (named) return named;
  const g = newGroup();
  g.spn = comment;
  g.protocol = protocol;
  r.groups.push(g);
  if (comment && protocol) r.byName.set(`${comment}/${protocol}`, g);
  return g;
}

/** LoadBalancer IPs with source ranges: `firewall-ips` (1.30+) or the `firewall` set (1.29). */
function readFirewalls(r: TableReader): void {
  for (const set of ['firewall-ips', 'firewall']) {
    for (const el of r.setElements(set)) {
      const dest = destination(el, true);
      if (!dest?.ip) continue;
      const g = groupFor(r, dispatchKey(dest.ip, dest.protocol, dest.port), el.comment, dest.protocol);
      const fw = target(el);
      if (fw) {
        g.firewall ??= fw;
        addOnce(g.chains, fw);
        r.groupOf.set(fw, g);
      }
      addOnce(g.loadBalancerIPs, dest.ip);
      g.externalIPs = g.externalIPs.filter((ip) => ip !== dest.ip);
    }
  }
}

/** `no-endpoint-services` / `no-endpoint-nodeports`: rejected ports (no endpoints) and dropped ones (no local endpoints). */
function readNoEndpoints(r: TableReader): void {
  const clusterIPs = r.table.sets.has('cluster-ips') ? new Set(r.setElements('cluster-ips').flatMap((el) => keyParts(el) ?? [])) : null;
  const maps: [string, boolean][] = [['no-endpoint-services', false], ['no-endpoint-nodeports', true]];
  for (const [map, nodePort] of maps) {
    for (const el of r.setElements(map)) {
      const dest = destination(el, !nodePort);
      if (!dest) continue;
      const g = groupFor(r, dispatchKey(dest.ip, dest.protocol, dest.port), el.comment, dest.protocol);
      if (el.data?.kind === 'verdict' && el.data.verdict === 'drop') g.noLocalEndpoints = true;
      else if (el.data?.kind === 'verdict' && el.data.target !== null) g.noEndpoints = refusal(r.chain(el.data.target)) ?? 'reject';
      if (nodePort) {
        if (dest.port !== null) addOnce(g.nodePorts, dest.port);
      } else if (dest.ip && !g.loadBalancerIPs.includes(dest.ip)) {
        const isCluster = clusterIPs ? clusterIPs.has(dest.ip) : g.clusterIP === null || g.clusterIP === dest.ip;
        if (isCluster) {
          g.clusterIP ??= dest.ip;
          g.port ??= dest.port;
        } else {
          addOnce(g.externalIPs, dest.ip);
        }
      }
    }
  }
}

function serviceKey(g: Group): string {
  if (g.spn) return `${displaySpn(g.spn)}/${g.protocol ?? '?'}`;
  if (g.clusterIP && g.port !== null) return unnamedPortKey(g.clusterIP, g.port, g.protocol);
  return g.cluster ?? g.chains[0] ?? '?';
}

function finding(r: TableReader, kind: Finding['kind'], message: string, line: number | null): void {
  r.view.findings.push({ kind, message, line });
}

/** Each chain's name is kube-proxy's for what it serves: its hash is the hash of the rest, and it names this service port. */
function checkGroupNames(r: TableReader, g: Group, key: string): void {
  for (const name of g.chains) {
    const kube = parseKubeName(name);
    const line = r.chain(name)?.line ?? null;
    if (!kube) continue;
    if (!hashMatches(kube, name)) {
      const rest = name.slice(kube.prefix.length + 10);
      finding(r, 'name-mismatch', `${sanitizeLine(name)}: kube-proxy would name it ${kube.prefix}-${nameHash(rest)}-${sanitizeLine(rest)} (its hash is not the hash of the rest of its name)`, line);
    } else if (kube.spn && g.spn && (kube.spn !== g.spn || kube.protocol !== g.protocol)) {
      finding(r, 'name-mismatch', `${sanitizeLine(name)} serves ${sanitizeLine(key)}, but its name is for ${sanitizeLine(displaySpn(kube.spn))}/${kube.protocol}`, line);
    }
  }
}

function endpointOfChain(r: TableReader, name: string): { address: string | null; issues: EndpointIssue[] } {
  const chain = r.chain(name);
  if (!chain) {
    // A cut listing without the endpoint chain: its name still says where it sends traffic.
    const address = parseKubeName(name)?.endpoint ?? null;
    return { address, issues: address ? [] : ['unknown-destination'] };
  }
  for (const rule of chain.rules) {
    const dnat = plainDnat(rule);
    if (dnat?.address) return { address: dnat.address, issues: [] };
  }
  const why = chain.rules.length === 0 ? 'is empty' : 'has no DNAT natdiff can read';
  r.view.warn(`${sanitizeLine(name)} ${why}: connections sent to it are not sent to a known endpoint`, chain.line);
  return { address: null, issues: ['unknown-destination'] };
}

/** The endpoints a numgen picks from, bucket by bucket (each 1/N of new connections), with how many buckets each has. */
function pickEndpoints(r: TableReader, chain: NftChain, pick: NumgenPick): { endpoints: Endpoint[]; buckets: number[] } {
  const byTarget = new Map<string, { endpoint: Endpoint; buckets: number }>();
  let missing = 0;
  for (let n = pick.offset; n < pick.offset + pick.mod; n++) {
    const t: BucketTarget | undefined = pick.buckets.get(n);
    if (!t) {
      missing++;
      continue;
    }
    const id = 'chain' in t ? `chain ${t.chain}` : `address ${t.address}`;
    let entry = byTarget.get(id);
    if (!entry) {
      const { address, issues } = 'chain' in t ? endpointOfChain(r, t.chain) : { address: t.address, issues: t.address ? [] : (['unknown-destination'] as EndpointIssue[]) };
      entry = { endpoint: { address, probability: null, share: 0, ref: 'chain' in t ? t.chain : null, issues }, buckets: 0 };
      byTarget.set(id, entry);
    }
    entry.endpoint.share += 1 / pick.mod;
    entry.buckets++;
  }
  for (const n of pick.buckets.keys()) {
    if (n < pick.offset || n >= pick.offset + pick.mod) {
      finding(r, 'unreachable-rule', `${sanitizeLine(chain.name)}: bucket ${n} of numgen mod ${pick.mod} on line ${pick.rule.line} can never be picked`, pick.rule.line);
    }
  }
  if (missing > 0 && byTarget.size > 0) {
    finding(r, 'shares-incomplete', `${sanitizeLine(chain.name)}: ${((missing / pick.mod) * 100).toFixed(1)}% of new connections fall in numgen buckets the map does not list (line ${pick.rule.line})`, pick.rule.line);
  }
  const entries = [...byTarget.values()];
  return { endpoints: entries.map(({ endpoint }) => ({ ...endpoint, share: round9(endpoint.share) })), buckets: entries.map((e) => e.buckets) };
}

function readEndpoints(r: TableReader, name: string | null): EndpointList {
  const list: EndpointList = { endpoints: [], balancing: null, affinitySeconds: null };
  const chain = name === null ? undefined : r.chain(name);
  if (!chain) return list;
  const content = r.policy(chain);
  for (const set of content.affinitySets) list.affinitySeconds ??= r.table.sets.get(set)?.timeout ?? null;
  if (content.pick) {
    const { mode, mod, offset } = content.pick;
    const { endpoints, buckets } = pickEndpoints(r, chain, content.pick);
    list.balancing = `numgen ${mode} mod ${mod}${offset ? ` offset ${offset}` : ''}${buckets.length > 0 ? `, buckets ${buckets.join('/')}` : ''}`;
    list.endpoints = endpoints;
  } else if (content.direct) {
    const { address } = content.direct;
    list.balancing = 'dnat';
    list.endpoints = [{ address, probability: null, share: 1, ref: null, issues: address ? [] : ['unknown-destination'] }];
  }
  return list;
}

/** Endpoint chains bear the name kube-proxy gives them for the address they DNAT to. */
function checkEndpointNames(r: TableReader, g: Group, endpoints: Endpoint[]): void {
  if (!g.spn || !g.protocol) return;
  for (const e of endpoints) {
    if (!e.ref || !e.address) continue;
    const expected = endpointName('endpoint', g.spn, g.protocol, e.address);
    if (sameKubeName(e.ref, expected) || r.view.misnamed.has(e.ref)) continue;
    r.view.misnamed.add(e.ref);
    finding(r, 'name-mismatch', `${sanitizeLine(e.ref)}: sends ${sanitizeLine(displaySpn(g.spn))}/${g.protocol} traffic to ${e.address}, but kube-proxy would name that chain ${sanitizeLine(expected)}`, r.chain(e.ref)?.line ?? null);
  }
}

function toServicePort(r: TableReader, g: Group): ServicePort {
  const key = serviceKey(g) + r.keySuffix;
  const cluster = readEndpoints(r, g.cluster);
  const local = g.local === null ? null : readEndpoints(r, g.local);
  checkGroupNames(r, g, key);
  checkEndpointNames(r, g, [...cluster.endpoints, ...(local?.endpoints ?? [])]);
  return {
    key,
    name: g.spn ? displaySpn(g.spn) : null,
    protocol: g.protocol,
    clusterIP: g.clusterIP,
    port: g.port,
    nodePorts: [...g.nodePorts].sort((x, y) => x - y),
    externalIPs: [...g.externalIPs].sort(),
    loadBalancerIPs: [...g.loadBalancerIPs].sort(),
    endpoints: cluster.endpoints,
    localEndpoints: local ? local.endpoints : null,
    affinitySeconds: cluster.affinitySeconds ?? local?.affinitySeconds ?? null,
    noEndpoints: g.noEndpoints,
    noLocalEndpoints: g.noLocalEndpoints || (g.external !== null && g.local === null && g.cluster !== null && externalHasNoFinalRoute(r, g)),
    refs: [g.cluster, g.local, g.external, g.firewall].filter((c): c is string => c !== null),
    // Known only from a set the listing holds (a firewall range, a listing cut before its maps): neither a chain nor a no-endpoints element says where its traffic goes.
    endpointsShown: !g.chainsMissing && (g.cluster !== null || g.local !== null || g.noEndpoints !== null),
    unseen: [],
    diverted: [],
    balancing: cluster.balancing,
  };
}

/** An external chain that only short-circuits (pod and node traffic) sends everything else nowhere: policy Local without local endpoints. */
function externalHasNoFinalRoute(r: TableReader, g: Group): boolean {
  const chain = r.chain(g.external as string);
  if (!chain) return false;
  const jumps = jumpsOf(chain).filter((j) => j.target === g.cluster);
  return jumps.length > 0 && jumps.every((j) => j.conditional);
}

/** Chains kube-proxy flushed and will delete later (partial sync): listed, reached by nothing. */
function staleChains(r: TableReader): void {
  if (!r.live) return;
  for (const chain of r.table.chains.values()) {
    // kube-proxy's own test: per-service chains are the ones with a `/` in their name.
    if (r.live.has(chain) || !chain.name.includes('/')) continue;
    const what = chain.rules.length === 0 ? 'is listed empty and nothing reaches it' : 'is listed but nothing reaches it';
    finding(r, 'stale-chain', `${sanitizeLine(chain.name)} ${what} (kube-proxy flushes a chain it no longer uses and deletes it in a later sync): not a service or endpoint`, chain.line);
  }
}

function identify(r: TableReader, ports: ServicePort[]): void {
  r.groups.forEach((g, i) => {
    const port = ports[i] as ServicePort;
    const roles: [string | null, string][] = [[g.cluster, 'svc'], [g.local, 'svl'], [g.external, 'ext'], [g.firewall, 'fw']];
    for (const [chain, role] of roles) if (chain) r.identities.set(chain, { kind: 'service', service: port.key, role, at: null });
    for (const e of [...port.endpoints, ...(port.localEndpoints ?? [])]) if (e.ref) r.identities.set(e.ref, { kind: 'endpoint', service: port.key, address: e.address ?? e.ref });
  });
}

/** Each per-service chain's port, as the rule accounts need it. */
function portChains(r: TableReader, ports: ServicePort[]): Map<string, PortChains> {
  const portOf = new Map<string, PortChains>();
  r.groups.forEach((g, i) => {
    const port = ports[i] as ServicePort;
    const chains: PortChains = {
      policy: [g.cluster, g.local].filter((c): c is string => c !== null),
      routes: [g.external, g.firewall].filter((c): c is string => c !== null),
      endpoints: [...port.endpoints, ...(port.localEndpoints ?? [])],
      protocol: port.protocol,
    };
    for (const c of [...chains.policy, ...chains.routes]) portOf.set(c, chains);
    for (const e of chains.endpoints) if (e.ref) portOf.set(e.ref, chains);
  });
  return portOf;
}

function describeTable(r: TableReader): ServicePort[] {
  readDispatch(r);
  formGroups(r);
  readEntries(r);
  nameGroups(r);
  readFirewalls(r);
  readNoEndpoints(r);
  const ports = r.groups.map((g) => toServicePort(r, g));
  identify(r, ports);
  staleChains(r);
  return ports;
}

class ViewBuilder {
  readonly findings: Finding[] = [];
  readonly warnings: Warning[] = [];
  /** Endpoint chains already found misnamed: each is said once. */
  readonly misnamed = new Set<string>();

  constructor(
    readonly options: DescribeOptions,
    /** Cut short, or lines left out: a chain nothing jumps to may have lost its jump. */
    readonly partial: boolean,
  ) {}

  warn(message: string, line: number | null): void {
    this.warnings.push({ source: this.options.source, line, message });
  }
}

/**
 * What a table cannot show: the entry points, without its dispatch maps; and never whether an
 * address is an external or a load-balancer IP (but for a load balancer with source ranges).
 */
function unseenOf(table: NftTable): ModelField[] {
  const unseen: ModelField[] = ['ipRoles'];
  if (!table.sets.has('service-ips')) unseen.push('clusterIP', 'externalIPs', 'loadBalancerIPs');
  if (!table.sets.has('service-nodeports')) unseen.push('nodePorts');
  return unseen;
}

export function describeNftables(dump: NftDump, options: DescribeOptions): ServiceView {
  const partial = dump.cutShort || dump.linesLeftOut;
  const view = new ViewBuilder(options, partial);
  const tables = dump.tables.filter((t) => isKubeProxyTable(t) && (!options.tables || options.tables.has(`${t.family} ${t.name}`)));
  const bothFamilies = new Set(tables.map((t) => t.family)).size > 1;
  const ports: ServicePort[] = [];
  // Each table's, looked up in order: a chain both tables name is the first's.
  const identities: ReadonlyMap<string, ChainIdentity>[] = [];
  const unseen = new Set<ModelField>();
  const byTable = new Map<string, { reader: TableReader; portOf: Map<string, PortChains> }>();
  for (const table of tables) {
    // Both families in one listing: a dual-stack port is two ports, told apart by family.
    const r = new TableReader(table, view, bothFamilies && table.family === 'ip6' ? ' (IPv6)' : '');
    const own = describeTable(r);
    byTable.set(`${table.family} ${table.name}`, { reader: r, portOf: portChains(r, own) });
    identities.push(r.identities);
    if (own.length > 0) for (const f of unseenOf(table)) unseen.add(f);
    ports.push(...own);
  }
  ports.sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
  const complete = !partial && tables.every((t) => t.sets.has('service-ips'));
  return {
    model: { mode: tables.length > 0 ? 'nftables' : null, ports, complete, unseen: [...unseen] },
    chainIdentity: (chain) => {
      for (const own of identities) {
        const id = own.get(chain);
        if (id) return id;
      }
      return undefined;
    },
    ruleAccount: (table, chain, index) => {
      const t = byTable.get(table);
      const c = t?.reader.chain(chain);
      return t && c ? nftRuleAccount(c, index, t.portOf.get(chain)) : null;
    },
    findings: view.findings,
    warnings: view.warnings,
  };
}

/** Every service port name the kube-proxy tables mention (chain names, element comments). */
export function nftablesServiceNames(dump: NftDump): Set<string> {
  const names = new Set<string>();
  for (const t of dump.tables.filter(isKubeProxyTable)) {
    for (const chain of t.chains.keys()) {
      const spn = parseKubeName(chain)?.spn;
      if (spn) names.add(spn);
    }
    for (const set of t.sets.values()) for (const el of set.elements) if (el.comment && /^[^\s/]+\/[^\s/]+$/.test(el.comment)) names.add(el.comment);
  }
  return names;
}
