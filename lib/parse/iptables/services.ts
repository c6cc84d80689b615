/**
 * Reads kube-proxy's iptables-mode rules into the service model. Handles the >=1.24 layout
 * (KUBE-SVC/SVL/EXT/FW), the older one (KUBE-XLB, KUBE-MARK-MASQ rules in KUBE-SERVICES), large
 * clusters without comments, fragments without KUBE-SERVICES, and the filter table's
 * "has no endpoints" rules. Chains are identified by what they serve, never by their hash: the
 * hash is only checked, and used to recover names that comments no longer carry.
 */
import type { Warning } from '../../errors';
import type { Chain as AnyChain } from '../../model/ruleset';
import { unnamedPortKey, type Endpoint, type EndpointIssue, type EntryPointField, type ProxyMode, type Protocol, type ServiceModel, type ServicePort } from '../../model/service';
import type { Finding, ServiceView } from '../../model/snapshot';
import { sanitizeLine } from '../../sanitize';
import { endpointHash, servicePortHash } from './chain-names';
import { probabilityText, unitsToProbability } from './probability';
import { displaySpn, endpointFromComment, parseComment } from './kube-comments';
import type { IptablesRuleset } from './parse-dump';
import type { IptablesRule, RuleFacts } from './rule';

type Chain = AnyChain<IptablesRule>;

export interface BuildOptions {
  source: string;
  /** Service port names (as kube-proxy hashes them) to try for chains whose rules carry no name. */
  candidateNames?: Iterable<string>;
  /** Rule lines pasted without their table, or a dump cut short: ports absent from it are unknown. */
  fragment?: boolean;
}

type GroupKind = 'svc' | 'svl' | 'ext' | 'fw' | 'xlb';
const GROUP_CHAIN = /^KUBE-(SVC|SVL|EXT|FW|XLB)-([A-Z2-7]{16})$/;
const SEP_CHAIN = /^KUBE-SEP-[A-Z2-7]{16}$/;

function isSepChain(name: string | null): name is string {
  return name !== null && name.length === 25 && name.startsWith('KUBE-SEP-') && SEP_CHAIN.test(name);
}
const PROTOCOLS: Protocol[] = ['tcp', 'udp', 'sctp'];

/** The endpoint chain of this name: kube-proxy's is in nat; a fragment may have put it in another table. */
function sepChain(ruleset: IptablesRuleset, name: string): Chain | undefined {
  if (!isSepChain(name)) return undefined;
  const nat = ruleset.tables.get('nat')?.chains.get(name);
  if (nat) return nat;
  for (const t of ruleset.tables.values()) {
    const c = t.chains.get(name);
    if (c) return c;
  }
  return undefined;
}

interface Group {
  hash: string;
  chains: Partial<Record<GroupKind, Chain>>;
  /** The service port name as kube-proxy hashed it (may end in ':' for old unnamed ports). */
  spn: string | null;
  protocol: Protocol | null;
  clusterIP: string | null;
  port: number | null;
  nodePorts: number[];
  externalIPs: string[];
  loadBalancerIPs: string[];
  noEndpoints: 'reject' | 'drop' | null;
  noLocalEndpoints: boolean;
  /** A rule routes to one of its chains that the input does not hold: its endpoints are unknown. */
  chainsMissing: boolean;
}

function newGroup(hash: string): Group {
  return {
    hash, chains: {}, spn: null, protocol: null, clusterIP: null, port: null,
    nodePorts: [], externalIPs: [], loadBalancerIPs: [], noEndpoints: null, noLocalEndpoints: false, chainsMissing: false,
  };
}

function vip(cidr: string): string {
  return cidr.replace(/\/(?:32|128)$/, '');
}

function asProtocol(p: string | null): Protocol | null {
  return p === 'tcp' || p === 'udp' || p === 'sctp' ? p : null;
}

