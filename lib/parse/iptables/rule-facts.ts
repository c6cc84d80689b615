/**
 * What the service model needs to know about a rule, read in one walk of its tokens with no
 * canonical text built: destination, protocol, port, probability, `recent` list, target, DNAT
 * destination, comment. Every rule of a dump goes through here, so it stays allocation-light.
 */
import { normalizeCidr, normalizeHostPort } from './address';
import { ALL_ONES_MASKS } from './matches';
import { normalizePortSpec } from './ports';
import { probabilityUnits } from './probability';
import { canonicalProtocol, walkRule, type BaseOption, type RuleVisitor } from './rule-walk';
import { BUILTIN_TARGETS } from './targets';
import type { Tokens } from './tokenize';

export interface RuleFacts {
  protocol: string | null;
  /** Non-negated `-d` in canonical form. */
  destination: string | null;
  /** Non-negated `-s` in canonical form. */
  source: string | null;
  dport: string | null;
  /** statistic --probability on the 31-bit grid; for `! --probability` the complement. */
  probability: number | null;
  /** `unusual`: options kube-proxy never writes (a hit count, a TTL, a mask, a negation, two modes or lists). */
  recent: { name: string; mode: string; seconds: number | null; unusual: boolean } | null;
  /**
   * Which packets the rule takes depends on more than its protocol, a random probability and a
   * `recent` list: an address, an interface, a port, another match, a negated protocol.
   */
  selective: boolean;
  /** -j/-g name: a chain or a target extension. */
  target: string | null;
  /** `-g`: the chain's traffic never comes back from the target. */
  goto: boolean;
  /** Set for a DNAT: its destination (`ip:port`), or null when the saved text cannot be read. */
  dnat: { address: string | null } | null;
  /** A match or target printed as `[unsupported revision]`: userspace older than the kernel rule. */
  unsupportedRevision: boolean;
  comment: string | null;
  /**
   * The fields above say everything the rule means (see `sameMeaning`): only `-s`, `-d`, `-p`,
   * a comment, a destination port, a random probability, and a jump (DNAT with one readable
   * destination). Most kube-proxy rules are such.
   */
  complete: boolean;
}

export interface FactsContext {
  warn(message: string): void;
}

const PORT_MODULES = new Set(['tcp', 'udp', 'sctp']);
const RECENT_MODES = new Set(['--set', '--rcheck', '--update', '--remove']);
/** `recent` options kube-proxy writes (iptables-save adds the mask and the source side). */
const RECENT_USUAL = new Set(['--set', '--rcheck', '--name', '--seconds', '--reap', '--mask', '--rsource']);
/** Modules that leave which packets a rule takes to its protocol, chance and a `recent` list. */
const NOT_SELECTIVE_MODULES = new Set(['comment', 'statistic', 'recent', ...PORT_MODULES]);

class FactsVisitor implements RuleVisitor {
  readonly facts: RuleFacts = {
    protocol: null, destination: null, source: null, dport: null, probability: null, recent: null,
    selective: false, target: null, goto: false, dnat: null, unsupportedRevision: false, comment: null, complete: true,
  };
  private modules: string[] = [];
  private portOptions = 0;
  private probabilities = 0;
  private recentName: string | null = null;
  private recentMode: string | null = null;
  private recentSeconds: number | null = null;
  private recentUnusual = false;
  private toDestinations = 0;
  private dnatValue: string | null = null;

  constructor(
    private readonly t: Tokens,
    private readonly ctx: FactsContext,
  ) {}

  base(name: BaseOption, value: string, negated: boolean): void {
    if (negated || (name !== '-s' && name !== '-d' && name !== '-p')) this.facts.complete = false;
    if (negated || name !== '-p') this.facts.selective = true;
    if (name === '-s' || name === '-d') {
      const cidr = normalizeCidr(value);
      if (!cidr) this.ctx.warn(`${name} ${value} is not an IP address or network`);
      if (!negated) this.facts[name === '-s' ? 'source' : 'destination'] = cidr ?? value;
    } else if (name === '-p' && !negated) {
      const p = canonicalProtocol(value);
      this.facts.protocol = p === 'all' || p === '0' ? null : p;
    }
  }

  module(_index: number, name: string): void {
    if (!NOT_SELECTIVE_MODULES.has(name) || (name === 'recent' && this.modules.includes('recent'))) this.facts.selective = true;
    this.modules.push(name);
  }

