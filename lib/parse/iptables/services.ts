/**
 * Reads kube-proxy's iptables-mode rules into the service model. Handles the >=1.24 layout
 * (KUBE-SVC/SVL/EXT/FW), the older one (KUBE-XLB, KUBE-MARK-MASQ rules in KUBE-SERVICES), large
 * clusters without comments, fragments without KUBE-SERVICES, and the filter table's
 * "has no endpoints" rules. Chains are identified by what they serve, never by their hash: the
 * hash is only checked, and used to recover names that comments no longer carry. Every rule of a
 * load-balancing chain is read (see ladder.ts): a share sent to no endpoint is part of the model.
 */
import type { Warning } from '../../errors';
import type { Chain as AnyChain } from '../../model/ruleset';
import { unnamedPortKey, type Diversion, type Endpoint, type EndpointIssue, type EntryPointField, type ModelField, type ProxyMode, type Protocol, type ServiceModel, type ServicePort } from '../../model/service';
import type { AlikeUnread, Finding, ServiceView } from '../../model/snapshot';
import { sanitizeLine } from '../../sanitize';
import { hostOf } from './address';
import { endpointHash, servicePortHash } from './chain-names';
import { probabilityText, unitsToProbability } from './probability';
import { displaySpn, endpointFromComment, parseComment } from './kube-comments';
import { destinationKey, GROUP_KINDS, groupOfName, isEndpointChain, isKubeHash, ladderStep, looksInto, SEP_PREFIX, type ChainLookup, type GroupKind, type LadderContext } from './ladder';
import type { IptablesRuleset } from './parse-dump';
import type { IptablesRule, RuleFacts } from './rule';
import { IptablesReadCache } from './read-cache';
import { ServiceRoles } from './service-roles';

type Chain = AnyChain<IptablesRule>;

export interface BuildOptions {
  source: string;
  /** Service port names (as kube-proxy hashes them) to try for chains whose rules carry no name. */
  candidateNames?: Iterable<string>;
  /** Rule lines pasted without their table, or a dump cut short: ports absent from it are unknown. */
  fragment?: boolean;
  /** Ports left unread (their hash suffixes), the other dump holding them written alike: not modelled, counted. */
  alikeUnread?: AlikeUnread;
  /** What the reading of the other dump of a diff learnt (see IptablesReadCache); a new one by default. */
  cache?: IptablesReadCache;
}

const PROTOCOLS: Protocol[] = ['tcp', 'udp', 'sctp'];

/** The chain of this name: kube-proxy's are in nat; a fragment may have put one in another table. */
function findChain(ruleset: IptablesRuleset, name: string): Chain | undefined {
  const nat = ruleset.tables.get('nat')?.chains.get(name);
  if (nat) return nat;
  for (const t of ruleset.tables.values()) {
    const c = t.chains.get(name);
    if (c) return c;
  }
  return undefined;
}

/** Whether kube-proxy could have written this endpoint chain name (redacted dumps have others). */
function isKubeSepName(name: string): boolean {
  return name.startsWith(SEP_PREFIX) && isKubeHash(name.slice(SEP_PREFIX.length));
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
  /** Its chains that rules route to but the input does not hold (a fragment). */
  missing: Set<GroupKind>;
}

/** A port's own chains in the order the model reads them (GROUP_KINDS). */
function ownChains(g: Group): Chain[] {
  return GROUP_KINDS.flatMap((k) => g.chains[k] ?? []);
}

function newGroup(hash: string): Group {
  return {
    hash, chains: {}, spn: null, protocol: null, clusterIP: null, port: null,
    nodePorts: [], externalIPs: [], loadBalancerIPs: [], noEndpoints: null, noLocalEndpoints: false, missing: new Set(),
  };
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
  /** Service and endpoint chains named as kube-proxy never names them (said once, in one warning). */
  readonly oddNames = new Set<string>();
  /** Endpoint chains already found misnamed: each is said once. */
  readonly misnamed = new Set<string>();
  referencedChains: Set<string> | null = null;
  readonly chain: ChainLookup;
  readonly cache: IptablesReadCache;

  /** The last chain looked up: a jump is looked at by the ladder, then read, one after the other. */
  private lastName: string | null = null;
  private lastFound: Chain | undefined;

  constructor(readonly ruleset: IptablesRuleset, readonly options: BuildOptions) {
    this.chains = allChains(ruleset);
    this.chain = (name) => {
      if (name !== this.lastName) {
        this.lastFound = findChain(ruleset, name);
        this.lastName = name;
      }
      return this.lastFound;
    };
    this.cache = options.cache ?? new IptablesReadCache();
  }

  group(hash: string): Group {
    let g = this.groups.get(hash);
    if (!g) {
      g = newGroup(hash);
      this.groups.set(hash, g);
    }
    return g;
  }

  /** Whether the port of this hash was left unread (see BuildOptions.alikeUnread). */
  unread(hash: string): boolean {
    return this.options.alikeUnread?.keys.has(hash) ?? false;
  }

  groupOfChain(name: string | null): { group: Group; kind: GroupKind } | null {
    const named = groupOfName(name);
    return named && !this.unread(named.hash) ? { group: this.group(named.hash), kind: named.kind } : null;
  }

  warn(message: string, line: number | null): void {
    this.warnings.push({ source: this.options.source, line, message });
  }
}

