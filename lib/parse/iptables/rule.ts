/**
 * One rule specification (`-A CHAIN …` without the `-A CHAIN`) parsed into its meaning and
 * printed back in canonical form. Options are assigned to match modules the way iptables does
 * (by which loaded module defines them, not by position), so kube-proxy's
 * `-m comment --comment X -m tcp -p tcp -d IP --dport 443` and iptables-save's
 * `-d IP/32 -p tcp -m comment --comment "X" -m tcp --dport 443` come out the same.
 */
import type { Rule, Selector } from '../../model/ruleset';
import { normalizeCidr, normalizeHostPort } from './address';
import { canonicalMatch, MODULE_OPTIONS, PROTOCOL_OPTIONS, type MatchContext } from './matches';
import type { Option } from './options';
import { probabilityUnits } from './probability';
import { BUILTIN_TARGETS, canonicalTarget } from './targets';
import { saveString, type Token } from './tokenize';

/** What the service-model builder needs to know about a rule, beyond its canonical text. */
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
  /** DNAT destination (`ip:port`): a string, 'invalid' when it cannot be read, null when not a DNAT. */
  dnat: string | null;
  /** A match or target printed as `[unsupported revision]`: userspace older than the kernel rule. */
  unsupportedRevision: boolean;
}

export class IptablesRule implements Rule {
  constructor(
    readonly chain: string,
    readonly key: string,
    readonly pairKey: string,
    readonly comment: string | null,
    private readonly commentAt: number,
    readonly line: number,
    readonly refs: readonly string[],
    readonly selector: Selector,
    readonly facts: RuleFacts,
    readonly raw: string,
  ) {}

  get text(): string {
    const head = `-A ${this.chain}`;
    if (this.comment === null) return this.key ? `${head} ${this.key}` : head;
    const comment = `-m comment --comment ${saveString(this.comment)}`;
    const before = this.key.slice(0, this.commentAt).trimEnd();
    const after = this.key.slice(this.commentAt).trimStart();
    return [head, before, comment, after].filter((s) => s !== '').join(' ');
  }
}

export class RuleSyntaxError extends Error {}

interface Match {
  module: string;
  options: Option[];
  unsupported: boolean;
}

const PROTOCOL_NUMBERS: Record<string, string> = {
  '1': 'icmp', '2': 'igmp', '6': 'tcp', '17': 'udp', '33': 'dccp', '47': 'gre', '50': 'esp', '51': 'ah', '58': 'ipv6-icmp', '132': 'sctp', '136': 'udplite',
};
const PROTOCOL_ALIASES: Record<string, string> = { icmpv6: 'ipv6-icmp', 'icmp6': 'ipv6-icmp' };

function canonicalProtocol(text: string): string {
  const lower = text.toLowerCase();
  return PROTOCOL_NUMBERS[lower] ?? PROTOCOL_ALIASES[lower] ?? lower;
}

const BASE_OPTIONS: Record<string, string> = {
  '-s': '-s', '--source': '-s', '--src': '-s',
  '-d': '-d', '--destination': '-d', '--dst': '-d',
  '-i': '-i', '--in-interface': '-i',
  '-o': '-o', '--out-interface': '-o',
  '-p': '-p', '--protocol': '-p',
  '-f': '-f', '--fragment': '-f',
};
const BASE_ORDER = ['-s', '-d', '-i', '-o', '-p', '-f'];

/** Options that always take exactly one argument, even one that looks like an option. */
const SINGLE_VALUE = new Set(['--comment', '--log-prefix', '--nflog-prefix']);

