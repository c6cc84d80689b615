/**
 * What the service model needs to know about a rule, read in one walk of its tokens with no
 * canonical text built: destination, protocol, port, probability, `recent` list, target, DNAT
 * destination, comment. Every rule of a dump goes through here, so it stays allocation-light.
 */
import { normalizeCidr, normalizeHostPort } from './address';
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
  recent: { name: string; mode: string; seconds: number | null } | null;
  srcTypeLocal: boolean;
  /** -j/-g name: a chain or a target extension. */
  target: string | null;
  /** Set for a DNAT: its destination (`ip:port`), or null when the saved text cannot be read. */
  dnat: { address: string | null } | null;
  /** A match or target printed as `[unsupported revision]`: userspace older than the kernel rule. */
  unsupportedRevision: boolean;
  comment: string | null;
}

export interface FactsContext {
  warn(message: string): void;
}

const PORT_MODULES = new Set(['tcp', 'udp', 'sctp']);
const RECENT_MODES = new Set(['--set', '--rcheck', '--update', '--remove']);

class FactsVisitor implements RuleVisitor {
  readonly facts: RuleFacts = {
    protocol: null, destination: null, source: null, dport: null, probability: null, recent: null,
    srcTypeLocal: false, target: null, dnat: null, unsupportedRevision: false, comment: null,
  };
  private modules: string[] = [];
  private recentName: string | null = null;
  private recentMode: string | null = null;
  private recentSeconds: number | null = null;
  private toDestinations = 0;
  private dnatValue: string | null = null;

  constructor(
    private readonly t: Tokens,
    private readonly ctx: FactsContext,
  ) {}

  base(name: BaseOption, value: string, negated: boolean): void {
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
    this.modules.push(name);
  }

  option(moduleIndex: number, name: string, from: number, to: number, negated: boolean): void {
    const module = this.modules[moduleIndex] as string;
    const first = from < to ? (this.t.values[from] as string) : '';
    if (module === 'comment') {
      if (name === '--comment') this.facts.comment = first;
    } else if (PORT_MODULES.has(module)) {
      if ((name === '--dport' || name === '--destination-port') && !negated) this.facts.dport = normalizePortSpec(first);
    } else if (module === 'statistic') {
      if (name === '--probability') {
        const units = probabilityUnits(first);
        if (units === null) this.ctx.warn(`statistic probability "${first}" is not a number between 0 and 1`);
        else this.facts.probability = negated ? 0x80000000 - units : units;
      }
    } else if (module === 'recent') {
      if (RECENT_MODES.has(name)) this.recentMode ??= name.slice(2);
      else if (name === '--name') this.recentName = first;
      else if (name === '--seconds') this.recentSeconds = Number(first);
    } else if (module === 'addrtype') {
      if (name === '--src-type' && !negated && first.toUpperCase().split(',').includes('LOCAL')) this.facts.srcTypeLocal = true;
    }
  }

  target(name: string): void {
    this.facts.target = name;
  }

  targetOption(name: string, from: number, to: number): void {
    if (name === '--to-destination' || name === '--to') {
      this.toDestinations++;
      this.dnatValue = to - from === 1 ? (this.t.values[from] as string) : null;
    }
  }

  unsupported(moduleIndex: number): void {
    this.facts.unsupportedRevision = true;
    if (moduleIndex < 0) this.targetUnsupported = true;
  }

  private targetUnsupported = false;

  finish(): RuleFacts {
    const f = this.facts;
    if (this.modules.includes('recent')) {
      const name = this.recentName ?? 'DEFAULT';
      f.recent = { name, mode: this.recentMode ?? 'unknown', seconds: this.recentSeconds };
    }
    if (f.target === 'DNAT') {
      const readable = !this.targetUnsupported && this.toDestinations === 1 && this.dnatValue !== null;
      f.dnat = { address: readable ? (normalizeHostPort(this.dnatValue as string)?.text ?? null) : null };
    }
    return f;
  }
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
