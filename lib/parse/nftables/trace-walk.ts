/**
 * A packet through kube-proxy's nftables table, as the kernel walks it: the nat base chain of the
 * prerouting hook (output for a local packet), verdict-map lookups (`ip daddr . meta l4proto . th
 * dport vmap @service-ips`), `numgen random mod N` buckets as equal branches, jump/goto/return,
 * `dnat to` (and `dnat to numgen … map { … }`), then the nat postrouting chain with the mark the
 * first walk left. An affinity set holds the client only when the packet is said to be a
 * returning one for that endpoint.
 */
import { InputError } from '../../errors';
import { joinHostPort } from '../../model/addresses';
import { isLocalAddress, traceScenarios, type AskSource, type TracePacket, type TraceResult } from '../../model/trace';
import { familyOf, ipInCidr, ParsedNetworks, sourceIn, sourceIsNode } from '../../model/trace-sources';
import { sanitizeLine } from '../../sanitize';
import { Assumptions, hookChain, walkNat, type Effect, type RuleOutcome, type WalkChain, type WalkMachine } from '../chain-walk';
import { normalizeHostPort } from '../iptables/address';
import type { Expr, SetElement, Statement } from '../nft/ast';
import type { NftChain, NftDump, NftTable } from '../nft/dump';
import { renderStatements } from '../nft/render';
import type { NftRule } from '../nft/rule';
import { isKubeProxyTable } from './services';

interface State {
  mark: number;
  ip: string;
  port: number;
  /** A DNAT has translated the connection (`ct status dnat`). */
  translated: boolean;
}

/** What a packet field evaluates to: a value, or a question the packet leaves open (its source). */
type Field = { kind: 'value'; text: string } | { kind: 'source' } | { kind: 'unknown' };

const PROTOCOL_NUMBERS: Readonly<Record<string, string>> = { '6': 'tcp', '17': 'udp', '132': 'sctp' };

function protocolText(text: string): string {
  return PROTOCOL_NUMBERS[text] ?? text;
}

/** Whether a packet value is what an element or literal names: an address in a prefix, a number in a range, an equal text. */
function valueIn(value: string, literal: string, networks: ParsedNetworks): boolean {
  if (literal === value) return true;
  if (literal.includes('/')) return ipInCidr(value, literal, networks);
  const dash = literal.indexOf('-');
  if (dash > 0 && /^\d+$/.test(value)) {
    const [lo, hi] = [literal.slice(0, dash), literal.slice(dash + 1)];
    if (/^\d+$/.test(lo) && /^\d+$/.test(hi)) return Number(value) >= Number(lo) && Number(value) <= Number(hi);
  }
  return protocolText(literal) === value;
}

function dnatAddress(addr: Expr | null | undefined, port: Expr | null | undefined, state: State): { ip: string; port: number } | null {
  if (addr?.kind === 'concat' && addr.items.length === 2) return dnatAddress(addr.items[0], addr.items[1], state);
  if (addr?.kind !== 'value') return null;
  const ip = normalizeHostPort(addr.text);
  const p = port?.kind === 'value' && /^\d+$/.test(port.text) ? Number(port.text) : port ? null : state.port;
  return ip && p !== null ? { ip: ip.ip, port: p } : null;
}

/** The sets an affinity entry for `endpoint` is in: those updated by a chain that DNATs to it. */
function affinitySets(table: NftTable, endpoint: string | null): Set<string> {
  const sets = new Set<string>();
  if (endpoint === null) return sets;
  const probe: State = { mark: 0, ip: '', port: 0, translated: false };
  for (const chain of table.chains.values()) {
    const statements = chain.rules.flatMap((r) => r.statements);
    const to = statements.some((s) => s.kind === 'nat' && s.nat === 'dnat' && s.addr?.kind !== 'map' && ((a) => a !== null && joinHostPort(a.ip, a.port) === endpoint)(dnatAddress(s.addr, s.port, probe)));
    if (to) for (const s of statements) if (s.kind === 'set-op') sets.add(s.set);
  }
  return sets;
}