/** Every chain of every table, in order (a loop: flatMap of spread copies costs more at 100k chains). */
function allChains(ruleset: IptablesRuleset): Chain[] {
  const chains: Chain[] = [];
  for (const t of ruleset.tables.values()) for (const c of t.chains.values()) chains.push(c);
  return chains;
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
    if (!grouped) continue;
    grouped.group.chains[grouped.kind] = chain;
    if (!isKubeHash(grouped.group.hash)) b.oddNames.add(chain.name);
  }
}

/** The chains whose rules route service addresses and node ports to ports' chains (and name the ports). */
export const DISPATCH_CHAINS: readonly string[] = ['KUBE-SERVICES', 'KUBE-NODEPORTS'];

function readDispatch(b: Builder): void {
  for (const chain of b.chains) {
    if (!DISPATCH_CHAINS.includes(chain.name)) continue;
    for (const rule of chain.rules) {
      const grouped = b.groupOfChain(rule.facts.target);
      if (!grouped) continue;
      const g = grouped.group;
      if (!g.chains[grouped.kind]) g.missing.add(grouped.kind);
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
        g.clusterIP = hostOf(dest);
        learnPort(g, rule);
      } else if (role === 'lb') {
        addOnce(g.loadBalancerIPs, hostOf(dest));
      } else {
        addOnce(g.externalIPs, hostOf(dest));
      }
    }
  }
}

function readGroupChains(b: Builder): void {
  for (const g of b.groups.values()) {
    for (const chain of ownChains(g)) {
      for (const rule of chain.rules) {
        const to = b.groupOfChain(rule.facts.target);
        if (to && !to.group.chains[to.kind]) to.group.missing.add(to.kind);
        const said = parseComment(rule.comment);
        learnName(g, said?.spn);
        if (rule.facts.target !== 'KUBE-MARK-MASQ' || !rule.facts.dport) continue;
        // The SVC chain's own masquerade rule repeats the cluster IP and port (>= 1.21);
        // older layouts put the NodePort masquerade rule here, without a destination.
        learnProtocol(g, rule.facts.protocol);
        if (rule.facts.destination && (said === null || said.role === 'cluster')) {
          g.clusterIP ??= hostOf(rule.facts.destination);
          learnPort(g, rule);
        } else if (!rule.facts.destination && /^\d+$/.test(rule.facts.dport)) {
          addOnce(g.nodePorts, Number(rule.facts.dport));
        }
      }
    }
  }
}

/**
 * A REJECT or DROP in KUBE-SERVICES of a cluster IP and port without a comment (kube-proxy above
 * 1000 endpoints, or a listing that shows no comments): a port without endpoints all the same,
 * known by its address.
 */
function readUnnamedNoEndpointRule(b: Builder, chain: AnyChain<IptablesRule>, rule: IptablesRule): void {
  const { target, destination, dport } = rule.facts;
  const protocol = asProtocol(rule.facts.protocol);
  if (chain.name !== 'KUBE-SERVICES' || (target !== 'DROP' && target !== 'REJECT') || !protocol || !destination || !dport || !/^\d+$/.test(dport)) return;
  const clusterIP = hostOf(destination);
  const g = b.group(unnamedPortKey(clusterIP, Number(dport), protocol));
  learnProtocol(g, protocol);
  g.clusterIP ??= clusterIP;
  learnPort(g, rule);
  g.noEndpoints = target === 'DROP' ? 'drop' : 'reject';
}

/** `has no endpoints` rules (filter table, or wherever a fragment put them). */
/**
 * The port a "has no endpoints" (or "has no local endpoints") rule speaks for: its hash, name,
 * protocol and which of the two it says; null for any other rule.
 */