/** Adds `value` unless the (short) list holds it already. */
function addOnce<T>(list: T[], value: T): void {
  if (!list.includes(value)) list.push(value);
}

function round9(x: number): number {
  return Math.round(x * 1e9) / 1e9;
}

class Builder {
  readonly groups = new Map<string, Group>();
  readonly chains: Chain[];
  readonly findings: Finding[] = [];
  readonly warnings: Warning[] = [];
  referencedChains: Set<string> | null = null;

  constructor(readonly ruleset: IptablesRuleset, readonly options: BuildOptions) {
    this.chains = allChains(ruleset);
  }

  sep(name: string): Chain | undefined {
    return sepChain(this.ruleset, name);
  }

  group(hash: string): Group {
    let g = this.groups.get(hash);
    if (!g) {
      g = newGroup(hash);
      this.groups.set(hash, g);
    }
    return g;
  }

  groupOfChain(name: string | null): { group: Group; kind: GroupKind } | null {
    if (!name) return null;
    const m = GROUP_CHAIN.exec(name);
    return m ? { group: this.group(m[2] as string), kind: (m[1] as string).toLowerCase() as GroupKind } : null;
  }

  warn(message: string, line: number | null): void {
    this.warnings.push({ source: this.options.source, line, message });
  }
}

function allChains(ruleset: IptablesRuleset): Chain[] {
  return [...ruleset.tables.values()].flatMap((t) => [...t.chains.values()]);
}

function learnName(g: Group, spn: string | null | undefined): void {
  if (spn && !g.spn) g.spn = spn;
}

function learnProtocol(g: Group, p: string | null): void {
  if (!g.protocol) g.protocol = asProtocol(p);
}

function learnPort(g: Group, rule: IptablesRule): void {
  if (g.port === null && rule.facts.dport && /^\d+$/.test(rule.facts.dport)) g.port = Number(rule.facts.dport);
}

function collectChains(b: Builder): void {
  for (const chain of b.chains) {
    const grouped = b.groupOfChain(chain.name);
    if (grouped) grouped.group.chains[grouped.kind] = chain;
  }
}

function readDispatch(b: Builder): void {
  for (const chain of b.chains) {
    if (chain.name !== 'KUBE-SERVICES' && chain.name !== 'KUBE-NODEPORTS') continue;
    for (const rule of chain.rules) {
      const grouped = b.groupOfChain(rule.facts.target);
      if (!grouped) continue;
      const g = grouped.group;
      if (!g.chains[grouped.kind]) g.chainsMissing = true;
      const said = parseComment(rule.comment);
      learnName(g, said?.spn);
      learnProtocol(g, rule.facts.protocol);
      if (chain.name === 'KUBE-NODEPORTS') {
        if (rule.facts.dport && /^\d+$/.test(rule.facts.dport)) addOnce(g.nodePorts, Number(rule.facts.dport));
        continue;
      }
      const dest = rule.facts.destination;
      if (!dest) continue;
      const role = said?.role ?? (grouped.kind === 'svc' || grouped.kind === 'svl' ? 'cluster' : 'external');
      if (role === 'cluster') {
        g.clusterIP = vip(dest);
        learnPort(g, rule);
      } else if (role === 'lb') {
        addOnce(g.loadBalancerIPs, vip(dest));
      } else {
        addOnce(g.externalIPs, vip(dest));
      }
    }
  }
}

function readGroupChains(b: Builder): void {
  for (const g of b.groups.values()) {
    for (const chain of Object.values(g.chains)) {
      for (const rule of chain.rules) {
        const to = b.groupOfChain(rule.facts.target);
        if (to && !to.group.chains[to.kind]) to.group.chainsMissing = true;
        const said = parseComment(rule.comment);
        learnName(g, said?.spn);
        if (rule.facts.target !== 'KUBE-MARK-MASQ' || !rule.facts.dport) continue;
        // The SVC chain's own masquerade rule repeats the cluster IP and port (>= 1.21);
        // older layouts put the NodePort masquerade rule here, without a destination.
        learnProtocol(g, rule.facts.protocol);
        if (rule.facts.destination && (said === null || said.role === 'cluster')) {
          g.clusterIP ??= vip(rule.facts.destination);
          learnPort(g, rule);
        } else if (!rule.facts.destination && /^\d+$/.test(rule.facts.dport)) {
          addOnce(g.nodePorts, Number(rule.facts.dport));
        }
      }
    }
  }
}