/** Values that need quoting to survive a round trip through iptables-restore. */
function valueText(v: string): string {
  return v === '' || /[\s"\\']/.test(v) ? `"${v.replace(/["\\]/g, (m) => `\\${m}`)}"` : v;
}

function optionText(o: Option): string {
  const words = o.negated ? ['!', o.name] : [o.name];
  for (const v of o.values) words.push(valueText(v));
  return words.join(' ');
}

function isOptionToken(t: Token): boolean {
  return !t.quoted && t.value.length > 1 && t.value.charCodeAt(0) === 45 /* - */ && !/^-\d/.test(t.value);
}

export type RuleContext = MatchContext;

/**
 * Parses the tokens of a rule specification starting at `start` (after `-A CHAIN`).
 * Throws RuleSyntaxError with a short reason when the line cannot be a rule.
 */
export function parseRule(chain: string, tokens: Token[], start: number, line: number, raw: string, ctx: RuleContext): IptablesRule {
  const base = new Map<string, { value: string; negated: boolean }>();
  const matches: Match[] = [];
  let comment: string | null = null;
  let target: { name: string; goto: boolean; options: Option[]; unsupported: boolean } | null = null;
  let current: Match | null = null;
  let negated = false;

  const takeValues = (i: number, name: string): [string[], number] => {
    const values: string[] = [];
    if (SINGLE_VALUE.has(name)) {
      const t = tokens[i];
      if (t) values.push(t.value);
      return [values, i + (t ? 1 : 0)];
    }
    while (i < tokens.length) {
      const t = tokens[i] as Token;
      if (isOptionToken(t) || (!t.quoted && t.value === '!') || (!t.quoted && t.value === '[unsupported')) break;
      values.push(t.value);
      i++;
    }
    return [values, i];
  };

  const moduleFor = (name: string): Match | null => {
    if (target && !PROTOCOL_OPTIONS.has(name) && !Object.values(MODULE_OPTIONS).some((o) => o.includes(name))) return null;
    const accepts = (m: Match): boolean => MODULE_OPTIONS[m.module]?.includes(name) ?? false;
    if (current && (accepts(current) || !(current.module in MODULE_OPTIONS))) return current;
    for (let k = matches.length - 1; k >= 0; k--) if (accepts(matches[k] as Match)) return matches[k] as Match;
    if (PROTOCOL_OPTIONS.has(name)) {
      const proto = base.get('-p');
      if (!proto) throw new RuleSyntaxError(`option ${name} needs -p`);
      const module = proto.value === 'ipv6-icmp' ? 'icmp6' : proto.value;
      const implicit = matches.find((m) => m.module === module);
      if (implicit) return implicit;
      const m: Match = { module, options: [], unsupported: false };
      matches.push(m);
      return m;
    }
    return current;
  };

  let i = start;
  while (i < tokens.length) {
    const t = tokens[i] as Token;
    if (!t.quoted && t.value === '!') {
      negated = true;
      i++;
      continue;
    }
    if (!t.quoted && t.value === '[unsupported' && tokens[i + 1]?.value === 'revision]') {
      if (target) target.unsupported = true;
      else if (current) current.unsupported = true;
      i += 2;
      continue;
    }
    if (!isOptionToken(t)) throw new RuleSyntaxError(`unexpected "${t.value}"`);
    const name = t.value;
    i++;
    if (name === '-c' || name === '--set-counters') {
      i += 2;
      continue;
    }
    if (name === '-m' || name === '--match') {
      const m = tokens[i];
      if (!m) throw new RuleSyntaxError(`${name} without a module name`);
      current = { module: m.value.toLowerCase(), options: [], unsupported: false };
      if (current.module !== 'comment') matches.push(current);
      i++;
      negated = false;
      continue;
    }
    if (name === '-j' || name === '--jump' || name === '-g' || name === '--goto') {
      const m = tokens[i];
      if (!m) throw new RuleSyntaxError(`${name} without a target`);
      target = { name: m.value, goto: name === '-g' || name === '--goto', options: [], unsupported: false };
      i++;
      negated = false;
      continue;
    }
    const baseName = BASE_OPTIONS[name];
    if (baseName) {
      if (baseName === '-f') {
        base.set('-f', { value: '', negated });
      } else {
        const v = tokens[i];
        if (!v) throw new RuleSyntaxError(`${name} without a value`);
        base.set(baseName, { value: v.value, negated });
        i++;
      }
      negated = false;
      continue;
    }
    if (name === '-4' || name === '-6' || name === '--ipv4' || name === '--ipv6') continue;
    const [values, next] = takeValues(i, name);
    i = next;
    const option: Option = { name, values, negated };
    negated = false;
    if (current?.module === 'comment' && name === '--comment') {
      comment = values[0] ?? '';
      continue;
    }
    const owner = moduleFor(name);
    if (owner) owner.options.push(option);
    else if (target) target.options.push(option);
    else throw new RuleSyntaxError(`option ${name} outside any match or target`);
  }
  return buildRule(chain, base, matches, comment, target, line, raw, ctx);
}

function buildRule(
  chain: string,
  base: Map<string, { value: string; negated: boolean }>,
  matches: Match[],
  comment: string | null,
  target: { name: string; goto: boolean; options: Option[]; unsupported: boolean } | null,
  line: number,
  raw: string,
  ctx: RuleContext,
): IptablesRule {
  const facts: RuleFacts = {
    protocol: null, destination: null, source: null, dport: null, probability: null, recent: null,
    srcTypeLocal: false, target: target?.name ?? null, dnat: null, unsupportedRevision: false,
  };
  const parts: string[] = [];
  for (const name of BASE_ORDER) {
    const b = base.get(name);
    if (!b) continue;
    let value = b.value;
    if (name === '-s' || name === '-d') {
      const cidr = normalizeCidr(value);
      if (cidr) value = cidr.text;
      else ctx.warn(`${name} ${value} is not an IP address or network`);
      if (!b.negated) facts[name === '-s' ? 'source' : 'destination'] = value;
    } else if (name === '-p') {
      value = canonicalProtocol(value);
      if (value === 'all' || value === '0') {
        if (b.negated) parts.push('! -p all');
        continue;
      }
      if (!b.negated) facts.protocol = value;
    }
    parts.push(name === '-f' ? `${b.negated ? '! ' : ''}-f` : `${b.negated ? '! ' : ''}${name} ${valueText(value)}`);
  }

  const matchTexts: string[] = [];
  const refs: string[] = [];
  for (const m of matches) {
    const options = canonicalMatch(m.module, m.options, ctx);
    if (options.length === 0 && !m.unsupported && m.module === facts.protocol) continue;
    if (m.unsupported) facts.unsupportedRevision = true;
    collectMatchFacts(m.module, options, facts, refs);
    const words = [`-m ${m.module}`, ...options.map(optionText)];
    if (m.unsupported) words.push('[unsupported revision]');
    matchTexts.push(words.join(' '));
  }
  matchTexts.sort();

  let pairMatches = matchTexts;
  if (facts.probability !== null) pairMatches = matchTexts.filter((t) => !t.startsWith('-m statistic '));

  let targetText = '';
  if (target) {
    const builtin = BUILTIN_TARGETS.has(target.name);
    if (!builtin) refs.push(target.name);
    const options = canonicalTarget(target.name, target.options);
    const words = [`${target.goto ? '-g' : '-j'} ${target.name}`, ...options.map(optionText)];
    if (target.unsupported) {
      words.push('[unsupported revision]');
      facts.unsupportedRevision = true;
    }
    targetText = words.join(' ');
    if (target.name === 'DNAT') facts.dnat = target.unsupported ? 'invalid' : dnatDestination(target.options);
  }

  const head = parts.join(' ');
  const commentAt = matchTexts.findIndex((t) => t > '-m comment');
  const beforeComment = [head, ...matchTexts.slice(0, commentAt < 0 ? matchTexts.length : commentAt)].filter((s) => s !== '').join(' ');
  const key = [head, ...matchTexts, targetText].filter((s) => s !== '').join(' ');
  const pairKey = pairMatches === matchTexts ? key : [head, ...pairMatches, targetText].filter((s) => s !== '').join(' ');
  const selector: Selector = { address: facts.destination !== null && isHost(facts.destination) ? facts.destination : null, protocol: facts.protocol, port: facts.dport };
  return new IptablesRule(chain, key, pairKey, comment, beforeComment.length, line, refs, selector, facts, raw);
}

function isHost(cidr: string): boolean {
  return cidr.endsWith('/32') || cidr.endsWith('/128');
}

function collectMatchFacts(module: string, options: Option[], facts: RuleFacts, refs: string[]): void {
  for (const o of options) {
    if ((module === 'tcp' || module === 'udp' || module === 'sctp') && o.name === '--dport' && !o.negated) {
      facts.dport = o.values[0] ?? null;
    } else if (module === 'statistic' && o.name === '--probability') {
      const units = probabilityUnits(o.values[0] ?? '');
      if (units !== null) facts.probability = o.negated ? 0x80000000 - units : units;
    } else if (module === 'addrtype' && o.name === '--src-type' && !o.negated && (o.values[0] ?? '').split(',').includes('LOCAL')) {
      facts.srcTypeLocal = true;
    }
  }
  if (module === 'recent') {
    const mode = options.find((o) => ['--set', '--rcheck', '--update', '--remove'].includes(o.name));
    const name = options.find((o) => o.name === '--name')?.values[0] ?? 'DEFAULT';
    const seconds = options.find((o) => o.name === '--seconds')?.values[0];
    facts.recent = { name, mode: mode ? mode.name.slice(2) : 'unknown', seconds: seconds === undefined ? null : Number(seconds) };
    if (name.startsWith('KUBE-')) refs.push(name);
  }
}

/** The single `--to-destination` address of a DNAT, or 'invalid' when the saved text is garbled. */
function dnatDestination(options: Option[]): string {
  const to = options.filter((o) => o.name === '--to-destination' || o.name === '--to');
  if (to.length !== 1 || to[0]?.values.length !== 1) return 'invalid';
  return normalizeHostPort(to[0].values[0] as string)?.text ?? 'invalid';
}