/** The flags a `ct state`/`ct status` match names (`new,established`, `{ new, related }`), or null for an operator a trace cannot judge. */
function ctFlags(st: Extract<Statement, { kind: 'match' }>): string[] | null {
  const flags = st.right.kind === 'value' ? st.right.text.split(',') : st.right.kind === 'flags' ? st.right.items : null;
  return flags !== null && ['in', 'eq', 'ne'].includes(st.op) ? flags : null;
}
class NftMachine implements WalkMachine<NftRule, State> {
  constructor(
    private readonly table: NftTable,
    private readonly packet: TracePacket,
    private readonly affinity: Set<string>,
    /** Sets a rule fills from the packet path: membership is runtime state (affinity). */
    private readonly dynamicSets: Set<string>,
    private readonly ask: AskSource,
    readonly assumptions: Assumptions,
    private readonly networks: ParsedNetworks,
  ) {}

  chain(name: string): WalkChain<NftRule> | undefined {
    const c: NftChain | undefined = this.table.chains.get(name);
    return c ? { rules: c.rules, policy: c.policy === 'drop' ? 'drop' : 'accept' } : undefined;
  }

  lineOf(rule: NftRule): number {
    return rule.line;
  }

  private assume(chain: string, rule: NftRule, message: string): void {
    this.assumptions.add(chain, rule.line, message);
  }

  private field(e: Expr, s: State): Field {
    if (e.kind === 'payload' && e.field === 'daddr') return { kind: 'value', text: s.ip };
    if (e.kind === 'payload' && e.field === 'saddr') return this.packet.sourceIp === null ? { kind: 'source' } : { kind: 'value', text: this.packet.sourceIp };
    if (e.kind === 'payload' && e.field === 'dport') return { kind: 'value', text: String(s.port) };
    if ((e.kind === 'meta' && e.key === 'l4proto') || (e.kind === 'payload' && (e.field === 'protocol' || e.field === 'nexthdr'))) return { kind: 'value', text: this.packet.protocol };
    if (e.kind === 'meta' && e.key === 'mark') return { kind: 'value', text: String(s.mark) };
    if (e.kind === 'value') return { kind: 'value', text: e.text };
    if (e.kind === 'binop') {
      const [l, r] = [this.field(e.left, s), this.field(e.right, s)];
      if (l.kind !== 'value' || r.kind !== 'value' || !/^\d+$/.test(l.text) || !/^\d+$/.test(r.text)) return { kind: 'unknown' };
      const [a, b] = [Number(l.text), Number(r.text)];
      const n = e.op === '&' ? a & b : e.op === '|' ? a | b : e.op === '^' ? a ^ b : e.op === '<<' ? a << b : a >>> b;
      return { kind: 'value', text: String(n >>> 0) };
    }
    return { kind: 'unknown' };
  }

  /** The fields of a key (one, or each part of a concatenation). */
  private key(e: Expr, s: State): Field[] {
    return e.kind === 'concat' ? e.items.map((i) => this.field(i, s)) : [this.field(e, s)];
  }

  /** The elements of a set or map named or written in the rule. */
  private elements(e: Expr): SetElement[] | null {
    if (e.kind === 'set') return e.elements;
    if (e.kind === 'ref') return this.table.sets.get(e.name)?.elements.map((el) => el.element) ?? null;
    return null;
  }

  /**
   * Whether the key's fields are the element's key: true, false, or, when only an unknown source
   * is left to tell, the element's source part (`10.244.1.2` of `10.244.1.2 . 10.244.1.2 . udp . 53`).
   */
  private elementHolds(fields: Field[], el: SetElement): boolean | { source: string } {
    const parts = el.key.kind === 'concat' ? el.key.items : [el.key];
    if (parts.length !== fields.length) return false;
    let source: string | null = null;
    for (const [i, f] of fields.entries()) {
      const p = parts[i] as Expr;
      if (p.kind !== 'value' || f.kind === 'unknown') return false;
      if (f.kind === 'source') source = p.text;
      else if (!valueIn(f.text, p.text, this.networks)) return false;
    }
    return source === null ? true : { source };
  }