/** `has no endpoints` rules (filter table, or wherever a fragment put them). */
function readNoEndpointRules(b: Builder): void {
  for (const chain of b.chains) {
    for (const rule of chain.rules) {
      if (!rule.comment?.endsWith(' endpoints')) continue;
      const said = parseComment(rule.comment);
      if (!said || (said.role !== 'none' && said.role !== 'no-local')) continue;
      const protocol = asProtocol(rule.facts.protocol);
      if (!protocol) continue;
      const g = b.group(servicePortHash(said.spn, protocol));
      learnName(g, said.spn);
      learnProtocol(g, protocol);
      if (said.role === 'no-local') {
        g.noLocalEndpoints = true;
        continue;
      }
      g.noEndpoints = rule.facts.target === 'DROP' ? 'drop' : 'reject';
      const dest = rule.facts.destination;
      if (chain.name === 'KUBE-SERVICES' && dest) {
        g.clusterIP ??= vip(dest);
        learnPort(g, rule);
      } else if (dest) {
        addOnce(g.externalIPs, vip(dest));
      } else if (rule.facts.dport && /^\d+$/.test(rule.facts.dport)) {
        addOnce(g.nodePorts, Number(rule.facts.dport));
      }
    }
  }
}

/** Candidate names hashed per protocol, so a comment-less chain can be named by its suffix. */
function recoverNames(b: Builder): void {
  const unnamed = [...b.groups.values()].filter((g) => !g.spn);
  if (unnamed.length === 0 || !b.options.candidateNames) return;
  const byHash = new Map<string, { spn: string; protocol: Protocol }>();
  for (const spn of b.options.candidateNames) {
    for (const protocol of PROTOCOLS) byHash.set(servicePortHash(spn, protocol), { spn, protocol });
  }
  for (const g of unnamed) {
    const hit = byHash.get(g.hash);
    if (hit && (!g.protocol || g.protocol === hit.protocol)) {
      g.spn = hit.spn;
      g.protocol = hit.protocol;
    }
  }
}

function sepProtocol(b: Builder, sep: string): Protocol | null {
  const chain = b.sep(sep);
  if (!chain) return null;
  for (const rule of chain.rules) if (rule.facts.dnat !== null) return asProtocol(rule.facts.protocol);
  return null;
}

function inferProtocol(b: Builder, g: Group): void {
  if (g.protocol) return;
  for (const chain of Object.values(g.chains)) {
    for (const rule of chain.rules) {
      const p = isSepChain(rule.facts.target) ? sepProtocol(b, rule.facts.target) : null;
      if (p) {
        g.protocol = p;
        return;
      }
    }
  }
  if (g.spn) g.protocol = PROTOCOLS.find((p) => servicePortHash(g.spn as string, p) === g.hash) ?? null;
}

function serviceKey(g: Group): string {
  if (g.spn) return `${displaySpn(g.spn)}/${g.protocol ?? '?'}`;
  if (g.clusterIP && g.port !== null) return unnamedPortKey(g.clusterIP, g.port, g.protocol);
  return `KUBE-SVC-${g.hash}`;
}

interface EndpointList {
  endpoints: Endpoint[];
  /** The endpoint chain each endpoint was read from (undefined for a fragment without it). */
  chains: (Chain | undefined)[];
  affinitySeconds: number | null;
  dropsForLackOfLocal: boolean;
}

