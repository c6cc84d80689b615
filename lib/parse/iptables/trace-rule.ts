/**
 * What a packet trace needs of one iptables rule: each match as a condition it can test (or one
 * it cannot, kept as written), and what the target does. Read from the rule's tokens with the
 * same grammar walk as its facts and key (rule-walk.ts), on the rules a trace reaches only.
 */
import { normalizeCidr, normalizeHostPort } from './address';
import { probabilityUnits, unitsToProbability } from './probability';
import { canonicalProtocol, walkRule, type BaseOption, type RuleVisitor } from './rule-walk';
import type { IptablesRule } from './rule';
import { tokenize, type Tokens } from './tokenize';

export type Condition =
  | { kind: 'address'; side: 'source' | 'destination'; cidr: string; negated: boolean }
  | { kind: 'protocol'; protocol: string; negated: boolean }
  /** Inclusive port ranges, any of which matches. */
  | { kind: 'dport'; ranges: [number, number][]; negated: boolean }
  | { kind: 'interface'; side: 'in' | 'out'; name: string; negated: boolean }
  | { kind: 'addrtype'; side: 'source' | 'destination'; types: string[]; negated: boolean }
  | { kind: 'mark'; value: number; mask: number; negated: boolean }
  /** `statistic --mode random --probability p`: matches with this probability. */
  | { kind: 'random'; probability: number }
  /** `recent --rcheck`/`--update`: the client is in the list; `--set` always matches (it adds). */
  | { kind: 'recent'; check: boolean; name: string; negated: boolean }
  /** A match the trace does not read, as written. */
  | { kind: 'unknown'; text: string };

export type Action =
  | { kind: 'jump' | 'goto'; chain: string }
  | { kind: 'verdict'; verdict: 'ACCEPT' | 'DROP' | 'REJECT' | 'RETURN' }
  /** `ip`/`port` null when the value cannot be read; `port` null also when DNAT keeps the port. */
  | { kind: 'dnat'; text: string; ip: string | null; port: number | null }
  | { kind: 'masquerade' }
  /** MARK: mark = (mark & ~mask) ^ value. */
  | { kind: 'mark'; value: number; mask: number }
  /** A target that lets the packet go on and changes nothing the trace reads (LOG, counters…). */
  | { kind: 'continue' }
  | { kind: 'unknown'; name: string }
  /** No -j: the rule only counts. */
  | { kind: 'none' };

export interface TraceRule {
  conditions: Condition[];
  action: Action;
}

/** Targets that let the packet go on and change nothing a nat trace reads. */
const PASSING_TARGETS = new Set(['LOG', 'NFLOG', 'ULOG', 'TRACE', 'AUDIT', 'CONNMARK', 'CT', 'NOTRACK', 'TCPMSS', 'CHECKSUM']);
const VERDICTS = new Set(['ACCEPT', 'DROP', 'REJECT', 'RETURN']);
const BUILTIN_NON_CHAINS = new Set(['DNAT', 'SNAT', 'MASQUERADE', 'MARK', 'REDIRECT', 'NETMAP', 'QUEUE', 'NFQUEUE', 'TPROXY', 'SET']);

function number32(text: string): number | null {
  const n = /^0x[0-9a-f]+$/i.test(text) ? Number.parseInt(text, 16) : /^\d+$/.test(text) ? Number(text) : NaN;
  return Number.isInteger(n) && n >= 0 && n <= 0xffffffff ? n : null;
}

/** `0x4000/0x4000` → value and mask (mask all ones when absent). */
function valueMask(text: string): { value: number; mask: number } | null {
  const [v, m] = text.split('/');
  const value = number32(v ?? '');
  const mask = m === undefined ? 0xffffffff : number32(m);
  return value === null || mask === null ? null : { value, mask };
}

function portRange(text: string): [number, number] | null {
  const colon = text.indexOf(':');
  const parse = (s: string, empty: number): number | null => (s === '' ? empty : /^\d{1,5}$/.test(s) ? Number(s) : /^0x[0-9a-f]+$/i.test(s) ? Number.parseInt(s, 16) : null);
  const lo = parse(colon < 0 ? text : text.slice(0, colon), 0);
  const hi = colon < 0 ? lo : parse(text.slice(colon + 1), 65535);
  return lo === null || hi === null ? null : [lo, hi];
}

function portRanges(text: string): [number, number][] | null {
  const ranges: [number, number][] = [];
  for (const part of text.split(',')) {
    const r = portRange(part);
    if (!r) return null;
    ranges.push(r);
  }
  return ranges;
}

class TraceVisitor implements RuleVisitor {
  readonly conditions: Condition[] = [];
  action: Action = { kind: 'none' };
  private readonly modules: string[] = [];
  private statisticMode = 'random';
  private recentName = 'DEFAULT';
  private probability: number | null = null;
  private targetName: string | null = null;
  private goto = false;
  private readonly targetOptions: { name: string; values: string[]; negated: boolean }[] = [];

  constructor(private readonly t: Tokens) {}

  private text(name: string, from: number, to: number, negated: boolean, module: string | null): string {
    return [module ? `-m ${module}` : '', negated ? '!' : '', name, ...this.t.values.slice(from, to)].filter((s) => s !== '').join(' ');
  }

  base(name: BaseOption, value: string, negated: boolean): void {
    if (name === '-s' || name === '-d') {
      const cidr = normalizeCidr(value);
      this.conditions.push(cidr ? { kind: 'address', side: name === '-s' ? 'source' : 'destination', cidr, negated } : { kind: 'unknown', text: `${negated ? '! ' : ''}${name} ${value}` });
    } else if (name === '-p') {
      this.conditions.push({ kind: 'protocol', protocol: canonicalProtocol(value), negated });
    } else if (name === '-i' || name === '-o') {
      this.conditions.push({ kind: 'interface', side: name === '-i' ? 'in' : 'out', name: value, negated });
    } else {
      this.conditions.push({ kind: 'unknown', text: `${negated ? '! ' : ''}${name}` });
    }
  }