  option(moduleIndex: number, name: string, from: number, to: number, negated: boolean): void {
    const module = this.modules[moduleIndex] as string;
    const first = from < to ? (this.t.values[from] as string) : '';
    const single = to - from === 1 && !negated;
    if (module === 'comment') {
      if (name === '--comment') this.facts.comment = first;
      else this.facts.complete = false;
    } else if (PORT_MODULES.has(module)) {
      this.facts.selective = true;
      if ((name === '--dport' || name === '--destination-port') && !negated) this.facts.dport = normalizePortSpec(first);
      if (!((name === '--dport' || name === '--destination-port') && single)) this.facts.complete = false;
      this.portOptions++;
    } else if (module === 'statistic') {
      if (name === '--probability') {
        const units = probabilityUnits(first);
        if (units === null) this.ctx.warn(`statistic probability "${first}" is not a number between 0 and 1`);
        else this.facts.probability = negated ? 0x80000000 - units : units;
        if (!single || units === null) this.facts.complete = false;
        this.probabilities++;
      } else if (!(name === '--mode' && single && first.toLowerCase() === 'random')) {
        this.facts.complete = false;
        this.facts.selective = true;
      }
    } else if (module === 'recent') {
      if (negated || !RECENT_USUAL.has(name) || (name === '--mask' && !ALL_ONES_MASKS.has(first.toLowerCase())) || (RECENT_MODES.has(name) && this.recentMode !== null)) this.recentUnusual = true;
      if (RECENT_MODES.has(name)) this.recentMode ??= name.slice(2);
      else if (name === '--name') this.recentName = first;
      else if (name === '--seconds') this.recentSeconds = Number(first);
    }
  }

  target(name: string, goto: boolean): void {
    // A second jump replaces the first in the key but not the options counted for it here.
    if (goto || this.facts.target !== null) this.facts.complete = false;
    this.facts.target = name;
    this.facts.goto = goto;
  }

  targetOption(name: string, from: number, to: number, negated: boolean): void {
    if (name === '--to-destination' || name === '--to') {
      this.toDestinations++;
      this.dnatValue = to - from === 1 ? (this.t.values[from] as string) : null;
    }
    if (this.facts.target !== 'DNAT' || (name !== '--to-destination' && name !== '--to') || negated) this.facts.complete = false;
  }

  unsupported(moduleIndex: number): void {
    this.facts.unsupportedRevision = true;
    this.facts.complete = false;
    if (moduleIndex < 0) this.targetUnsupported = true;
    else this.facts.selective = true;
  }

  private targetUnsupported = false;

  finish(): RuleFacts {
    const f = this.facts;
    if (this.modules.includes('recent')) {
      const name = this.recentName ?? 'DEFAULT';
      f.recent = { name, mode: this.recentMode ?? 'unknown', seconds: this.recentSeconds, unusual: this.recentUnusual };
    }
    if (f.target === 'DNAT') {
      const readable = !this.targetUnsupported && this.toDestinations === 1 && this.dnatValue !== null;
      f.dnat = { address: readable ? (normalizeHostPort(this.dnatValue as string)?.text ?? null) : null };
      if (f.dnat.address === null) f.complete = false;
    }
    if (f.complete) f.complete = this.matchesSayAll();
    return f;
  }

  /**
   * Each module once; a port match only for the rule's protocol (another one prints even when
   * empty); a probability alone with the comment, since a stateful match keeps its place in the
   * key and these facts keep no order.
   */
  private matchesSayAll(): boolean {
    const m = this.modules;
    if (new Set(m).size !== m.length) return false;
    for (const module of m) {
      if (module === 'comment') continue;
      if (PORT_MODULES.has(module)) {
        if (module !== this.facts.protocol || this.portOptions > 1) return false;
      } else if (module === 'statistic') {
        if (this.probabilities !== 1 || this.portOptions > 0) return false;
      } else {
        return false;
      }
    }
    return true;
  }
}

/**
 * Whether two rules mean the same, from their facts alone: null unless both are complete. Then
 * the facts hold each normalised the way the canonical key does, so this is key equality.
 */
export function sameMeaning(a: RuleFacts, b: RuleFacts): boolean | null {
  if (!a.complete || !b.complete) return null;
  return (
    a.target === b.target && a.destination === b.destination && a.source === b.source && a.protocol === b.protocol &&
    a.dport === b.dport && a.probability === b.probability && a.dnat?.address === b.dnat?.address
  );
}

/** Chains a rule names: its jump or goto target, a `recent` list named after a chain. */
export function refsOf(f: RuleFacts): string[] {
  const refs: string[] = [];
  if (f.target && !BUILTIN_TARGETS.has(f.target)) refs.push(f.target);
  if (f.recent?.name.startsWith('KUBE-')) refs.push(f.recent.name);
  return refs;
}

/** Walks the tokens of a rule specification; throws RuleSyntaxError when it is not one. */
export function ruleFacts(t: Tokens, start: number, ctx: FactsContext): RuleFacts {
  const v = new FactsVisitor(t, ctx);
  walkRule(t, start, v);
  return v.finish();
}
