/**
 * A packet through an iptables nat table, as the kernel walks it: PREROUTING (OUTPUT for a local
 * packet), then POSTROUTING with the mark the first walk left (kube-proxy's KUBE-MARK-MASQ sets
 * 0x4000, KUBE-POSTROUTING masquerades what carries it). `statistic` probabilities are branches;
 * a `recent` check matches only the affinity entry the packet is said to have.
 */
import { InputError } from '../../errors';
import { joinHostPort } from '../../model/addresses';
import type { Chain, Table } from '../../model/ruleset';
import { isLocalAddress, traceScenarios, type AskSource, type TracePacket, type TraceResult } from '../../model/trace';
import { familyOf, ipInCidr, ParsedNetworks, sourceIn, sourceIsNode } from '../../model/trace-sources';
import { Assumptions, hookChain, walkNat, type Effect, type HookChain, type RuleOutcome, type WalkMachine } from '../chain-walk';
import { normalizeHostPort } from './address';
import type { IptablesRule } from './rule';
import { traceRuleOf, type Action, type Condition } from './trace-rule';

/**
 * kube-proxy's chains of the filter table a new connection meets after nat, by hook: where it
 * rejects a service port with no endpoints. (Its other filter chains act on conntrack states and
 * marks a trace of one new connection does not have.)
 */
const KUBE_FILTER_CHAINS = { forward: ['KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES'], input: ['KUBE-EXTERNAL-SERVICES'], output: ['KUBE-SERVICES'] } as const;

/** The mark kube-proxy's KUBE-MARK-MASQ sets and KUBE-POSTROUTING masquerades (its default masquerade bit, 14). */
const KUBE_MASQUERADE_MARK = 0x4000;

interface State {
  mark: number;
  /** Where the packet goes now: its destination, or the DNAT's. */
  ip: string;
  port: number;
}

/** A long chain's rules by the one destination address each matches (`-d 10.96.0.10/32`), and the rest. */
interface DestinationIndex {
  of: Map<string, number[]>;
  others: number[];
}

/** Chains shorter than this are walked rule by rule. */
const INDEXED_FROM = 32;

const destinationIndexes = new WeakMap<Chain<IptablesRule>, DestinationIndex | null>();

function destinationIndex(chain: Chain<IptablesRule>): DestinationIndex | null {
  let index = destinationIndexes.get(chain);
  if (index === undefined) {
    index = chain.rules.length < INDEXED_FROM ? null : { of: new Map(), others: [] };
    chain.rules.forEach((rule, i) => {
      if (!index) return;
      const d = traceRuleOf(rule).conditions.find((c) => c.kind === 'address' && c.side === 'destination' && !c.negated && /\/(32|128)$/.test(c.cidr));
      const ip = d?.kind === 'address' ? d.cidr.slice(0, d.cidr.lastIndexOf('/')) : null;
      const list = ip === null ? index.others : (index.of.get(ip) ?? index.of.set(ip, []).get(ip));
      list?.push(i);
    });
    destinationIndexes.set(chain, index);
  }
  return index;
}

/** The first of `sorted` at or after `from`; Infinity when none. */
function firstFrom(sorted: readonly number[] | undefined, from: number): number {
  if (!sorted) return Infinity;
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid] as number) < from) lo = mid + 1;
    else hi = mid;
  }
  return sorted[lo] ?? Infinity;
}

function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

/** The `recent` lists an affinity entry for `endpoint` is in: those of the chains that DNAT to it. */
function affinityLists(table: Table<IptablesRule>, endpoint: string | null): Set<string> {
  const lists = new Set<string>();
  if (endpoint === null) return lists;
  for (const chain of table.chains.values()) {
    const rules = chain.rules.map(traceRuleOf);
    if (!rules.some((r) => r.action.kind === 'dnat' && r.action.ip !== null && joinHostPort(r.action.ip, r.action.port ?? 0) === endpoint)) continue;
    lists.add(chain.name);
    for (const r of rules) for (const c of r.conditions) if (c.kind === 'recent' && !c.check) lists.add(c.name);
  }
  return lists;
}

class IptablesMachine implements WalkMachine<IptablesRule, State> {
  constructor(
    private readonly table: Table<IptablesRule>,
    private readonly packet: TracePacket,
    private readonly affinity: Set<string>,
    private readonly ask: AskSource,
    readonly assumptions: Assumptions,
    private readonly networks: ParsedNetworks,
  ) {}

  chain(name: string) {
    const c: Chain<IptablesRule> | undefined = this.table.chains.get(name);
    return c ? { rules: c.rules, policy: c.policy === 'DROP' ? ('drop' as const) : ('accept' as const) } : undefined;
  }

  lineOf(rule: IptablesRule): number {
    return rule.line;
  }

