/**
 * A rule's meaning as canonical text: base options in iptables-save's order with normalised
 * addresses and protocol, each match with its options canonical (see matches.ts) and the matches
 * sorted, the target with canonical options. No comment: comments are not meaning. Built only
 * for rules of chains that differ between two dumps.
 */
import { normalizeCidr } from './address';
import { canonicalMatch } from './matches';
import type { Option } from './options';
import { canonicalProtocol, walkRule, type BaseOption, type RuleVisitor } from './rule-walk';
import { canonicalTarget } from './targets';
import { valueText, type Tokens } from './tokenize';

export interface CanonicalRule {
  key: string;
  /** The key without the statistic match: the same rule re-weighted keeps its pairKey. */
  pairKey: string;
  /** Where the comment goes in the key when the rule is shown (matches are sorted, "comment" among them). */
  commentAt: number;
}

/** Base options in the order iptables-save prints them. */
const BASE_ORDER: readonly BaseOption[] = ['-s', '-d', '-i', '-o', '-p', '-f'];

interface Base {
  value: string;
  negated: boolean;
}

/**
 * Matches evaluated in order stop at the first that fails; these keep state (lists, counters,
 * tokens), so whether they are reached depends on the matches before them. A rule holding one
 * keeps its match order; the others are sorted.
 */
const STATEFUL_MODULES = new Set(['recent', 'statistic', 'limit', 'hashlimit', 'quota', 'nfacct', 'connlimit', 'set']);

function optionText(o: Option): string {
  let s = o.negated ? `! ${o.name}` : o.name;
  for (const v of o.values) s += ` ${valueText(v)}`;
  return s;
}

interface Match {
  module: string;
  options: Option[];
  unsupported: boolean;
}

class CanonicalVisitor implements RuleVisitor {
  /** By position in BASE_ORDER; a later option overrides an earlier one, as in iptables. */
  readonly bases: (Base | undefined)[] = [];
  readonly modules: Match[] = [];
  jump: { name: string; goto: boolean; options: Option[]; unsupported: boolean } | null = null;

  constructor(private readonly t: Tokens) {}

  private values(from: number, to: number): string[] {
    return this.t.values.slice(from, to);
  }

  base(name: BaseOption, value: string, negated: boolean): void {
    this.bases[BASE_ORDER.indexOf(name)] = { value, negated };
  }

  module(_index: number, name: string): void {
    this.modules.push({ module: name, options: [], unsupported: false });
  }

  option(moduleIndex: number, name: string, from: number, to: number, negated: boolean): void {
    (this.modules[moduleIndex] as Match).options.push({ name, values: this.values(from, to), negated });
  }

  target(name: string, goto: boolean): void {
    this.jump = { name, goto, options: [], unsupported: false };
  }

  targetOption(name: string, from: number, to: number, negated: boolean): void {
    this.jump?.options.push({ name, values: this.values(from, to), negated });
  }

  unsupported(moduleIndex: number): void {
    if (moduleIndex < 0) {
      if (this.jump) this.jump.unsupported = true;
    } else {
      (this.modules[moduleIndex] as Match).unsupported = true;
    }
  }
}

function baseText(bases: CanonicalVisitor['bases']): { text: string; protocol: string | null } {
  const parts: string[] = [];
  let protocol: string | null = null;
  for (let i = 0; i < bases.length; i++) {
    const b = bases[i];
    if (!b) continue;
    const name = BASE_ORDER[i] as BaseOption;
    let value = b.value;
    if (name === '-s' || name === '-d') {
      value = normalizeCidr(value) ?? value;
    } else if (name === '-p') {
      value = canonicalProtocol(value);
      if (value === 'all' || value === '0') {
        if (b.negated) parts.push('! -p all');
        continue;
      }
      if (!b.negated) protocol = value;
    }
    parts.push(name === '-f' ? `${b.negated ? '! ' : ''}-f` : `${b.negated ? '! ' : ''}${name} ${valueText(value)}`);
  }
  return { text: parts.join(' '), protocol };
}

const NO_WARNINGS = { warn: () => undefined };