  /** `ct state new`: a trace follows the first packet of a connection; null for other states or operators. */
  private ctState(st: Extract<Statement, { kind: 'match' }>): boolean | null {
    const states = ctFlags(st);
    return states === null ? null : states.includes('new') === (st.op !== 'ne');
  }

  /** `ct status dnat`: whether the entry walk translated the connection; null for other status bits. */
  private ctStatus(st: Extract<Statement, { kind: 'match' }>, s: State): boolean | null {
    const bits = ctFlags(st);
    if (bits === null || bits.length !== 1 || bits[0] !== 'dnat') return null;
    return s.translated === (st.op !== 'ne');
  }

  private match(st: Extract<Statement, { kind: 'match' }>, chain: string, rule: NftRule, s: State): boolean {
    const { left, right, op } = st;
    if (left.kind === 'fib' && left.result === 'type' && right.kind === 'value' && right.text === 'local') {
      const source = left.flags.includes('saddr');
      const ip = source ? this.packet.sourceIp : s.ip;
      let local: boolean | null = source && this.packet.local ? true : null;
      if (local === null && ip === null) local = this.ask(sourceIsNode(this.packet.nodeIps), false);
      if (local === null) {
        local = isLocalAddress(ip as string, this.packet.nodeIps, this.networks);
        if (local === null) {
          const match = `fib ${source ? 'saddr' : 'daddr'} type local`;
          this.assumptions.addAbout(chain, rule.line, match, ip as string, (ips, many) => `${match}: ${ips} taken as not ${many ? 'addresses' : 'an address'} of the node; give --node-ip`);
        }
      }
      return (local ?? false) === (op !== 'ne');
    }
    if (left.kind === 'ct' && left.dir === null && (left.key === 'status' || left.key === 'state')) {
      const holds = left.key === 'status' ? this.ctStatus(st, s) : this.ctState(st);
      if (holds !== null) return holds;
    }
    const fields = this.key(left, s);
    if (right.kind === 'ref' && this.dynamicSets.has(right.name)) return this.affinity.has(right.name) === (op !== 'ne');
    const elements = this.elements(right);
    const candidates = elements ?? (right.kind === 'value' ? [{ key: right, data: null, comment: null, timeout: null, expires: null }] : null);
    if (candidates === null || fields.some((f) => f.kind === 'unknown') || (op !== 'eq' && op !== 'ne')) {
      this.assume(chain, rule, `${renderStatements([st], { family: this.table.family })}: not understood, taken as not matching`);
      return false;
    }
    // The packet's own fields first: what is left to the source is the source parts of the elements they match.
    const holds = candidates.map((el) => this.elementHolds(fields, el));
    const sources = [...new Set(holds.flatMap((h) => (typeof h === 'object' ? [h.source] : [])))];
    let found = holds.includes(true);
    if (!found && sources.length > 0) found = this.ask(sourceIn(sources.length === 1 ? (sources[0] as string) : `{ ${sources.join(', ')} }`, sources), false);
    return found === (op === 'eq');
  }

  /** The verdict a map element holds, as an effect. */
  private verdictEffect(data: Expr | null): Effect {
    if (data?.kind !== 'verdict') return { kind: 'next' };
    return this.verdict(data.verdict, data.target);
  }

  private verdict(verdict: string, target: string | null): Effect {
    switch (verdict) {
      case 'jump':
      case 'goto':
        return { kind: verdict, chain: target ?? '' };
      case 'return':
        return { kind: 'return' };
      case 'accept':
        return { kind: 'stop', verdict: { kind: 'accept' } };
      case 'drop':
        return { kind: 'stop', verdict: { kind: 'drop' } };
      default:
        return { kind: 'next' };
    }
  }

