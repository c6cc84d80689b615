/**
 * One iptables rule. Its facts (what the service model reads) are read when the dump is parsed;
 * its canonical key (what the rule diff compares) is built the first time something asks, which
 * for a scale event is only in the few chains that differ between the two dumps.
 */
import type { Rule, Selector } from '../../model/ruleset';
import { canonicalKey, canonicalRule, type CanonicalRule, type MatchTexts } from './rule-canonical';
import { refsOf, ruleFacts, sameMeaning, type FactsContext, type RuleFacts } from './rule-facts';
import { saveString, tokenize, valueText, type Tokens } from './tokenize';

export type { RuleFacts } from './rule-facts';
export { RuleSyntaxError } from './rule-walk';

/** What reading a rule needs of its dump's reading: where to warn, and the diff's match texts (see IptablesReadCache). */
export interface RuleContext extends FactsContext {
  matchTexts: MatchTexts;
}

export class IptablesRule implements Rule {
  private canonical: CanonicalRule | null = null;

  constructor(
    readonly chain: string,
    /** The line as written, without a counters prefix. */
    readonly raw: string,
    /** Index of the first token after `-A CHAIN` (or `-I CHAIN N`). */
    readonly start: number,
    readonly line: number,
    readonly facts: RuleFacts,
    /** Where its canonical key's match texts are kept: its diff's (see IptablesReadCache). */
    readonly matchTexts: MatchTexts,
  ) {}

  get comment(): string | null {
    return this.facts.comment;
  }

  get refs(): readonly string[] {
    return refsOf(this.facts);
  }

  get selector(): Selector {
    const d = this.facts.destination;
    const port = this.facts.dport;
    // A port range (80:90) or a service name overlaps other ports: only single numbers select.
    return { address: d !== null && (d.endsWith('/32') || d.endsWith('/128')) ? d : null, protocol: this.facts.protocol, port: port !== null && /^\d+$/.test(port) ? port : null };
  }

  /** The same rule written alike elsewhere (the other dump of a diff): what it knows, this one knows. */
  alikeAs(chain: string, line: number): IptablesRule {
    const copy = new IptablesRule(chain, this.raw, this.start, line, this.facts, this.matchTexts);
    copy.canonical = this.canonical;
    return copy;
  }

  private canon(): CanonicalRule {
    return (this.canonical ??= canonicalRule(tokenize(this.raw), this.start, this.matchTexts));
  }

  get key(): string {
    return this.canon().key;
  }

  transientKey(): string {
    return this.canonical?.key ?? canonicalKey(tokenize(this.raw), this.start, this.matchTexts);
  }

  sameAs(other: Rule): boolean {
    const known = other instanceof IptablesRule ? sameMeaning(this.facts, other.facts) : null;
    return known ?? this.transientKey() === other.transientKey();
  }

  get pairKey(): string {
    return this.canon().pairKey;
  }

  get text(): string {
    const head = `-A ${this.chain}`;
    const { key, commentAt } = this.canon();
    if (this.comment === null) return key ? `${head} ${key}` : head;
    const comment = `-m comment --comment ${saveString(this.comment)}`;
    return [head, key.slice(0, commentAt).trimEnd(), comment, key.slice(commentAt).trimStart()].filter((s) => s !== '').join(' ');
  }

  textIn(chain: string): string {
    return chain === this.chain ? this.text : this.renamed(chain).text;
  }

  /** The same rule under another chain name (`-E` renames a chain in a restore input). */
  renamed(chain: string): IptablesRule {
    return new IptablesRule(chain, this.raw, this.start, this.line, this.facts, this.matchTexts);
  }

  /** The same rule with `from` (a chain it names) renamed to `to`, read again: jumps follow a renamed chain. */
  retargeted(from: string, to: string, ctx: FactsContext): IptablesRule {
    const t = tokenize(this.raw);
    const raw = t.values.map((v, i) => (v === from && !t.quoted?.[i] ? to : valueText(v))).join(' ');
    return parseRule(this.chain, tokenize(raw), this.start, this.line, raw, { warn: (m) => ctx.warn(m), matchTexts: this.matchTexts });
  }
}

/** Parses the tokens of a rule specification starting at `start`; throws RuleSyntaxError when the line is not a rule. */
export function parseRule(chain: string, tokens: Tokens, start: number, line: number, raw: string, ctx: RuleContext): IptablesRule {
  return new IptablesRule(chain, raw, start, line, ruleFacts(tokens, start, ctx), ctx.matchTexts);
}