export function noEndpointsPortOf(f: RuleFacts): { hash: string; spn: string; protocol: Protocol; role: 'none' | 'no-local' } | null {
  if (!f.comment?.endsWith(' endpoints')) return null;
  const said = parseComment(f.comment);
  const protocol = asProtocol(f.protocol);
  if (!said || (said.role !== 'none' && said.role !== 'no-local') || !protocol || (f.target !== 'DROP' && f.target !== 'REJECT')) return null;
  return { hash: servicePortHash(said.spn, protocol), spn: said.spn, protocol, role: said.role };
}

function readNoEndpointRules(b: Builder): void {
  for (const chain of b.chains) {
    for (const rule of chain.rules) {
      if (rule.comment === null) readUnnamedNoEndpointRule(b, chain, rule);
      const said = noEndpointsPortOf(rule.facts);
      if (!said) continue;
      const { hash, protocol } = said;
      const target = rule.facts.target;
      if (b.unread(hash)) continue;
      const g = b.group(hash);
      learnName(g, said.spn);
      learnProtocol(g, protocol);
      if (said.role === 'no-local') {
        g.noLocalEndpoints = true;
        continue;
      }
      g.noEndpoints = target === 'DROP' ? 'drop' : 'reject';
      const dest = rule.facts.destination;
      if (chain.name === 'KUBE-SERVICES' && dest) {
        g.clusterIP ??= hostOf(dest);
        learnPort(g, rule);
      } else if (dest) {
        addOnce(g.externalIPs, hostOf(dest));
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
  const chain = b.chain(sep);
  if (!chain) return null;
  for (const rule of chain.rules) if (rule.facts.dnat !== null) return asProtocol(rule.facts.protocol);
  return null;
}

function inferProtocol(b: Builder, g: Group): void {
  if (g.protocol) return;
  for (const chain of ownChains(g)) {
    for (const rule of chain.rules) {
      const target = rule.facts.target;
      const p = target !== null && isEndpointChain(b.chain, target) ? sepProtocol(b, target) : null;
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

export interface EndpointList {
  endpoints: Endpoint[];
  /** Shares sent to no endpoint. */
  diverted: Diversion[];
  /** The endpoint chain each endpoint was read from (undefined for a fragment without it). */
  chains: (Chain | undefined)[];
  /** Whether the reading depends only on the chain and its endpoint chains (see looksInto). */
  alone: boolean;
  affinitySeconds: number | null;
  /** The endpoint chains returning clients are sent back to (null: none). */
  sticky: Set<string> | null;
  dropsForLackOfLocal: boolean;
}

/**
 * The endpoint's address from the DNAT rule that sends traffic there (`label` says where, in a
 * warning); `held`: the dump holds the chain the DNAT would be in.
 */
function dnatAddress(b: Builder, label: string, dnat: IptablesRule | undefined, viaComment: string | null, held: boolean): { address: string | null; issues: EndpointIssue[] } {
  const address = dnat?.facts.dnat?.address;
  if (address) return { address, issues: NO_ISSUES };
  if (!dnat) {
    // A fragment without the endpoint chain: the jump's comment may still name the endpoint. A
    // chain held without a DNAT sends it nowhere the rules say.
    return { address: viaComment, issues: viaComment && !held ? NO_ISSUES : ['unknown-destination'] };
  }
  const unsupported = dnat.facts.unsupportedRevision;
  const why = unsupported
    ? 'its DNAT is printed as [unsupported revision] (the iptables binary is older than the rule in the kernel)'
    : 'its DNAT destination cannot be read (garbled --to-destination)';
  b.warn(`${label}: ${why}; the endpoint's address is ${viaComment ? `taken from the comment (${sanitizeLine(viaComment)})` : 'unknown'}`, dnat.line);
  const issues: EndpointIssue[] = unsupported ? ['unknown-destination', 'unsupported-revision'] : ['unknown-destination'];
  return { address: viaComment, issues };
}

/** The probability as iptables-save prints it, as a number (few distinct values: cached). */
function probabilityNumber(b: Builder, units: number | null): number | null {
  if (units === null) return null;
  const printed = b.cache.printedProbabilities;
  let p = printed.get(units);
  if (p === undefined) {
    p = Number(probabilityText(units));
    printed.set(units, p);
  }
  return p;
}

const NO_ISSUES: EndpointIssue[] = [];

function ladderContext(b: Builder, g: Group, local: boolean): LadderContext {
  return { chains: b.chain, protocol: g.protocol, local, hash: g.hash };
}

/** Every rule of a load-balancing chain in order, each taking its share of what the rules above left. */
function readEndpoints(b: Builder, ctx: LadderContext, chain: Chain | undefined): EndpointList {
  const list: EndpointList = { endpoints: [], diverted: [], chains: [], alone: true, affinitySeconds: null, sticky: null, dropsForLackOfLocal: false };
  if (!chain) return list;
  const byTarget = new Map<string, Endpoint | Diversion>();
  let remaining = 1;
  let unconditionalAt: number | null = null;
  for (const rule of chain.rules) {
    if (looksInto(rule.facts)) list.alone = false;
    const step = ladderStep(ctx, rule);
    if (step.kind === 'affinity') {
      list.affinitySeconds = rule.facts.recent?.seconds ?? null;
      (list.sticky ??= new Set()).add(step.target);
      continue;
    }
    if (step.kind === 'implied' || step.kind === 'unread') continue;
    if (unconditionalAt !== null) {
      b.findings.push({ kind: 'unreachable-rule', message: `${chain.name}: the rule on line ${rule.line} can never match (line ${unconditionalAt} above takes all remaining traffic)`, line: rule.line });
    }
    const p = rule.facts.probability === null ? null : unitsToProbability(rule.facts.probability);
    const share = remaining * (p ?? 1);
    remaining -= share;
    if (p === null) unconditionalAt ??= rule.line;
    if (step.kind === 'no-local') {
      list.dropsForLackOfLocal = true;
      continue;
    }
    const key = destinationKey(step, rule) as string;
    const existing = byTarget.get(key);
    if (existing) {
      existing.share += share;
      continue;
    }
    const probability = probabilityNumber(b, rule.facts.probability);
    if (step.kind === 'diverted') {
      const diversion: Diversion = { list: ctx.local ? 'local' : 'cluster', action: step.action, probability, share, ref: step.ref };
      byTarget.set(key, diversion);
      list.diverted.push(diversion);
      continue;
    }
    const via = step.target === null ? undefined : b.chain(step.target);
    const endpoint = step.target === null ? dnatHere(b, chain, rule, probability, share) : endpointVia(b, step.target, via, rule, probability, share);
    byTarget.set(key, endpoint);
    list.endpoints.push(endpoint);
    list.chains.push(via);
  }
  for (const e of list.endpoints) e.share = round9(e.share);
  for (const d of list.diverted) d.share = round9(d.share);
  if (list.endpoints.length + list.diverted.length > 0 && remaining > 1e-9) {
    b.findings.push({ kind: 'shares-incomplete', message: `${chain.name}: ${(remaining * 100).toFixed(1)}% of new connections match no endpoint rule (the chain has no final unconditional jump)`, line: chain.line });
  }
  return list;
}

/** An endpoint behind an endpoint chain. */
function endpointVia(b: Builder, target: string, chain: Chain | undefined, rule: IptablesRule, probability: number | null, share: number): Endpoint {
  if (!isKubeSepName(target)) b.oddNames.add(target);
  const dnat = chain?.rules.find((r) => r.facts.dnat !== null);
  const { address, issues } = dnatAddress(b, target, dnat, endpointFromComment(rule.comment), chain !== undefined);
  return { address, probability, share, ref: target, issues };
}

/** An endpoint DNATed to by the load-balancing chain itself, without an endpoint chain. */
function dnatHere(b: Builder, chain: Chain, rule: IptablesRule, probability: number | null, share: number): Endpoint {
  const { address, issues } = dnatAddress(b, chain.name, rule, null, true);
  return { address, probability, share, ref: null, issues };
}

function checkServiceName(b: Builder, g: Group): void {
  if (!g.spn || !g.protocol || !isKubeHash(g.hash)) return;
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
    if (!e.ref || !e.address || !isKubeSepName(e.ref)) continue;
    const sepHash = endpointHash(g.spn, g.protocol, e.address);
    if (`KUBE-SEP-${sepHash}` === e.ref) continue;
    allMatch = false;
    if (!b.misnamed.has(e.ref)) {
      b.misnamed.add(e.ref);
      b.findings.push({
        kind: 'name-mismatch',
        message: `${e.ref}: sends ${sanitizeLine(displaySpn(g.spn))}/${g.protocol} traffic to ${e.address}, but kube-proxy would name that chain KUBE-SEP-${sepHash}`,
        line: b.chain(e.ref)?.line ?? null,
      });
    }
  }
  return allMatch;
}

/** An endpoint list as read from a chain (its endpoint chains are in the list). */
export interface ReadList {
  chain: Chain;
  spn: string | null;
  protocol: Protocol | null;
  list: EndpointList;
}


/** Whether two chains hold, rule by rule, the same facts objects. */
function sameFactsObjects(x: Chain | undefined, y: Chain | undefined): boolean {
  if (!x || !y) return x === y;
  return x.rules.length === y.rules.length && x.rules.every((r, i) => r.facts === (y.rules[i] as IptablesRule).facts);
}

function alreadyRead(b: Builder, g: Group, chain: Chain): EndpointList | null {
  const first = chain.rules[0];
  // The other dump of a diff is read alike the first (rules written alike share their facts
  // objects): an unchanged service chain finds its list, checked by identity rather than read again.
  const known = first && b.cache.endpointLists.get(first.facts);
  if (!known || known.chain.name !== chain.name || known.spn !== g.spn || known.protocol !== g.protocol || !sameFactsObjects(chain, known.chain)) return null;
  const { list } = known;
  return list.endpoints.every((e, i) => sameFactsObjects(b.chain(e.ref as string), list.chains[i])) ? list : null;
}

/** The endpoints of a service chain, checked against kube-proxy's names for them. */
function endpointList(b: Builder, g: Group, chain: Chain | undefined, local: boolean): EndpointList {
  const known = chain ? alreadyRead(b, g, chain) : null;
  if (known) return known;
  const findings = b.findings.length;
  const warnings = b.warnings.length;
  const list = readEndpoints(b, ladderContext(b, g, local), chain);
  // A list is remembered only if reading it said nothing, whatever was said before it.
  const namesMatch = checkEndpointNames(b, g, list.endpoints);
  const first = chain?.rules[0];
  const silent = b.findings.length === findings && b.warnings.length === warnings;
  if (first && namesMatch && silent && list.alone && list.endpoints.every((e) => e.ref !== null && isKubeSepName(e.ref))) {
    b.cache.endpointLists.set(first.facts, { chain, spn: g.spn, protocol: g.protocol, list });
  }
  return list;
}

/** Whether the list jumps to an endpoint chain the input does not hold, and nothing else names that endpoint. */
function endpointUnshown(list: EndpointList): boolean {
  return list.endpoints.some((e, i) => e.address === null && e.ref !== null && list.chains[i] === undefined);
}

/** A port with session affinity: the endpoints its rules do not send returning clients back to say so. */
function withAffinity(list: EndpointList, affinitySeconds: number | null): Endpoint[] {
  const loose = (e: Endpoint): boolean => affinitySeconds !== null && e.ref !== null && !list.sticky?.has(e.ref);
  if (!list.endpoints.some(loose)) return list.endpoints;
  return list.endpoints.map((e) => (loose(e) ? { ...e, issues: [...e.issues, 'no-affinity'] } : e));
}

/**
 * Whether the input holds the rules that pick the port's cluster-wide endpoints: its service chain
 * (or, without one, every chain that routes there) and, where no comment names them, its endpoint chains.
 */
function clusterShown(g: Group, cluster: EndpointList): boolean {
  return !g.missing.has('svc') && (g.chains.svc !== undefined || g.missing.size === 0) && !endpointUnshown(cluster);
}

/**
 * What the rules cannot show of this port alone; `localShown`: whether the input holds the chains
 * that route its external traffic and pick its node-local endpoints.
 */
function unseenOf(g: Group, localShown: boolean): ModelField[] {
  // Known only by its address (a comment-less "no endpoints" rule): its other entry points are unknown.
  if (g.spn === null && Object.keys(g.chains).length === 0) return ['nodePorts', 'externalIPs', 'loadBalancerIPs'];
  const unseen: ModelField[] = [];
  // Every port kube-proxy serves has a cluster IP: rules that do not say it (a fragment) leave it unknown, not none.
  if (g.clusterIP === null || g.port === null) unseen.push('clusterIP');
  if (!localShown) unseen.push('localEndpoints');
  return unseen;
}

function toServicePort(b: Builder, g: Group): ServicePort {
  const cluster = endpointList(b, g, g.chains.svc, false);
  const local = g.chains.svl ?? g.chains.xlb;
  const localList = local ? endpointList(b, g, local, true) : null;
  const affinitySeconds = cluster.affinitySeconds ?? localList?.affinitySeconds ?? null;
  const endpointsShown = clusterShown(g, cluster);
  // A port whose endpoints are unknown has its local ones unknown too, and says it once.
  const localShown = !endpointsShown || (g.missing.size === 0 && !(localList && endpointUnshown(localList)));
  const port: ServicePort = {
    key: serviceKey(g),
    name: g.spn ? displaySpn(g.spn) : null,
    protocol: g.protocol,
    clusterIP: g.clusterIP,
    port: g.port,
    nodePorts: g.nodePorts.sort((x, y) => x - y),
    externalIPs: g.externalIPs.sort(),
    loadBalancerIPs: g.loadBalancerIPs.sort(),
    endpoints: withAffinity(cluster, affinitySeconds),
    localEndpoints: localList && (localList.endpoints.length > 0 || g.chains.svl) ? withAffinity(localList, affinitySeconds) : null,
    diverted: localList ? [...cluster.diverted, ...localList.diverted] : cluster.diverted,
    balancing: null,
    affinitySeconds,
    noEndpoints: g.noEndpoints,
    noLocalEndpoints: g.noLocalEndpoints || (localList?.dropsForLackOfLocal ?? false),
    refs: ownChains(g).map((c) => c.name),
    endpointsShown,
    unseen: unseenOf(g, localShown),
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

const SHOWN_ODD_NAMES = 3;

/** One warning for all the chains named as kube-proxy never names them: a redacted dump has many. */
function warnOddNames(b: Builder): void {
  if (b.oddNames.size === 0) return;
  const names = [...b.oddNames];
  const shown = names.slice(0, SHOWN_ODD_NAMES).map(sanitizeLine).join(', ');
  const more = names.length > SHOWN_ODD_NAMES ? ` and ${names.length - SHOWN_ODD_NAMES} more` : '';
  const what = names.length === 1 ? '1 chain has a name' : `${names.length} chains have names`;
  b.warn(`${what} kube-proxy would not write (${shown}${more}; redacted?): read by what ${names.length === 1 ? 'it does' : 'they do'}`, b.chain(names[0] as string)?.line ?? null);
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

/** All service port names the rules mention, for naming comment-less chains in the other snapshot. */
export function mentionedServiceNames(ruleset: IptablesRuleset): Set<string> {
  const names = new Set<string>();
  for (const chain of allChains(ruleset)) {
    if (!DISPATCH_CHAINS.includes(chain.name) && !groupOfName(chain.name)) continue;
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
  const hasPorts = ports.length + (b.options.alikeUnread?.servicePorts ?? 0) > 0;
  const mode: ProxyMode | null = hasPorts || (dispatch && !ipvs) ? 'iptables' : ipvs ? 'ipvs' : null;
  if (ipvs && mode === 'iptables') b.warn('holds IPVS-mode rules too (ipset matches in KUBE-SERVICES): kube-proxy changed mode on this node and left rules of the other; the iptables-mode services are read', null);
  if (mode === 'ipvs') {
    b.warn("holds kube-proxy's IPVS-mode rules: its services live in IPVS, which an iptables dump does not show (capture `ipvsadm -Ln` too); its service ports are not compared", null);
    return { mode, complete: false, unseen: [] };
  }
  const unseen: EntryPointField[] = [];
  if (hasPorts && !dispatch) unseen.push('clusterIP', 'externalIPs', 'loadBalancerIPs');
  if (hasPorts && !holdsChain(b, 'KUBE-NODEPORTS')) unseen.push('nodePorts');
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
  const roles = new ServiceRoles(ruleset, b.chain, groups.map((g) => g.hash), ports);
  for (const chain of b.chains) {
    if (chain.rules.length === 0 && chain.name.startsWith(SEP_PREFIX) && b.chain(chain.name) === chain && roles.identity(chain.name) === undefined) {
      b.findings.push(staleChain(chain));
    }
  }
  warnOddNames(b);
  const order = ports.map((_, i) => i).sort((x, y) => ((ports[x] as ServicePort).key < (ports[y] as ServicePort).key ? -1 : 1));
  return {
    model: { ...coverage(b, ports), ports: order.map((i) => ports[i] as ServicePort) },
    chainIdentity: (chain) => roles.identity(chain),
    ruleAccount: (table, chain, index) => roles.account(table, chain, index),
    findings: b.findings,
    warnings: b.warnings,
  };
}
