/**
 * One rule of `nft list` text → statements. nft's grammar is large and context-sensitive; this
 * reads the part kube-proxy (and iptables-nft) rules use — matches on payload, meta, ct and fib
 * fields, set and map lookups, verdicts, vmaps, NAT, marks, set updates, reject, counters — and
 * keeps anything else as opaque text, so nothing is lost and nothing is guessed.
 */
import { anonymousSet, value, type BinaryOp, type Expr, type MatchOp, type SetElement, type Statement, type VerdictKind } from './ast';
import { NftSyntaxError, type Token } from './tokenize';
import { canonicalLiteral, parseDuration } from './values';

export interface ParsedRule {
  statements: Statement[];
  comment: string | null;
}

const PAYLOAD_PROTOCOLS = new Set(['ip', 'ip6', 'tcp', 'udp', 'udplite', 'sctp', 'dccp', 'th', 'icmp', 'icmpv6', 'igmp', 'ether', 'arp', 'vlan', 'ah', 'esp', 'comp', 'gre']);
/** Meta keys nft prints without `meta`. */
const BARE_META = new Set(['mark', 'iif', 'iifname', 'iiftype', 'oif', 'oifname', 'oiftype', 'skuid', 'skgid', 'nftrace', 'rtclassid', 'ibrname', 'obrname', 'pkttype', 'cpu', 'iifgroup', 'oifgroup', 'cgroup']);
const VERDICTS = new Set<VerdictKind>(['accept', 'drop', 'continue', 'return', 'jump', 'goto']);
const OPS: Record<string, MatchOp> = { '==': 'eq', eq: 'eq', '!=': 'ne', ne: 'ne', '<': 'lt', lt: 'lt', '>': 'gt', gt: 'gt', '<=': 'le', le: 'le', '>=': 'ge', ge: 'ge' };
const BINOPS: Record<string, BinaryOp> = { '&': '&', and: '&', '|': '|', or: '|', '^': '^', xor: '^', '<<': '<<', lshift: '<<', '>>': '>>', rshift: '>>' };
const NAT_FLAGS = new Set(['random', 'fully-random', 'persistent', 'netmap']);

/** Fields whose implicit comparison is a flag test (`ct state new` is `ct state in new`). */
export function isBitmask(e: Expr): boolean {
  return (e.kind === 'ct' && (e.key === 'state' || e.key === 'status' || e.key === 'event')) || (e.kind === 'payload' && e.protocol === 'tcp' && e.field === 'flags');
}

class Cursor {
  pos = 0;
  constructor(readonly tokens: Token[]) {}

  peek(k = 0): Token | undefined {
    return this.tokens[this.pos + k];
  }

  /** The next token's text when it is a bare word (not a quoted string). */
  word(k = 0): string | undefined {
    const t = this.peek(k);
    return t && !t.quoted ? t.text : undefined;
  }

  next(what: string): Token {
    const t = this.tokens[this.pos];
    if (!t) throw new NftSyntaxError(`the rule ends where ${what} should follow`);
    this.pos++;
    return t;
  }

  expect(text: string): void {
    const t = this.next(`"${text}"`);
    if (t.quoted || t.text !== text) throw new NftSyntaxError(`"${text}" expected, found "${t.text}"`);
  }

  number(what: string): number {
    const t = this.next(what);
    const text = canonicalLiteral(t.text);
    if (t.quoted || !/^\d+$/.test(text)) throw new NftSyntaxError(`${what} expected, found "${t.text}"`);
    return Number(text);
  }

  atEnd(): boolean {
    return this.pos >= this.tokens.length;
  }

  /**
   * Tokens of a statement natdiff does not read (`log …`, `limit …`, `xt match "set"`), as text: up
   * to the next verdict, counter, NAT or reject outside braces, which are read again.
   */
  opaqueRun(): string {
    const from = this.pos;
    let depth = 0;
    for (; this.pos < this.tokens.length; this.pos++) {
      const t = this.tokens[this.pos] as Token;
      if (t.quoted) continue;
      if (t.text === '{') depth++;
      else if (t.text === '}') depth--;
      else if (depth === 0 && this.pos > from && RESYNC.has(t.text)) break;
    }
    return this.tokens.slice(from, this.pos).map(tokenText).join(' ');
  }
}

/** Words that start a statement natdiff reads again after one it does not. */
const RESYNC = new Set(['accept', 'drop', 'continue', 'return', 'jump', 'goto', 'counter', 'dnat', 'snat', 'masquerade', 'redirect', 'reject']);