function sepAddress(b: Builder, sep: string, chain: Chain | undefined, viaComment: string | null): { address: string | null; issues: EndpointIssue[] } {
  const dnat = chain ? chain.rules.find((r) => r.facts.dnat !== null) : undefined;
  const address = dnat?.facts.dnat?.address;
  if (address) return { address, issues: NO_ISSUES };
  if (!dnat) {
    // A fragment without the endpoint chain: the jump's comment may still name the endpoint.
    return { address: viaComment, issues: viaComment ? NO_ISSUES : ['unknown-destination'] };
  }
  const unsupported = dnat.facts.unsupportedRevision;
  const why = unsupported
    ? 'its DNAT is printed as [unsupported revision] (the iptables binary is older than the rule in the kernel)'
    : 'its DNAT destination cannot be read (garbled --to-destination)';
  b.warn(`${sep}: ${why}; the endpoint's address is ${viaComment ? `taken from the comment (${sanitizeLine(viaComment)})` : 'unknown'}`, dnat.line);
  const issues: EndpointIssue[] = unsupported ? ['unknown-destination', 'unsupported-revision'] : ['unknown-destination'];
  return { address: viaComment, issues };
}

const printed = new Map<number, number>();

/** The probability as iptables-save prints it, as a number (few distinct values: cached). */
function probabilityNumber(units: number | null): number | null {
  if (units === null) return null;
  let p = printed.get(units);
  if (p === undefined) {
    p = Number(probabilityText(units));
    printed.set(units, p);
  }
  return p;
}

const NO_ISSUES: EndpointIssue[] = [];

function readEndpoints(b: Builder, chain: Chain | undefined): EndpointList {
  const list: EndpointList = { endpoints: [], chains: [], affinitySeconds: null, dropsForLackOfLocal: false };
  if (!chain) return list;
  const bySep = new Map<string, Endpoint>();
  let remaining = 1;
  let unconditionalAt: number | null = null;
  for (const rule of chain.rules) {
    const target = rule.facts.target;
    if (target === 'KUBE-MARK-DROP') list.dropsForLackOfLocal = true;
    if (!isSepChain(target)) continue;
    if (rule.facts.recent && rule.facts.recent.mode === 'rcheck') {
      list.affinitySeconds = rule.facts.recent.seconds;
      continue;
    }
    if (unconditionalAt !== null) {
      b.findings.push({ kind: 'unreachable-rule', message: `${chain.name}: the rule on line ${rule.line} can never match (line ${unconditionalAt} above takes all remaining traffic)`, line: rule.line });
    }
    const p = rule.facts.probability === null ? null : unitsToProbability(rule.facts.probability);
    const share = remaining * (p ?? 1);
    remaining -= share;
    if (p === null) unconditionalAt ??= rule.line;
    const existing = bySep.get(target);
    if (existing) {
      existing.share += share;
      continue;
    }
    const sep = b.sep(target);
    const { address, issues } = sepAddress(b, target, sep, endpointFromComment(rule.comment));
    const endpoint: Endpoint = { address, probability: probabilityNumber(rule.facts.probability), share, ref: target, issues };
    bySep.set(target, endpoint);
    list.endpoints.push(endpoint);
    list.chains.push(sep);
  }
  for (const e of list.endpoints) e.share = round9(e.share);
  if (list.endpoints.length > 0 && remaining > 1e-9) {
    b.findings.push({ kind: 'shares-incomplete', message: `${chain.name}: ${(remaining * 100).toFixed(1)}% of new connections match no endpoint rule (the chain has no final unconditional jump)`, line: chain.line });
  }
  return list;
}

function checkServiceName(b: Builder, g: Group): void {
  if (!g.spn || !g.protocol) return;
  const expected = servicePortHash(g.spn, g.protocol);
  if (expected !== g.hash) {
    const chains = Object.values(g.chains).map((c) => c.name).join(', ');
    b.findings.push({
      kind: 'name-mismatch',
      message: `${chains} serve ${sanitizeLine(displaySpn(g.spn))}/${g.protocol}, but kube-proxy would name them KUBE-…-${expected}`,
      line: Object.values(g.chains)[0]?.line ?? null,
    });
  }
}