  firstCandidate(chain: string, index: number, state: State): number {
    const c = this.table.chains.get(chain) as Chain<IptablesRule>;
    const byDestination = destinationIndex(c);
    if (!byDestination) return index;
    return Math.min(firstFrom(byDestination.of.get(state.ip), index), firstFrom(byDestination.others, index), c.rules.length);
  }

  private assume(chain: string, rule: IptablesRule, message: string): void {
    this.assumptions.add(chain, rule.line, message);
  }

  /** Whether a condition holds; null for one left to the source or to chance. */
  private holds(c: Condition, chain: string, rule: IptablesRule, s: State): boolean | null {
    const p = this.packet;
    switch (c.kind) {
      case 'address':
        if (c.side === 'destination') return ipInCidr(s.ip, c.cidr, this.networks) !== c.negated;
        return p.sourceIp === null ? null : ipInCidr(p.sourceIp, c.cidr, this.networks) !== c.negated;
      case 'protocol':
        return (c.protocol === 'all' || c.protocol === '0' || c.protocol === p.protocol) !== c.negated;
      case 'dport':
        return c.ranges.some(([lo, hi]) => s.port >= lo && s.port <= hi) !== c.negated;
      case 'interface':
        this.assume(chain, rule, `${c.negated ? '! ' : ''}${c.side === 'in' ? '-i' : '-o'} ${c.name}: the packet's interface is taken not to be ${c.name}`);
        return c.negated;
      case 'addrtype':
        return this.addrtype(c, chain, rule, s);
      case 'mark':
        return ((s.mark & c.mask) >>> 0 === c.value) !== c.negated;
      case 'recent':
        return (!c.check || this.affinity.has(c.name)) !== c.negated;
      case 'random':
        return null;
      case 'unknown':
        this.assume(chain, rule, `${c.text}: not understood, taken as not matching`);
        return false;
    }
  }

  private addrtype(c: Extract<Condition, { kind: 'addrtype' }>, chain: string, rule: IptablesRule, s: State): boolean | null {
    if (c.types.length !== 1 || c.types[0] !== 'LOCAL') {
      this.assume(chain, rule, `addrtype ${c.types.join(',')}: not understood, taken as not matching`);
      return false;
    }
    if (c.side === 'source') {
      if (this.packet.local) return !c.negated;
      if (this.packet.sourceIp === null) return null;
    }
    const ip = c.side === 'source' ? (this.packet.sourceIp as string) : s.ip;
    const local = isLocalAddress(ip, this.packet.nodeIps, this.networks);
    if (local === null) {
      const match = `addrtype ${c.side === 'source' ? '--src-type' : '--dst-type'} LOCAL`;
      this.assumptions.addAbout(chain, rule.line, match, ip, (ips, many) => `${match}: ${ips} taken as not ${many ? 'addresses' : 'an address'} of the node; give --node-ip`);
    }
    return (local ?? false) !== c.negated;
  }

  /** The source questions a rule leaves open, asked once all else matched. */
  private sourceHolds(conditions: readonly Condition[]): boolean {
    for (const c of conditions) {
      if (c.kind === 'address' && c.side === 'source' && this.packet.sourceIp === null) {
        if (this.ask(sourceIn(c.cidr, [c.cidr]), c.cidr.endsWith('/0')) === c.negated) return false;
      } else if (c.kind === 'addrtype' && c.side === 'source' && !this.packet.local && this.packet.sourceIp === null) {
        if (this.ask(sourceIsNode(this.packet.nodeIps), false) === c.negated) return false;
      }
    }
    return true;
  }

  step(rule: IptablesRule, chain: string, state: State): RuleOutcome<State>[] {
    const r = traceRuleOf(rule);
    let chance = 1;
    for (const c of r.conditions) {
      if (c.kind === 'random') chance *= c.probability;
      else if (this.holds(c, chain, rule, state) === false) return [{ weight: 1, state, effect: { kind: 'next' } }];
    }
    if (!this.sourceHolds(r.conditions)) return [{ weight: 1, state, effect: { kind: 'next' } }];
    const taken = this.act(r.action, chain, rule, state);
    return chance >= 1 ? [taken] : [{ ...taken, weight: chance }, { weight: 1 - chance, state, effect: { kind: 'next' } }];
  }

