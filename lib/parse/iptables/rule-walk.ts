/**
 * The grammar of one rule specification (`-A CHAIN …` without the `-A CHAIN`), walked once:
 * base options, `-m` modules, options assigned to the module that defines them (iptables
 * dispatches by name, not by position), the target and its options. Visitors decide what to
 * build: the facts the service model needs (every rule, so cheap) or the canonical key (only
 * where two dumps differ). Options are passed as index ranges into the token list, so walking
 * allocates nothing per option.
 */
import { KNOWN_MODULE_OPTIONS, MODULE_OPTIONS, PROTOCOL_OPTIONS } from './matches';
import type { Tokens } from './tokenize';

export class RuleSyntaxError extends Error {}

export type BaseOption = '-s' | '-d' | '-i' | '-o' | '-p' | '-f';

export interface RuleVisitor {
  base(name: BaseOption, value: string, negated: boolean): void;
  /** A module joined the rule; `index` is its position among the rule's modules (the comment module included). */
  module(index: number, name: string): void;
  /** Values are `tokens.values[from..to)`. */
  option(moduleIndex: number, name: string, from: number, to: number, negated: boolean): void;
  target(name: string, goto: boolean): void;
  targetOption(name: string, from: number, to: number, negated: boolean): void;
  /** `[unsupported revision]` after a module (index) or the target (-1). */
  unsupported(moduleIndex: number): void;
}

const BASE_OPTIONS: ReadonlyMap<string, BaseOption> = new Map(Object.entries({
  '-s': '-s', '--source': '-s', '--src': '-s',
  '-d': '-d', '--destination': '-d', '--dst': '-d',
  '-i': '-i', '--in-interface': '-i',
  '-o': '-o', '--out-interface': '-o',
  '-p': '-p', '--protocol': '-p',
  '-f': '-f', '--fragment': '-f',
} as Record<string, BaseOption>));

/** Options that always take exactly one argument, even one that looks like an option. */
const SINGLE_VALUE = new Set(['--comment', '--log-prefix', '--nflog-prefix']);

const PROTOCOLS: ReadonlyMap<string, string> = new Map([
  ['1', 'icmp'], ['2', 'igmp'], ['6', 'tcp'], ['17', 'udp'], ['33', 'dccp'], ['47', 'gre'], ['50', 'esp'], ['51', 'ah'], ['58', 'ipv6-icmp'], ['132', 'sctp'], ['136', 'udplite'],
  ['icmpv6', 'ipv6-icmp'], ['icmp6', 'ipv6-icmp'],
]);

export function canonicalProtocol(text: string): string {
  const lower = text.toLowerCase();
  return PROTOCOLS.get(lower) ?? lower;
}

function isOption(t: Tokens, i: number): boolean {
  const v = t.values[i] as string;
  if (t.quoted?.[i] || v.length < 2 || v.charCodeAt(0) !== 45 /* - */) return false;
  const c = v.charCodeAt(1);
  return c < 48 || c > 57; // "-5" is a value
}

function isBang(t: Tokens, i: number): boolean {
  return t.values[i] === '!' && !t.quoted?.[i];
}

function isUnsupportedMark(t: Tokens, i: number): boolean {
  return t.values[i] === '[unsupported' && t.values[i + 1] === 'revision]' && !t.quoted?.[i];
}

function accepts(modules: string[], index: number, name: string): boolean {
  return MODULE_OPTIONS.get(modules[index] as string)?.has(name) ?? false;
}

function addModule(modules: string[], v: RuleVisitor, name: string): number {
  modules.push(name);
  v.module(modules.length - 1, name);
  return modules.length - 1;
}

/** Which module an option belongs to, or -1 for the target (iptables dispatches by name, not by position). */
function ownerOf(name: string, modules: string[], current: number, protocol: string | null, hasTarget: boolean, v: RuleVisitor): number {
  if (hasTarget && !PROTOCOL_OPTIONS.has(name) && !KNOWN_MODULE_OPTIONS.has(name)) return -1;
  if (current >= 0 && (accepts(modules, current, name) || !MODULE_OPTIONS.has(modules[current] as string))) return current;
  for (let k = modules.length - 1; k >= 0; k--) if (accepts(modules, k, name)) return k;
  if (PROTOCOL_OPTIONS.has(name)) {
    if (protocol === null) throw new RuleSyntaxError(`option ${name} needs -p`);
    const module = protocol === 'ipv6-icmp' ? 'icmp6' : protocol;
    const existing = modules.indexOf(module);
    return existing >= 0 ? existing : addModule(modules, v, module);
  }
  if (current >= 0) return current;
  if (hasTarget) return -1;
  throw new RuleSyntaxError(`option ${name} outside any match or target`);
}

export function walkRule(t: Tokens, start: number, v: RuleVisitor): void {
  const values = t.values;
  const modules: string[] = [];
  let current = -1;
  let protocol: string | null = null;
  let hasTarget = false;
  let negated = false;

  let i = start;
  while (i < values.length) {
    if (isBang(t, i)) {
      negated = true;
      i++;
      continue;
    }
    if (isUnsupportedMark(t, i)) {
      v.unsupported(hasTarget ? -1 : current);
      i += 2;
      continue;
    }
    if (!isOption(t, i)) throw new RuleSyntaxError(`unexpected "${values[i]}"`);
    const name = values[i] as string;
    i++;
    if (name === '-c' || name === '--set-counters') {
      i += 2;
      continue;
    }
    if (name === '-m' || name === '--match') {
      if (i >= values.length) throw new RuleSyntaxError(`${name} without a module name`);
      current = addModule(modules, v, (values[i] as string).toLowerCase());
      i++;
      negated = false;
      continue;
    }
    if (name === '-j' || name === '--jump' || name === '-g' || name === '--goto') {
      if (i >= values.length) throw new RuleSyntaxError(`${name} without a target`);
      hasTarget = true;
      v.target(values[i] as string, name === '-g' || name === '--goto');
      i++;
      negated = false;
      continue;
    }
    const base = BASE_OPTIONS.get(name);
    if (base) {
      if (base === '-f') {
        v.base('-f', '', negated);
      } else {
        if (i >= values.length) throw new RuleSyntaxError(`${name} without a value`);
        const value = values[i] as string;
        if (base === '-p' && !negated) protocol = canonicalProtocol(value);
        v.base(base, value, negated);
        i++;
      }
      negated = false;
      continue;
    }
    if (name === '-4' || name === '-6' || name === '--ipv4' || name === '--ipv6') continue;
    const from = i;
    if (SINGLE_VALUE.has(name)) {
      if (i < values.length) i++;
    } else {
      while (i < values.length && !isOption(t, i) && !isBang(t, i) && !isUnsupportedMark(t, i)) i++;
    }
    const owner = ownerOf(name, modules, current, protocol, hasTarget, v);
    if (owner < 0) v.targetOption(name, from, i, negated);
    else v.option(owner, name, from, i, negated);
    negated = false;
  }
}