/** Whether every endpoint chain bears the name kube-proxy gives it (a mismatch is a finding, said once per chain). */
function checkEndpointNames(b: Builder, g: Group, endpoints: Endpoint[]): boolean {
  if (!g.spn || !g.protocol) return true;
  let allMatch = true;
  for (const e of endpoints) {
    if (!e.ref || !e.address) continue;
    const sepHash = endpointHash(g.spn, g.protocol, e.address);
    if (`KUBE-SEP-${sepHash}` === e.ref) continue;
    allMatch = false;
    if (!b.findings.some((f) => f.message.startsWith(`${e.ref}:`))) {
      b.findings.push({
        kind: 'name-mismatch',
        message: `${e.ref}: sends ${sanitizeLine(displaySpn(g.spn))}/${g.protocol} traffic to ${e.address}, but kube-proxy would name that chain KUBE-SEP-${sepHash}`,
        line: b.sep(e.ref)?.line ?? null,
      });
    }
  }
  return allMatch;
}

/** An endpoint list as read from a chain (its endpoint chains are in the list). */
interface ReadList {
  chain: Chain;
  spn: string | null;
  protocol: Protocol | null;
  list: EndpointList;
}

/**
 * Lists read without a finding or warning, by the facts of their chain's first rule. The other
 * dump of a diff is read alike the first (rules written alike share their facts objects), so an
 * unchanged service chain there finds its list here, checked by identity rather than read again.
 */
const readLists = new WeakMap<RuleFacts, ReadList>();

/** Whether two chains hold, rule by rule, the same facts objects. */
function sameFactsObjects(x: Chain | undefined, y: Chain | undefined): boolean {
  if (!x || !y) return x === y;
  return x.rules.length === y.rules.length && x.rules.every((r, i) => r.facts === (y.rules[i] as IptablesRule).facts);
}

function alreadyRead(b: Builder, g: Group, chain: Chain): EndpointList | null {
  const first = chain.rules[0];
  const known = first && readLists.get(first.facts);
  if (!known || known.chain.name !== chain.name || known.spn !== g.spn || known.protocol !== g.protocol || !sameFactsObjects(chain, known.chain)) return null;
  const { list } = known;
  return list.endpoints.every((e, i) => sameFactsObjects(b.sep(e.ref as string), list.chains[i])) ? list : null;
}

/** The endpoints of a service chain, checked against kube-proxy's names for them. */
function endpointList(b: Builder, g: Group, chain: Chain | undefined): EndpointList {
  const known = chain ? alreadyRead(b, g, chain) : null;
  if (known) return known;
  const findings = b.findings.length;
  const warnings = b.warnings.length;
  const list = readEndpoints(b, chain);
  // A list is remembered only if reading it said nothing, whatever was said before it.
  const namesMatch = checkEndpointNames(b, g, list.endpoints);
  const first = chain?.rules[0];
  if (first && namesMatch && b.findings.length === findings && b.warnings.length === warnings && list.endpoints.every((e) => e.ref !== null)) {
    readLists.set(first.facts, { chain, spn: g.spn, protocol: g.protocol, list });
  }
  return list;
}