  /** Buckets of a numgen lookup, each 1/N; a bucket the map lacks goes on. */
  private numgen(key: Extract<Expr, { kind: 'numgen' }>, data: Expr, s: State, take: (el: SetElement) => RuleOutcome<State>): RuleOutcome<State>[] | null {
    const elements = this.elements(data);
    if (elements === null || key.mod <= 0) return null;
    const outcomes: RuleOutcome<State>[] = [];
    for (let n = key.offset; n < key.offset + key.mod; n++) {
      const el = elements.find((e) => e.key.kind === 'value' && e.key.text === String(n));
      outcomes.push(el ? { ...take(el), weight: 1 / key.mod } : { weight: 1 / key.mod, state: s, effect: { kind: 'next' } });
    }
    return outcomes;
  }

  private dnat(st: Extract<Statement, { kind: 'nat' }>, s: State, chain: string, rule: NftRule): RuleOutcome<State>[] {
    const to = (addr: Expr | null | undefined, port: Expr | null | undefined): RuleOutcome<State> => {
      const a = dnatAddress(addr, port, s);
      if (!a) {
        this.assume(chain, rule, `${renderStatements([st], { family: this.table.family })}: no readable address, taken as accepting`);
        return { weight: 1, state: s, effect: { kind: 'stop', verdict: { kind: 'accept' } } };
      }
      return { weight: 1, state: { ...s, ip: a.ip, port: a.port, translated: true }, effect: { kind: 'stop', verdict: { kind: 'dnat', address: joinHostPort(a.ip, a.port) } } };
    };
    if (st.addr?.kind === 'map' && st.addr.key.kind === 'numgen') {
      const buckets = this.numgen(st.addr.key, st.addr.data, s, (el) => to(el.data, st.port));
      if (buckets) return buckets;
    }
    return [to(st.addr, st.port)];
  }

  step(rule: NftRule, chain: string, state: State): RuleOutcome<State>[] {
    let s = state;
    for (const st of rule.statements) {
      switch (st.kind) {
        case 'match':
          if (!this.match(st, chain, rule, s)) return [{ weight: 1, state, effect: { kind: 'next' } }];
          break;
        case 'verdict': {
          const effect = this.verdict(st.verdict, st.target);
          if (effect.kind !== 'next') return [{ weight: 1, state: s, effect }];
          break;
        }
        case 'vmap': {
          if (st.key.kind === 'numgen') {
            const buckets = this.numgen(st.key, st.data, s, (el) => ({ weight: 1, state: s, effect: this.verdictEffect(el.data) }));
            if (buckets) return buckets;
          }
          const fields = this.key(st.key, s);
          const el = (this.elements(st.data) ?? []).find((e) => this.elementHolds(fields, e) === true);
          if (el) {
            const effect = this.verdictEffect(el.data);
            if (effect.kind !== 'next') return [{ weight: 1, state: s, effect }];
          }
          break;
        }
        case 'nat':
          if (st.nat === 'dnat') return this.dnat(st, s, chain, rule);
          if (st.nat === 'masquerade' || st.nat === 'snat') return [{ weight: 1, state: s, effect: { kind: 'stop', verdict: { kind: 'masquerade' } } }];
          this.assume(chain, rule, `${st.nat}: not followed, taken as accepting`);
          return [{ weight: 1, state: s, effect: { kind: 'stop', verdict: { kind: 'accept' } } }];
        case 'mangle': {
          const v = st.key.kind === 'meta' && st.key.key === 'mark' ? this.field(st.value, s) : null;
          if (v?.kind === 'value' && /^\d+$/.test(v.text)) s = { ...s, mark: Number(v.text) >>> 0 };
          else this.assume(chain, rule, `${renderStatements([st], { family: this.table.family })}: not followed`);
          break;
        }
        case 'reject':
          return [{ weight: 1, state: s, effect: { kind: 'stop', verdict: { kind: 'reject' } } }];
        case 'set-op':
        case 'counter':
          break;
        case 'opaque':
          this.assume(chain, rule, `${st.text}: not understood, taken as not matching`);
          return [{ weight: 1, state, effect: { kind: 'next' } }];
      }
    }
    return [{ weight: 1, state: s, effect: { kind: 'next' } }];
  }
}