export function tokenText(t: Token): string {
  return t.quoted ? `"${t.text}"` : t.text;
}

function startsPrimary(c: Cursor, k = 0): boolean {
  const w = c.word(k);
  if (w === undefined) return false;
  if (PAYLOAD_PROTOCOLS.has(w)) return c.peek(k + 1) !== undefined;
  return w === 'meta' || w === 'ct' || w === 'fib' || w === 'numgen' || w === 'jhash' || w === 'symhash' || BARE_META.has(w);
}

function primary(c: Cursor): Expr {
  const w = c.next('an expression').text;
  if (w === 'meta') return { kind: 'meta', key: c.next('a meta key').text };
  if (BARE_META.has(w)) return { kind: 'meta', key: w };
  if (w === 'ct') return ctExpr(c);
  if (w === 'fib') return fibExpr(c);
  if (w === 'numgen') return numgenExpr(c);
  if (w === 'jhash' || w === 'symhash') return hashExpr(c, w);
  return { kind: 'payload', protocol: w, field: c.next(`a ${w} field`).text };
}

function ctExpr(c: Cursor): Expr {
  let dir: string | null = null;
  if (c.word() === 'original' || c.word() === 'reply') dir = c.next('a ct direction').text;
  let key = c.next('a ct key').text;
  if ((key === 'ip' || key === 'ip6') && c.peek()) key = `${key} ${c.next('a ct key').text}`;
  return { kind: 'ct', key, dir };
}

function fibExpr(c: Cursor): Expr {
  const flags = [c.next('a fib flag').text];
  while (c.word() === '.') {
    c.next('.');
    flags.push(c.next('a fib flag').text);
  }
  return { kind: 'fib', flags, result: c.next('a fib result').text };
}

function numgenExpr(c: Cursor): Expr {
  const mode = c.next('a numgen mode').text;
  c.expect('mod');
  const mod = c.number('a modulus');
  let offset = 0;
  if (c.word() === 'offset') {
    c.next('offset');
    offset = c.number('an offset');
  }
  return { kind: 'numgen', mode, mod, offset };
}

function hashExpr(c: Cursor, fn: string): Expr {
  const expr = c.word() === 'mod' ? null : concat(c);
  c.expect('mod');
  const mod = c.number('a modulus');
  let seed: string | null = null;
  let offset = 0;
  for (;;) {
    if (c.word() === 'seed') {
      c.next('seed');
      seed = canonicalLiteral(c.next('a seed').text);
    } else if (c.word() === 'offset') {
      c.next('offset');
      offset = c.number('an offset');
    } else {
      break;
    }
  }
  return { kind: 'hash', fn, expr, mod, seed, offset };
}

/** `a . b . c` of primaries. */
function concat(c: Cursor): Expr {
  const items = [primary(c)];
  while (c.word() === '.' && startsPrimary(c, 1)) {
    c.next('.');
    items.push(primary(c));
  }
  return items.length === 1 ? (items[0] as Expr) : { kind: 'concat', items };
}

/** `first` with binary operators applied (`meta mark & 0x4000`). */
function withOperators(c: Cursor, first: Expr): Expr {
  let e = first;
  for (let op = BINOPS[c.word() ?? '']; op !== undefined; op = BINOPS[c.word() ?? '']) {
    c.next('an operator');
    e = { kind: 'binop', op, left: e, right: operand(c) };
  }
  return e;
}

function expression(c: Cursor): Expr {
  return withOperators(c, concat(c));
}

function operand(c: Cursor): Expr {
  return startsPrimary(c) ? concat(c) : literal(c);
}

function literal(c: Cursor): Expr {
  const t = c.next('a value');
  if (!t.quoted && t.text.startsWith('@') && t.text.length > 1) return { kind: 'ref', name: t.text.slice(1) };
  if (!t.quoted && t.text.includes(',')) return { kind: 'flags', items: t.text.split(',').filter((s) => s !== '') };
  return value(t.quoted ? t.text : canonicalLiteral(t.text));
}

/** A value, or values joined with ` . `. */
function literalConcat(c: Cursor): Expr {
  const items = [literal(c)];
  while (c.word() === '.' && c.peek(1)) {
    c.next('.');
    items.push(literal(c));
  }
  return items.length === 1 ? (items[0] as Expr) : { kind: 'concat', items };
}

