/**
 * The nft rule language as natdiff reads it: expressions and statements, the same whether they
 * were read from `nft list` text or from `nft -j` JSON. This is what a packet tracer walks (field,
 * operator, value, negation; set and map lookups; verdicts; NAT), and what rule keys are built
 * from (see render.ts). What natdiff does not model is kept as `opaque` text, never dropped.
 */

/** A relational operator. `in` is nft's implicit flag test (`ct state new`: any of these bits). */
export type MatchOp = 'eq' | 'ne' | 'lt' | 'gt' | 'le' | 'ge' | 'in';

export type BinaryOp = '&' | '|' | '^' | '<<' | '>>';

export type VerdictKind = 'accept' | 'drop' | 'continue' | 'return' | 'jump' | 'goto' | 'queue';

export type Expr =
  /** `ip saddr`, `ip6 daddr`, `tcp dport`, `th dport` */
  | { kind: 'payload'; protocol: string; field: string }
  /** `meta l4proto`, `meta mark`, `iifname` */
  | { kind: 'meta'; key: string }
  /** `ct state`, `ct original ip daddr` (key `ip daddr`, dir `original`) */
  | { kind: 'ct'; key: string; dir: string | null }
  /** `fib saddr type`, `fib daddr . iif type` */
  | { kind: 'fib'; flags: string[]; result: string }
  /** `numgen random mod 4 [offset 0]` */
  | { kind: 'numgen'; mode: string; mod: number; offset: number }
  /** `jhash ip saddr mod 2 seed 0x1 offset 0`, `symhash mod 2` */
  | { kind: 'hash'; fn: string; expr: Expr | null; mod: number; seed: string | null; offset: number }
  | { kind: 'concat'; items: Expr[] }
  | { kind: 'binop'; op: BinaryOp; left: Expr; right: Expr }
  /** A literal in canonical form (see values.ts): an address, prefix, range, number or symbol. */
  | { kind: 'value'; text: string }
  /** A flag list: `established,related`. */
  | { kind: 'flags'; items: string[] }
  /** A named set or map: `@service-ips`. */
  | { kind: 'ref'; name: string }
  /** An anonymous set, or a map's data when elements carry `: data`. */
  | { kind: 'set'; elements: SetElement[] }
  /** `KEY map { … }` / `KEY map @m`: a lookup whose result is a value. */
  | { kind: 'map'; key: Expr; data: Expr }
  | { kind: 'verdict'; verdict: VerdictKind; target: string | null }
  /** Something natdiff does not model, in canonical text. */
  | { kind: 'opaque'; text: string };

export interface SetElement {
  key: Expr;
  /** A map element's data (`goto X`, `10.0.0.1 . 80`); null in a set. */
  data: Expr | null;
  comment: string | null;
  /** Seconds; an element's own timeout. */
  timeout: number | null;
  /** Seconds left: runtime state, never meaning. */
  expires: number | null;
}

export type NatKind = 'dnat' | 'snat' | 'masquerade' | 'redirect';

export type Statement =
  | { kind: 'match'; op: MatchOp; left: Expr; right: Expr }
  | { kind: 'verdict'; verdict: VerdictKind; target: string | null }
  /** `KEY vmap { … }` / `KEY vmap @m` */
  | { kind: 'vmap'; key: Expr; data: Expr }
  | { kind: 'nat'; nat: NatKind; family: string | null; addr: Expr | null; port: Expr | null; flags: string[] }
  /** `meta mark set EXPR`, `ct mark set EXPR` */
  | { kind: 'mangle'; key: Expr; value: Expr }
  /** `update @set { ip saddr [timeout 10s] }` */
  | { kind: 'set-op'; op: string; elem: Expr; timeout: number | null; set: string }
  /** `reject [with TYPE CODE]`; null type and code are nft's default for the family. */
  | { kind: 'reject'; type: string | null; code: string | null }
  /** Counters are state, never meaning. */
  | { kind: 'counter' }
  | { kind: 'opaque'; text: string };

export const value = (text: string): Expr => ({ kind: 'value', text });

export const opaque = (text: string): Expr => ({ kind: 'opaque', text });

/** An anonymous set; nft prints (and stores) a one-element set as its element, so it is read as one. */
export function anonymousSet(elements: SetElement[]): Expr {
  const only = elements.length === 1 ? (elements[0] as SetElement) : null;
  if (only && only.data === null && only.comment === null && only.timeout === null) return only.key;
  return { kind: 'set', elements };
}

/** The chains and named sets/maps an expression or statement names. */
export interface Names {
  chains: string[];
  sets: string[];
}

function elementParts(el: SetElement): Expr[] {
  return el.data ? [el.key, el.data] : [el.key];
}

/** The expressions an expression is made of. */
export function subExpressions(e: Expr): Expr[] {
  switch (e.kind) {
    case 'concat':
      return e.items;
    case 'binop':
      return [e.left, e.right];
    case 'map':
      return [e.key, e.data];
    case 'hash':
      return e.expr ? [e.expr] : [];
    case 'set':
      return e.elements.flatMap(elementParts);
    default:
      return [];
  }
}

/** The expressions a statement is made of. */
function statementParts(s: Statement): Expr[] {
  switch (s.kind) {
    case 'match':
      return [s.left, s.right];
    case 'vmap':
      return [s.key, s.data];
    case 'nat':
      return [s.addr, s.port].filter((x): x is Expr => x !== null);
    case 'mangle':
      return [s.key, s.value];
    case 'set-op':
      return [s.elem];
    default:
      return [];
  }
}

function collectExpr(e: Expr, names: Names): void {
  if (e.kind === 'verdict' && e.target !== null) names.chains.push(e.target);
  else if (e.kind === 'ref') names.sets.push(e.name);
  for (const p of subExpressions(e)) collectExpr(p, names);
}

export function collectElement(el: SetElement, names: Names): void {
  for (const p of elementParts(el)) collectExpr(p, names);
}

export function collectStatement(s: Statement, names: Names): void {
  if (s.kind === 'verdict' && s.target !== null) names.chains.push(s.target);
  else if (s.kind === 'set-op') names.sets.push(s.set);
  for (const p of statementParts(s)) collectExpr(p, names);
}