/** The base chains of a hook (of type nat only, or nat and filter), by priority: the order the kernel runs them in. */
function baseChains(table: NftTable, hook: string, types: readonly string[] = ['nat']): string[] {
  const chains = [...table.chains.values()].filter((c) => c.base !== null && types.includes(c.base.type) && c.base.hook === hook);
  chains.sort((a, b) => (a.base?.priority ?? 0) - (b.base?.priority ?? 0));
  return chains.map((c) => c.name);
}

/** Traces a packet through the snapshot's kube-proxy table of the packet's family; `networks`: those read by the traces of the same run. */
export function traceNftables(dump: NftDump, packet: TracePacket, networks = new ParsedNetworks()): TraceResult {
  const family = packet.destinationIp.includes(':') ? 'ip6' : 'ip';
  const table = dump.tables.find((t) => isKubeProxyTable(t) && t.family === family) ?? dump.tables.find((t) => (t.family === family || t.family === 'inet') && baseChains(t, 'prerouting').length > 0);
  if (!table) throw new InputError(`the snapshot holds no ${family} nftables table with a nat chain to trace a packet to ${packet.destinationIp}`);
  const hook = packet.local ? 'output' : 'prerouting';
  if (baseChains(table, hook).length === 0) throw new InputError(`table ${family} ${sanitizeLine(table.name)} has no nat chain on the ${hook} hook: nothing to start a trace at`);
  // The table's filter chains too: kube-proxy drops what a load balancer's source ranges leave out before DNAT, and rejects what has no endpoints after it.
  const hooks = { entry: baseChains(table, hook, ['filter', 'nat']), forward: baseChains(table, 'forward', ['filter']), input: baseChains(table, 'input', ['filter']), exit: baseChains(table, 'postrouting', ['filter', 'nat']) };
  const assumptions = new Assumptions();
  if (baseChains(table, 'postrouting').length === 0) assumptions.add(null, null, 'the table has no nat postrouting chain: nothing is taken to masquerade');
  const dynamicSets = new Set<string>();
  for (const c of table.chains.values()) for (const r of c.rules) for (const s of r.statements) if (s.kind === 'set-op') dynamicSets.add(s.set);
  const hit = packet.affinityHit === null ? null : (normalizeHostPort(packet.affinityHit)?.text ?? packet.affinityHit);
  const affinity = affinitySets(table, hit);
  if (hit !== null && affinity.size === 0) assumptions.add(null, null, `no chain sends traffic to ${hit} and keeps affinity for it: no affinity entry can match it`);
  const result = traceScenarios(familyOf(packet.destinationIp), (ask: AskSource) => {
    const machine = new NftMachine(table, packet, affinity, dynamicSets, ask, assumptions, networks);
    const routed = (state: State): string[] => (packet.local ? [] : isLocalAddress(state.ip, packet.nodeIps, networks) ? hooks.input : hooks.forward);
    const pipeline = { entry: hooks.entry.map((c) => hookChain(machine, c)), routed: (state: State) => routed(state).map((c) => hookChain(machine, c)), exit: hooks.exit.map((c) => hookChain(machine, c)) };
    return walkNat(pipeline, { mark: 0, ip: packet.destinationIp, port: packet.port, translated: false });
  }, networks);
  return { ...result, assumptions: [...assumptions.list, ...result.assumptions] };
}