/** The right side of a comparison: a value, `@set`, or `{ … }`. */
function rightSide(c: Cursor): Expr {
  return c.word() === '{' ? braces(c) : literalConcat(c);
}

function verdict(c: Cursor): Expr | null {
  const w = c.word();
  if (w === undefined || !VERDICTS.has(w as VerdictKind)) return null;
  c.next('a verdict');
  const kind = w as VerdictKind;
  return { kind: 'verdict', verdict: kind, target: kind === 'jump' || kind === 'goto' ? c.next('a chain name').text : null };
}

/** `{ element, … }`: an anonymous set, or map data when elements have `: data`. */
function braces(c: Cursor): Expr {
  return anonymousSet(elementList(c));
}

/**
 * `{ a, b : v, … }` → elements (also `elements = { … }` of named sets and maps); `spans` gets
 * where each element's tokens start and end.
 */
function elementList(c: Cursor, spans?: [number, number][]): SetElement[] {
  c.expect('{');
  const elements: SetElement[] = [];
  while (c.word() !== '}') {
    if (c.word() === ',') {
      c.next(',');
      continue;
    }
    if (c.atEnd()) throw new NftSyntaxError('a "{" is not closed');
    const from = c.pos;
    elements.push(element(c));
    spans?.push([from, c.pos]);
    const w = c.word();
    if (w !== ',' && w !== '}') throw new NftSyntaxError(c.peek() ? `"," or "}" expected, found "${c.peek()?.text}"` : 'a "{" is not closed');
  }
  c.expect('}');
  return elements;
}

function element(c: Cursor): SetElement {
  const key = literalConcat(c);
  const el: SetElement = { key, data: null, comment: null, timeout: null, expires: null };
  for (;;) {
    const w = c.word();
    if (w === 'timeout' || w === 'expires') {
      c.next(w);
      const seconds = parseDuration(c.next('a duration').text);
      if (seconds === null) throw new NftSyntaxError('a duration expected');
      el[w] = seconds;
    } else if (w === 'counter') {
      counter(c);
    } else if (c.peek()?.text === 'comment' && !c.peek()?.quoted) {
      c.next('comment');
      el.comment = c.next('a comment').text;
    } else {
      break;
    }
  }
  if (c.word() === ':') {
    c.next(':');
    el.data = verdict(c) ?? literalConcat(c);
  }
  return el;
}

function counter(c: Cursor): void {
  c.next('counter');
  if (c.word() === 'packets') {
    c.next('packets');
    c.next('a packet count');
    if (c.word() === 'bytes') {
      c.next('bytes');
      c.next('a byte count');
    }
  } else if (c.word() === 'name') {
    c.next('name');
    c.next('a counter name');
  }
}

function nat(c: Cursor, kind: 'dnat' | 'snat' | 'masquerade' | 'redirect'): Statement {
  let family: string | null = null;
  if (c.word() === 'ip' || c.word() === 'ip6') family = c.next('a family').text;
  // `dnat ip addr . port to …`: the data's type says as much, and nft prints it without.
  if (c.word() === 'addr' && c.word(1) === '.' && c.word(2) === 'port') c.pos += 3;
  let addr: Expr | null = null;
  let port: Expr | null = null;
  if (c.word() === 'to') {
    c.next('to');
    ({ addr, port } = natTarget(c));
  }
  const flags: string[] = [];
  while (c.word() !== undefined && (c.word() as string).split(',').every((f) => NAT_FLAGS.has(f))) flags.push(...c.next('a flag').text.split(','));
  return { kind: 'nat', nat: kind, family, addr, port, flags };
}

/** `10.0.0.1:80`, `[fd00::1]:53`, `:8080`, `10.0.0.1`, or an expression (`numgen … map { … }`). */
function natTarget(c: Cursor): { addr: Expr | null; port: Expr | null } {
  if (startsPrimary(c)) {
    const key = expression(c);
    if (c.word() !== 'map') return { addr: key, port: null };
    c.next('map');
    return { addr: { kind: 'map', key, data: rightSide(c) }, port: null };
  }
  const t = c.next('a NAT target');
  const split = t.quoted ? null : splitHostPort(t.text);
  if (!split) return { addr: value(t.quoted ? t.text : canonicalLiteral(t.text)), port: null };
  return { addr: split.host === '' ? null : value(canonicalLiteral(split.host)), port: split.port === null ? null : value(canonicalLiteral(split.port)) };
}