  module(_index: number, name: string): void {
    this.modules.push(name);
  }

  option(moduleIndex: number, name: string, from: number, to: number, negated: boolean): void {
    const module = this.modules[moduleIndex] as string;
    const first = from < to ? (this.t.values[from] as string) : '';
    const unknown = (): void => {
      this.conditions.push({ kind: 'unknown', text: this.text(name, from, to, negated, module) });
    };
    if (module === 'comment') return;
    if ((module === 'tcp' || module === 'udp' || module === 'sctp') && (name === '--dport' || name === '--destination-port')) {
      const ranges = portRanges(first);
      if (ranges && !first.includes(',')) this.conditions.push({ kind: 'dport', ranges, negated });
      else unknown();
    } else if (module === 'multiport' && (name === '--dports' || name === '--destination-ports')) {
      const ranges = portRanges(first);
      if (ranges) this.conditions.push({ kind: 'dport', ranges, negated });
      else unknown();
    } else if (module === 'statistic' && name === '--mode') {
      this.statisticMode = first.toLowerCase();
      if (this.statisticMode !== 'random') unknown();
    } else if (module === 'statistic' && name === '--probability') {
      const units = probabilityUnits(first);
      if (units === null) unknown();
      else this.probability = unitsToProbability(negated ? 0x80000000 - units : units);
    } else if (module === 'recent') {
      if (name === '--rcheck' || name === '--update') this.conditions.push({ kind: 'recent', check: true, name: '', negated });
      else if (name === '--set') this.conditions.push({ kind: 'recent', check: false, name: '', negated });
      else if (name === '--name') this.recentName = first;
      else if (!['--seconds', '--reap', '--mask', '--rsource'].includes(name)) unknown();
    } else if (module === 'mark' && name === '--mark') {
      const vm = valueMask(first);
      if (vm) this.conditions.push({ kind: 'mark', ...vm, negated });
      else unknown();
    } else if (module === 'addrtype' && (name === '--dst-type' || name === '--src-type')) {
      this.conditions.push({ kind: 'addrtype', side: name === '--src-type' ? 'source' : 'destination', types: first.toUpperCase().split(','), negated });
    } else {
      unknown();
    }
  }

  target(name: string, goto: boolean): void {
    this.targetName = name;
    this.goto = goto;
  }

  targetOption(name: string, from: number, to: number, negated: boolean): void {
    this.targetOptions.push({ name, values: this.t.values.slice(from, to), negated });
  }

  unsupported(moduleIndex: number): void {
    this.conditions.push({ kind: 'unknown', text: `${moduleIndex < 0 ? 'target' : `-m ${this.modules[moduleIndex]}`} [unsupported revision]` });
  }

  finish(): TraceRule {
    if (this.probability !== null && this.statisticMode === 'random') this.conditions.push({ kind: 'random', probability: this.probability });
    for (const c of this.conditions) if (c.kind === 'recent') c.name = this.recentName;
    return { conditions: this.conditions, action: this.actionOf() };
  }

  private actionOf(): Action {
    const t = this.targetName;
    if (t === null) return { kind: 'none' };
    if (VERDICTS.has(t)) return { kind: 'verdict', verdict: t as 'ACCEPT' };
    if (t === 'DNAT') {
      const to = this.targetOptions.find((o) => o.name === '--to-destination' || o.name === '--to');
      const text = to?.values.join(' ') ?? '';
      const hp = to?.values.length === 1 ? normalizeHostPort(text) : null;
      return { kind: 'dnat', text, ip: hp?.ip ?? null, port: hp?.port ?? null };
    }
    if (t === 'MASQUERADE' || t === 'SNAT') return { kind: 'masquerade' };
    if (t === 'MARK') return this.markAction() ?? { kind: 'unknown', name: t };
    if (PASSING_TARGETS.has(t)) return { kind: 'continue' };
    if (BUILTIN_NON_CHAINS.has(t)) return { kind: 'unknown', name: t };
    return { kind: this.goto ? 'goto' : 'jump', chain: t };
  }

  private markAction(): Action | null {
    const o = this.targetOptions[0];
    if (this.targetOptions.length !== 1 || !o || o.values.length !== 1) return null;
    const vm = valueMask(o.values[0] as string);
    if (!vm) return null;
    const { value, mask } = vm;
    switch (o.name) {
      case '--set-xmark':
        return { kind: 'mark', value, mask };
      case '--set-mark':
      case '--or-mark':
        return { kind: 'mark', value, mask: value };
      case '--xor-mark':
        return { kind: 'mark', value, mask: 0 };
      case '--and-mark':
        return { kind: 'mark', value: 0, mask: ~value >>> 0 };
      default:
        return null;
    }
  }
}

const cache = new WeakMap<IptablesRule, TraceRule>();

/** The rule as a trace reads it; a line that no longer parses is one condition not understood. */
export function traceRuleOf(rule: IptablesRule): TraceRule {
  let read = cache.get(rule);
  if (!read) {
    try {
      const tokens = tokenize(rule.raw);
      const v = new TraceVisitor(tokens);
      walkRule(tokens, rule.start, v);
      read = v.finish();
    } catch {
      read = { conditions: [{ kind: 'unknown', text: rule.raw }], action: { kind: 'none' } };
    }
    cache.set(rule, read);
  }
  return read;
}