function toServicePort(b: Builder, g: Group): ServicePort {
  const cluster = endpointList(b, g, g.chains.svc);
  const local = g.chains.svl ?? g.chains.xlb;
  const localList = local ? endpointList(b, g, local) : null;
  const port: ServicePort = {
    key: serviceKey(g),
    name: g.spn ? displaySpn(g.spn) : null,
    protocol: g.protocol,
    clusterIP: g.clusterIP,
    port: g.port,
    nodePorts: g.nodePorts.sort((x, y) => x - y),
    externalIPs: g.externalIPs.sort(),
    loadBalancerIPs: g.loadBalancerIPs.sort(),
    endpoints: cluster.endpoints,
    localEndpoints: localList && (localList.endpoints.length > 0 || g.chains.svl) ? localList.endpoints : null,
    affinitySeconds: cluster.affinitySeconds ?? localList?.affinitySeconds ?? null,
    noEndpoints: g.noEndpoints,
    noLocalEndpoints: g.noLocalEndpoints || (localList?.dropsForLackOfLocal ?? false),
    refs: (['svc', 'svl', 'ext', 'fw', 'xlb'] as const).flatMap((k) => (g.chains[k] ? [g.chains[k].name] : [])),
    endpointsShown: !g.chainsMissing,
  };
  checkServiceName(b, g);
  return port;
}

function referenced(b: Builder, chain: string): boolean {
  b.referencedChains ??= collectReferences(b.ruleset);
  return b.referencedChains.has(chain);
}

function collectReferences(ruleset: IptablesRuleset): Set<string> {
  const refs = new Set<string>();
  for (const chain of allChains(ruleset)) for (const rule of chain.rules) for (const r of rule.refs) refs.add(r);
  return refs;
}

function staleChain(c: Chain): Finding {
  return { kind: 'stale-chain', message: `${c.name} is declared but empty, and no rule jumps to it (left over from a restart or a proxy-mode switch)`, line: c.line };
}

/** Declared, empty, and nothing routes to it: left behind by a restart or a proxy-mode switch. */
function isStale(b: Builder, g: Group): boolean {
  const chains = Object.values(g.chains);
  const empty = chains.length > 0 && chains.every((c) => c.rules.length === 0);
  const routed = g.clusterIP !== null || g.nodePorts.length > 0 || g.externalIPs.length > 0 || g.loadBalancerIPs.length > 0 || g.noEndpoints !== null;
  if (!empty || routed || chains.some((c) => referenced(b, c.name))) return false;
  for (const c of chains) b.findings.push(staleChain(c));
  return true;
}

/** Endpoint chains no service chain jumps to (fragments, stale chains) are identified by their own content. */
function orphanIdentity(chain: Chain): string | undefined {
  const dnat = chain.rules.find((r) => r.facts.dnat !== null);
  const said = parseComment(chain.rules.find((r) => r.comment)?.comment ?? null);
  const address = dnat?.facts.dnat?.address;
  if (!address || !said || !dnat.facts.protocol) return undefined;
  return `sep:${displaySpn(said.spn)}/${dnat.facts.protocol}@${address}`;
}

/**
 * Chain identities, computed for the chains the diff asks about (few: most pair by name). It
 * keeps the ports and their chain hashes, not the builder: the view outlives the reading.
 */
function identities(sep: (name: string) => Chain | undefined, hashes: string[], ports: ServicePort[]): (chain: string) => string | undefined {
  const portOfGroup = new Map<string, ServicePort>();
  const sepOwner = new Map<string, { port: ServicePort; address: string | null }>();
  const index = (): void => {
    hashes.forEach((hash, i) => {
      const port = ports[i] as ServicePort;
      portOfGroup.set(hash, port);
      for (const e of [...port.endpoints, ...(port.localEndpoints ?? [])]) if (e.ref) sepOwner.set(e.ref, { port, address: e.address });
    });
  };
  const memo = new Map<string, string | undefined>();
  return (chain) => {
    if (memo.has(chain)) return memo.get(chain);
    if (portOfGroup.size === 0 && hashes.length > 0) index();
    let id: string | undefined;
    const m = GROUP_CHAIN.exec(chain);
    if (m) {
      const port = portOfGroup.get(m[2] as string);
      if (port) id = `${(m[1] as string).toLowerCase()}:${port.key}`;
    } else if (isSepChain(chain)) {
      const owner = sepOwner.get(chain);
      const c = sep(chain);
      id = owner ? `sep:${owner.port.key}@${owner.address ?? chain}` : c ? orphanIdentity(c) : undefined;
    }
    memo.set(chain, id);
    return id;
  };
}