  private act(a: Action, chain: string, rule: IptablesRule, state: State): RuleOutcome<State> {
    const go = (effect: Effect, s = state): RuleOutcome<State> => ({ weight: 1, state: s, effect });
    switch (a.kind) {
      case 'jump':
      case 'goto':
        if (a.kind === 'jump' && a.chain === 'KUBE-MARK-MASQ' && !this.table.chains.has(a.chain)) {
          // A fragment without it: kube-proxy's is one rule, the same in every version.
          this.assumptions.add(chain, rule.line, `KUBE-MARK-MASQ is not in the snapshot: taken as kube-proxy's, which marks the packet ${hex(KUBE_MASQUERADE_MARK)} for masquerading`);
          return go({ kind: 'next' }, { ...state, mark: (state.mark | KUBE_MASQUERADE_MARK) >>> 0 });
        }
        return go({ kind: a.kind, chain: a.chain });
      case 'verdict':
        if (a.verdict === 'RETURN') return go({ kind: 'return' });
        return go({ kind: 'stop', verdict: { kind: a.verdict === 'ACCEPT' ? 'accept' : a.verdict === 'DROP' ? 'drop' : 'reject' } });
      case 'dnat': {
        if (a.ip === null) {
          this.assume(chain, rule, `DNAT --to-destination ${a.text}: not one readable address, taken as that text`);
          return go({ kind: 'stop', verdict: { kind: 'dnat', address: a.text } });
        }
        const port = a.port ?? state.port;
        return go({ kind: 'stop', verdict: { kind: 'dnat', address: joinHostPort(a.ip, port) } }, { ...state, ip: a.ip, port });
      }
      case 'masquerade':
        return go({ kind: 'stop', verdict: { kind: 'masquerade' } });
      case 'mark':
        return go({ kind: 'next' }, { ...state, mark: (((state.mark & ~a.mask) >>> 0) ^ a.value) >>> 0 });
      case 'unknown':
        this.assume(chain, rule, `target ${a.name}: not followed, taken as accepting`);
        return go({ kind: 'stop', verdict: { kind: 'accept' } });
      default:
        return go({ kind: 'next' });
    }
  }
}

/**
 * The first chain of a hook: the built-in one; or kube-proxy's own where the built-in one is
 * absent or does not jump to it (kube-proxy adds that jump apart from its restore payload, so a
 * payload, or a dump of one loaded alone, lacks it).
 */
function startChain(table: Table<IptablesRule>, builtin: string, kube: string, assumptions: Assumptions): string | null {
  const chain = table.chains.get(builtin);
  if (!table.chains.has(kube) || chain?.rules.some((r) => traceRuleOf(r).action.kind !== 'none' && r.refs.includes(kube))) return chain ? builtin : null;
  assumptions.add(null, null, `${builtin} ${chain ? 'does not jump to' : 'is not in the snapshot, only'} ${kube}: the trace starts at ${kube}, as if ${builtin} jumped to it first`);
  return kube;
}

/** Traces a packet through the nat table (`table`) of an iptables ruleset; `networks`: those read by the traces of the same run. */
export function traceIptables(tables: ReadonlyMap<string, Table<IptablesRule>>, tableName: string, packet: TracePacket, networks = new ParsedNetworks()): TraceResult {
  const table = tables.get(tableName);
  if (!table) throw new InputError(`the snapshot holds no ${tableName} table to trace`);
  const assumptions = new Assumptions();
  const entry = startChain(table, packet.local ? 'OUTPUT' : 'PREROUTING', 'KUBE-SERVICES', assumptions);
  const exit = startChain(table, 'POSTROUTING', 'KUBE-POSTROUTING', assumptions);
  if (entry === null) throw new InputError(`the snapshot's ${tableName} table has neither ${packet.local ? 'OUTPUT' : 'PREROUTING'} nor KUBE-SERVICES: nothing to start a trace at`);
  const kube = table.chains.has('KUBE-SERVICES');
  if (exit === null) assumptions.add(null, null, kube ? `the snapshot has no POSTROUTING chain: taken as kube-proxy's KUBE-POSTROUTING, which masquerades what carries the mark ${hex(KUBE_MASQUERADE_MARK)}` : 'the snapshot has no POSTROUTING chain: nothing is taken to masquerade');
  const hit = packet.affinityHit === null ? null : (normalizeHostPort(packet.affinityHit)?.text ?? packet.affinityHit);
  const affinity = affinityLists(table, hit);
  if (hit !== null && affinity.size === 0) assumptions.add(null, null, `no chain sends traffic to ${hit}: no affinity entry can match it`);
  const filter = tableName === 'nat' ? tables.get('filter') : undefined;
  const result = traceScenarios(familyOf(packet.destinationIp), (ask) => {
    const nat = new IptablesMachine(table, packet, affinity, ask, assumptions, networks);
    const filtering = filter ? new IptablesMachine(filter, packet, affinity, ask, assumptions, networks) : null;
    const routed = (state: State): HookChain<State>[] => {
      if (!filtering || !filter) return [];
      const hook = packet.local ? 'output' : isLocalAddress(state.ip, packet.nodeIps, networks) ? 'input' : 'forward';
      return KUBE_FILTER_CHAINS[hook].filter((c) => filter.chains.has(c)).map((c) => hookChain(filtering, c, 'filter'));
    };
    return walkNat({ entry: [hookChain(nat, entry)], routed, exit: exit === null ? (state) => kube && (state.mark & KUBE_MASQUERADE_MARK) !== 0 : [hookChain(nat, exit)] }, { mark: 0, ip: packet.destinationIp, port: packet.port });
  }, networks);
  return { ...result, assumptions: [...assumptions.list, ...result.assumptions] };
}
