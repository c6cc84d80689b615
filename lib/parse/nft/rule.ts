/**
 * nft rules and set/map elements as the generic chain diff sees them (model/ruleset `Rule`): a
 * canonical key built from the AST on first use, the chains and sets they name, and what a
 * destination selector can tell the order check.
 */
import type { Rule, Selector } from '../../model/ruleset';
import { normalizeCidr } from '../iptables/address';
import { collectElement, collectStatement, type Expr, type Names, type SetElement, type Statement } from './ast';
import { renderElement, renderStatements, type RenderOptions } from './render';
import { isInteger } from './values';

/** What a rule needs to know of its table: its family, and whether `@name` is a set or a map. */
export interface TableScope {
  readonly family: string;
  kindOf(name: string): 'set' | 'map' | undefined;
}

/** The view name of a named set or map: `set cluster-ips`, `map service-ips`. */
export function setViewName(kind: 'set' | 'map', name: string): string {
  return `${kind} ${name}`;
}

function refsOf(names: Names, scope: TableScope): string[] {
  const refs = [...names.chains];
  for (const s of names.sets) refs.push(setViewName(scope.kindOf(s) ?? 'set', s));
  return [...new Set(refs)];
}

const PROTOCOLS = new Set(['tcp', 'udp', 'sctp']);

function addressOf(e: Expr): string | null {
  if (e.kind !== 'value') return null;
  const cidr = normalizeCidr(e.text);
  return cidr !== null && (cidr.endsWith('/32') || cidr.endsWith('/128')) ? cidr : null;
}

function ruleSelector(statements: readonly Statement[]): Selector {
  const selector: Selector = { address: null, protocol: null, port: null };
  for (const s of statements) {
    if (s.kind !== 'match' || s.op !== 'eq' || s.right.kind !== 'value') continue;
    const { left, right } = s;
    if (left.kind === 'payload' && (left.protocol === 'ip' || left.protocol === 'ip6') && left.field === 'daddr') selector.address ??= addressOf(right);
    else if ((left.kind === 'meta' && left.key === 'l4proto') || (left.kind === 'payload' && (left.field === 'protocol' || left.field === 'nexthdr'))) {
      if (PROTOCOLS.has(right.text)) selector.protocol ??= right.text;
    } else if (left.kind === 'payload' && left.field === 'dport' && isInteger(right.text)) {
      selector.port ??= right.text;
      if (PROTOCOLS.has(left.protocol)) selector.protocol ??= left.protocol;
    }
  }
  return selector;
}

export class NftRule implements Rule {
  private cachedKey: string | null = null;

  constructor(
    readonly chain: string,
    readonly statements: readonly Statement[],
    readonly comment: string | null,
    readonly line: number,
    /** The rule as written, without handle and counter values. */
    readonly raw: string,
    private readonly scope: TableScope,
  ) {}

  private get options(): RenderOptions {
    return { family: this.scope.family };
  }

  get key(): string {
    return (this.cachedKey ??= renderStatements(this.statements, this.options));
  }

  transientKey(): string {
    return this.cachedKey ?? renderStatements(this.statements, this.options);
  }

  sameAs(other: Rule): boolean {
    return this.transientKey() === other.transientKey();
  }

  get pairKey(): string {
    return renderStatements(this.statements, { ...this.options, unweighted: true });
  }

  get refs(): readonly string[] {
    const names: Names = { chains: [], sets: [] };
    for (const s of this.statements) collectStatement(s, names);
    return refsOf(names, this.scope);
  }

  get selector(): Selector {
    return ruleSelector(this.statements);
  }

  get text(): string {
    return this.comment === null ? this.key : `${this.key} comment "${this.comment}"`;
  }

  /** An nft rule does not name its chain. */
  textIn(): string {
    return this.text;
  }
}

/** What the parts of a set's key are: `ipv4_addr . inet_proto . inet_service` → one type per part. */
function elementSelector(el: SetElement, keyTypes: readonly string[]): Selector {
  const parts = el.key.kind === 'concat' ? el.key.items : [el.key];
  const selector: Selector = { address: null, protocol: null, port: null };
  keyTypes.forEach((type, i) => {
    const part = parts[i];
    if (part?.kind !== 'value') return;
    if ((type === 'ipv4_addr' || type === 'ipv6_addr') && selector.address === null) selector.address = addressOf(part);
    else if (type === 'inet_proto' && PROTOCOLS.has(part.text)) selector.protocol = part.text;
    else if (type === 'inet_service' && isInteger(part.text)) selector.port = part.text;
  });
  return selector;
}

/** One element of a named set or map, a rule of the view chain `set NAME` / `map NAME`. */
export class NftElement implements Rule {
  private cachedKey: string | null = null;

  constructor(
    /** The view name of its set or map. */
    readonly chain: string,
    readonly element: SetElement,
    private readonly keyTypes: readonly string[],
    readonly line: number,
    readonly raw: string,
    private readonly scope: TableScope,
  ) {}

  get comment(): string | null {
    return this.element.comment;
  }

  get key(): string {
    return (this.cachedKey ??= renderElement(this.element, { family: this.scope.family }, { comment: false }));
  }

  transientKey(): string {
    return this.key;
  }

  sameAs(other: Rule): boolean {
    return this.key === other.transientKey();
  }

  get pairKey(): string {
    return this.key;
  }

  get refs(): readonly string[] {
    const names: Names = { chains: [], sets: [] };
    collectElement(this.element, names);
    return refsOf(names, this.scope);
  }

  get selector(): Selector {
    return elementSelector(this.element, this.keyTypes);
  }

  get text(): string {
    return renderElement(this.element, { family: this.scope.family }, { comment: true });
  }

  /** An element does not name its set. */
  textIn(): string {
    return this.text;
  }
}