/** All service port names the rules mention, for naming comment-less chains in the other snapshot. */
export function mentionedServiceNames(ruleset: IptablesRuleset): Set<string> {
  const names = new Set<string>();
  for (const chain of allChains(ruleset)) {
    if (chain.name !== 'KUBE-SERVICES' && chain.name !== 'KUBE-NODEPORTS' && !GROUP_CHAIN.test(chain.name)) continue;
    for (const rule of chain.rules) {
      const said = parseComment(rule.comment);
      if (said) names.add(said.spn);
    }
  }
  return names;
}

/** kube-proxy's IPVS mode matches its ipsets in the nat table; its services live in IPVS. */
function holdsIpvsModeRules(b: Builder): boolean {
  return b.chains.some((c) => (c.name === 'KUBE-SERVICES' || c.name === 'KUBE-NODE-PORT' || c.name === 'KUBE-LOAD-BALANCER') && c.rules.some((r) => r.raw.includes('--match-set KUBE-')));
}

function holdsChain(b: Builder, name: string): boolean {
  return b.chains.some((c) => c.name === name);
}

/** Which mode the rules are, and what of the node's service ports they cannot show. */
function coverage(b: Builder, ports: ServicePort[]): Omit<ServiceModel, 'ports'> {
  const ipvs = holdsIpvsModeRules(b);
  const dispatch = holdsChain(b, 'KUBE-SERVICES');
  const mode: ProxyMode | null = ports.length > 0 || (dispatch && !ipvs) ? 'iptables' : ipvs ? 'ipvs' : null;
  if (ipvs && mode === 'iptables') b.warn('holds IPVS-mode rules too (ipset matches in KUBE-SERVICES): kube-proxy changed mode on this node and left rules of the other; the iptables-mode services are read', null);
  if (mode === 'ipvs') {
    b.warn("holds kube-proxy's IPVS-mode rules: its services live in IPVS, which an iptables dump does not show (capture `ipvsadm -Ln` too); its service ports are not compared", null);
    return { mode, complete: false, unseen: [] };
  }
  const unseen: EntryPointField[] = [];
  if (ports.length > 0 && !dispatch) unseen.push('clusterIP', 'externalIPs', 'loadBalancerIPs');
  if (ports.length > 0 && !holdsChain(b, 'KUBE-NODEPORTS')) unseen.push('nodePorts');
  return { mode, complete: !b.options.fragment && (dispatch || mode === null), unseen };
}

export function buildServiceView(ruleset: IptablesRuleset, options: BuildOptions): ServiceView {
  const b = new Builder(ruleset, options);
  collectChains(b);
  readDispatch(b);
  readGroupChains(b);
  readNoEndpointRules(b);
  recoverNames(b);
  for (const g of b.groups.values()) inferProtocol(b, g);
  const groups = [...b.groups.values()].filter((g) => !isStale(b, g));
  const ports = groups.map((g) => toServicePort(b, g));
  const chainIdentity = identities((name) => sepChain(ruleset, name), groups.map((g) => g.hash), ports);
  for (const chain of b.chains) {
    if (chain.rules.length === 0 && b.sep(chain.name) === chain && chainIdentity(chain.name) === undefined) {
      b.findings.push(staleChain(chain));
    }
  }
  const order = ports.map((_, i) => i).sort((x, y) => ((ports[x] as ServicePort).key < (ports[y] as ServicePort).key ? -1 : 1));
  return {
    model: { ...coverage(b, ports), ports: order.map((i) => ports[i] as ServicePort) },
    chainIdentity,
    findings: b.findings,
    warnings: b.warnings,
  };
}