/** `10.0.0.1:80`, `[fd00::1]:53`, `:8080`, `10.0.0.1`, `fd00::1` → host and port (null when the text is neither). */
function splitHostPort(text: string): { host: string; port: string | null } | null {
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    const rest = text.slice(close + 1);
    if (close < 0 || (rest !== '' && !rest.startsWith(':'))) return null;
    return { host: text.slice(1, close), port: rest === '' ? null : rest.slice(1) };
  }
  const colon = text.indexOf(':');
  if (colon < 0) return { host: text, port: null };
  if (colon !== text.lastIndexOf(':')) return { host: text, port: null };
  return { host: text.slice(0, colon), port: text.slice(colon + 1) };
}

function reject(c: Cursor): Statement {
  if (c.word() !== 'with') return { kind: 'reject', type: null, code: null };
  c.next('with');
  const type = c.next('a reject type').text;
  if (type === 'tcp') {
    c.expect('reset');
    return { kind: 'reject', type: 'tcp reset', code: null };
  }
  if (c.word() === 'type') c.next('type');
  return { kind: 'reject', type, code: c.next('a reject code').text };
}

function setOp(c: Cursor, op: string): Statement {
  const set = c.next('a set').text.slice(1);
  c.expect('{');
  const elem = expression(c);
  let timeout: number | null = null;
  if (c.word() === 'timeout') {
    c.next('timeout');
    timeout = parseDuration(c.next('a duration').text);
  }
  c.expect('}');
  return { kind: 'set-op', op, elem, timeout, set };
}

/** One statement, or null at a word that starts none natdiff reads (the rest of the rule is then opaque). */
function statement(c: Cursor): Statement | null {
  const w = c.word();
  if (w === undefined) return null;
  const v = verdict(c);
  if (v && v.kind === 'verdict') return { kind: 'verdict', verdict: v.verdict, target: v.target };
  if (w === 'counter') {
    counter(c);
    return { kind: 'counter' };
  }
  if (w === 'dnat' || w === 'snat' || w === 'masquerade' || w === 'redirect') {
    c.next(w);
    return nat(c, w);
  }
  if (w === 'reject') {
    c.next(w);
    return reject(c);
  }
  if ((w === 'update' || w === 'add' || w === 'delete') && c.word(1)?.startsWith('@')) {
    c.next(w);
    return setOp(c, w);
  }
  if (!startsPrimary(c)) return null;
  const left = expression(c);
  if (c.word() === 'vmap') {
    c.next('vmap');
    return { kind: 'vmap', key: left, data: rightSide(c) };
  }
  if (c.word() === 'set') {
    c.next('set');
    return { kind: 'mangle', key: left, value: withOperators(c, operand(c)) };
  }
  const explicit = OPS[c.word() ?? ''];
  if (explicit) c.next('an operator');
  const right = rightSide(c);
  const op: MatchOp = explicit ?? (isBitmask(left) && right.kind !== 'set' && right.kind !== 'ref' ? 'in' : 'eq');
  return { kind: 'match', op, left, right };
}

/** Reads a rule's tokens; throws NftSyntaxError when a construct it knows is malformed. */
export function parseRuleTokens(tokens: Token[]): ParsedRule {
  let end = tokens.length;
  let comment: string | null = null;
  const last = tokens[end - 1];
  if (end >= 2 && last?.quoted && tokens[end - 2]?.text === 'comment' && !tokens[end - 2]?.quoted) {
    comment = last.text;
    end -= 2;
  }
  const c = new Cursor(tokens.slice(0, end));
  const statements: Statement[] = [];
  while (!c.atEnd()) {
    const s = statement(c);
    if (s) {
      statements.push(s);
      continue;
    }
    statements.push({ kind: 'opaque', text: c.opaqueRun() });
  }
  return { statements, comment };
}

/** `{ … }` of a named set's `elements = { … }`: each element with the tokens it was written in. */
export function parseElementTokens(tokens: Token[]): { element: SetElement; tokens: Token[] }[] {
  const c = new Cursor(tokens);
  const spans: [number, number][] = [];
  const elements = elementList(c, spans);
  if (!c.atEnd()) throw new NftSyntaxError(`unexpected "${c.peek()?.text}" after the elements`);
  return elements.map((element, i) => {
    const [from, to] = spans[i] as [number, number];
    return { element, tokens: tokens.slice(from, to) };
  });
}