export interface MatchText {
  text: string;
  /** No option left: an implicit protocol match (`-m tcp` alone) says nothing. */
  empty: boolean;
}

/**
 * Matches repeat across rules (a probability ladder has few steps): their text is kept by what
 * was written. One per diff (IptablesReadCache), never a module's: what a diff read is let go with it.
 */
export type MatchTexts = Map<string, MatchText>;
const MATCH_TEXTS_LIMIT = 100_000;

function writtenKey(m: Match): string {
  let key = m.module;
  for (const o of m.options) {
    key += ` ${o.negated ? '!' : ''}${o.name.length}:${o.name}`;
    for (const v of o.values) key += ` ${v.length}:${v}`;
  }
  return key;
}

function matchText(m: Match, matchTexts: MatchTexts): MatchText {
  const key = writtenKey(m);
  let known = matchTexts.get(key);
  if (!known) {
    const options = canonicalMatch(m.module, m.options, NO_WARNINGS);
    let text = `-m ${m.module}`;
    for (const o of options) text += ` ${optionText(o)}`;
    known = { text, empty: options.length === 0 };
    if (matchTexts.size >= MATCH_TEXTS_LIMIT) matchTexts.clear();
    matchTexts.set(key, known);
  }
  return known;
}

/** The length of joinParts(head, matches.slice(0, count), ''), without building it. */
function joinedLength(head: string, matches: string[], count: number): number {
  let length = head.length;
  for (let i = 0; i < count; i++) length += (matches[i] as string).length + (length === 0 ? 0 : 1);
  return length;
}

/** The non-empty parts, space-separated. */
function joinParts(head: string, matches: string[], target: string): string {
  let text = head;
  for (const m of matches) text = text === '' ? m : `${text} ${m}`;
  if (target !== '') text = text === '' ? target : `${text} ${target}`;
  return text;
}

/** A rule's canonical pieces, from which its key and the rest are joined. */
interface CanonicalParts {
  head: string;
  /** Match texts, sorted unless a stateful match makes their order meaning. */
  matches: string[];
  target: string;
  /** A stateful match keeps the written order. */
  ordered: boolean;
}

function canonicalParts(t: Tokens, start: number, matchTexts: MatchTexts): CanonicalParts {
  const v = new CanonicalVisitor(t);
  walkRule(t, start, v);
  const { text: head, protocol } = baseText(v.bases);
  const matches: string[] = [];
  let ordered = false;
  for (const m of v.modules) {
    if (m.module === 'comment') continue;
    if (STATEFUL_MODULES.has(m.module)) ordered = true;
    const { text, empty } = matchText(m, matchTexts);
    if (empty && !m.unsupported && m.module === protocol) continue;
    matches.push(m.unsupported ? `${text} [unsupported revision]` : text);
  }
  if (!ordered) matches.sort();
  let target = '';
  if (v.jump) {
    target = `${v.jump.goto ? '-g' : '-j'} ${valueText(v.jump.name)}`;
    for (const o of canonicalTarget(v.jump.name, v.jump.options)) target += ` ${optionText(o)}`;
    if (v.jump.unsupported) target += ' [unsupported revision]';
  }
  return { head, matches, target, ordered };
}

/** The key alone: what comparing two rules needs. */
export function canonicalKey(t: Tokens, start: number, matchTexts: MatchTexts): string {
  const p = canonicalParts(t, start, matchTexts);
  return joinParts(p.head, p.matches, p.target);
}

export function canonicalRule(t: Tokens, start: number, matchTexts: MatchTexts): CanonicalRule {
  const { head, matches, target, ordered } = canonicalParts(t, start, matchTexts);
  const key = joinParts(head, matches, target);
  const unweighted = matches.filter((m) => !m.startsWith('-m statistic '));
  const commentIndex = ordered ? 0 : matches.findIndex((m) => m > '-m comment');
  return {
    key,
    pairKey: unweighted.length < matches.length ? joinParts(head, unweighted, target) : key,
    commentAt: joinedLength(head, matches, commentIndex < 0 ? matches.length : commentIndex),
  };
}
