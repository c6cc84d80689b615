/**
 * Rules as tables of chains, independent of the tool that printed them. A rule's `key` is its
 * meaning in canonical text: two rules with the same key in the same chain do the same thing,
 * however they were written (argument order, quoting, defaults, precision, comments).
 */

/** What a rule's matches pin down about the packets it can match; null fields match anything. */
export interface Selector {
  /** A single destination address the rule requires (not negated), in canonical form. */
  address: string | null;
  protocol: string | null;
  port: string | null;
}

export interface Rule {
  /** Semantic identity within its chain: matches and target in canonical form, no comment. */
  readonly key: string;
  /** The key, built without being kept: for rules compared once and then let go (most rules of a noisy dump). */
  transientKey(): string;
  /** Same meaning as `other` (same key), decided without building keys where the parser can. */
  sameAs(other: Rule): boolean;
  /** The key without load-balancing weights: a rule whose pairKey survives but key changed was re-weighted. */
  readonly pairKey: string;
  readonly comment: string | null;
  /** 1-based line in the input. */
  readonly line: number;
  /** Chains this rule names (jump and goto targets, lists named after chains). */
  readonly refs: readonly string[];
  readonly selector: Selector;
  /** The line as written (without counters), to tell formatting-only differences apart. */
  readonly raw: string;
  /** The canonical rule as a dump line (`-A CHAIN …`), comment included. */
  readonly text: string;
  /** The text as it would read in chain `chain`: the rules of a renamed chain, under its new name. */
  textIn(chain: string): string;
}

export interface Chain<R extends Rule = Rule> {
  readonly name: string;
  /** Built-in chains have a policy (ACCEPT, DROP); user chains have none. */
  policy: string | null;
  rules: R[];
  /** 1-based line where the chain first appears. */
  line: number;
  /** The table holds it whether or not the input declares it (iptables' built-in chains): empty and accepting on one side only, it is no change. */
  readonly builtin?: boolean;
  /** False when the order of its rules means nothing (an nft set's or map's elements, an IPVS service's real servers). */
  readonly ordered?: boolean;
  /** How it is declared besides its rules and policy (an nft base chain's hook and priority, a set's type and flags): a change is a change of the chain. */
  readonly declaration?: string | null;
}

export interface Table<R extends Rule = Rule> {
  readonly name: string;
  /** In order of first appearance. */
  readonly chains: Map<string, Chain<R>>;
}

/** `R` is the parser's own rule type; the diff stage sees only `Rule`. */
export interface Ruleset<R extends Rule = Rule> {
  readonly tables: Map<string, Table<R>>;
}

/** The same ruleset with only some of its tables. */
export function restrictTables<R extends Rule>(ruleset: Ruleset<R>, tables: ReadonlySet<string>): Ruleset<R> {
  return { tables: new Map([...ruleset.tables].filter(([name]) => tables.has(name))) };
}

/** The rules of a chain written word for word as a rule above them, each with its first copy. */
export function repeatedRules<R extends Rule>(chain: Chain<R>): Map<R, R> {
  const first = new Map<string, R>();
  const repeats = new Map<R, R>();
  for (const rule of chain.rules) {
    const earlier = first.get(rule.raw);
    if (earlier) repeats.set(rule, earlier);
    else first.set(rule.raw, rule);
  }
  return repeats;
}
