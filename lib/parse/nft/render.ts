/**
 * Statements and elements as canonical nft text: one spelling per meaning, whatever nft printed
 * (text or JSON) or the user wrote. Matches are side-effect free, so a run of them is sorted;
 * anonymous set elements are sorted; counters are left out; marks print in nft's 0x%08x form;
 * defaults the family implies (the reject type, the NAT family of an ip table) are left out.
 */
import { subExpressions, type Expr, type MatchOp, type SetElement, type Statement } from './ast';
import { isBitmask } from './parse-rule';
import { formatDuration, isInteger } from './values';

export interface RenderOptions {
  /** The table's family (`ip`, `ip6`, `inet`…): what `reject` and NAT default to. */
  family: string;
  /** Leave out load-balancing weights (numgen moduli and the buckets they pick from): a rule's pairKey. */
  unweighted?: boolean;
}

/** How a literal beside an expression is written: marks in hex, interface names quoted. */
interface Style {
  hex: boolean;
  quote: boolean;
}

const PLAIN: Style = { hex: false, quote: false };
const NAME_KEYS = new Set(['iifname', 'oifname', 'ibrname', 'obrname', 'iifkind', 'oifkind', 'sdifname']);
const BARE_WORD = /^[A-Za-z0-9_./:*-]+$/;
const REJECT_DEFAULT: Record<string, string> = { ip: 'icmp', ip6: 'icmpv6' };

function styleOf(e: Expr): Style {
  switch (e.kind) {
    case 'meta':
      return { hex: e.key === 'mark', quote: NAME_KEYS.has(e.key) };
    case 'ct':
      return { hex: e.key === 'mark', quote: e.key === 'helper' };
    case 'binop':
      return styleOf(e.left);
    default:
      return PLAIN;
  }
}

/** A chain, set or string name, quoted when nft would need quotes to read it back. */
export function quoteName(text: string): string {
  return BARE_WORD.test(text) ? text : `"${text}"`;
}

function valueText(text: string, style: Style): string {
  if (style.hex && isInteger(text)) return `0x${BigInt(text).toString(16).padStart(8, '0')}`;
  if (style.quote || !BARE_WORD.test(text)) return `"${text}"`;
  return text;
}

function isNumgen(e: Expr): boolean {
  return e.kind === 'numgen';
}

/** Orders elements by key, numbers by value: `{ 0 : …, 2 : …, 10 : … }`. */
function compareRendered(x: string, y: string): number {
  const nx = /^\d+(?= |$)/.exec(x);
  const ny = /^\d+(?= |$)/.exec(y);
  if (nx && ny && nx[0] !== ny[0]) return Number(nx[0]) - Number(ny[0]);
  return x < y ? -1 : x > y ? 1 : 0;
}

export function renderExpr(e: Expr, options: RenderOptions, style: Style = PLAIN): string {
  switch (e.kind) {
    case 'payload':
      return `${e.protocol} ${e.field}`;
    case 'meta':
      return e.key === 'mark' || !NAME_KEYS.has(e.key) ? `meta ${e.key}` : e.key;
    case 'ct':
      return e.dir ? `ct ${e.dir} ${e.key}` : `ct ${e.key}`;
    case 'fib':
      return `fib ${e.flags.join(' . ')} ${e.result}`;
    case 'numgen':
      if (options.unweighted) return `numgen ${e.mode}`;
      return `numgen ${e.mode} mod ${e.mod}${e.offset ? ` offset ${e.offset}` : ''}`;
    case 'hash': {
      const seed = e.seed === null ? '' : ` seed 0x${BigInt(e.seed).toString(16)}`;
      return `${e.fn}${e.expr ? ` ${renderExpr(e.expr, options)}` : ''} mod ${e.mod}${seed}${e.offset ? ` offset ${e.offset}` : ''}`;
    }
    case 'concat':
      return e.items.map((i) => renderExpr(i, options, style)).join(' . ');
    case 'binop':
      return `${renderExpr(e.left, options)} ${e.op} ${renderExpr(e.right, options, styleOf(e.left))}`;
    case 'value':
      return valueText(e.text, style);
    case 'flags':
      return [...e.items].sort().join(',');
    case 'ref':
      return `@${quoteName(e.name)}`;
    case 'set':
      return `{ ${e.elements.map((el) => renderElement(el, options, { comment: true, style })).sort(compareRendered).join(', ')} }`;
    case 'map':
      return `${renderExpr(e.key, options)} map ${lookupData(e.key, e.data, options)}`;
    case 'verdict':
      return e.target === null ? e.verdict : `${e.verdict} ${quoteName(e.target)}`;
    case 'opaque':
      return e.text;
  }
}

/** A map's data; when a numgen picks from it, the buckets are weights (left out of a pairKey). */
function lookupData(key: Expr, data: Expr, options: RenderOptions): string {
  return options.unweighted && isNumgen(key) && data.kind === 'set' ? '{ … }' : renderExpr(data, options);
}

export function renderElement(el: SetElement, options: RenderOptions, how: { comment: boolean; style?: Style }): string {
  let text = renderExpr(el.key, options, how.style ?? PLAIN);
  if (el.timeout !== null) text += ` timeout ${formatDuration(el.timeout)}`;
  if (how.comment && el.comment !== null) text += ` comment "${el.comment}"`;
  if (el.data !== null) text += ` : ${renderExpr(el.data, options)}`;
  return text;
}

function opText(op: MatchOp, left: Expr): string {
  switch (op) {
    case 'eq':
      return left.kind === 'binop' || isBitmask(left) ? ' == ' : ' ';
    case 'in':
      return isBitmask(left) ? ' ' : ' in ';
    case 'ne':
      return ' != ';
    case 'lt':
      return ' < ';
    case 'gt':
      return ' > ';
    case 'le':
      return ' <= ';
    case 'ge':
      return ' >= ';
  }
}

function natTarget(addr: Expr | null, port: Expr | null, options: RenderOptions): string {
  const host = addr ? renderExpr(addr, options) : '';
  if (!port) return host;
  const bracket = addr?.kind === 'value' && addr.text.includes(':');
  return `${bracket ? `[${host}]` : host}:${renderExpr(port, options)}`;
}

function renderStatement(s: Statement, options: RenderOptions): string {
  switch (s.kind) {
    case 'match':
      return `${renderExpr(s.left, options)}${opText(s.op, s.left)}${renderExpr(s.right, options, styleOf(s.left))}`;
    case 'verdict':
      return s.target === null ? s.verdict : `${s.verdict} ${quoteName(s.target)}`;
    case 'vmap':
      return `${renderExpr(s.key, options)} vmap ${lookupData(s.key, s.data, options)}`;
    case 'nat': {
      const family = s.family !== null && s.family !== options.family ? ` ${s.family}` : '';
      const to = s.addr || s.port ? ` to ${natTarget(s.addr, s.port, options)}` : '';
      const flags = s.flags.length > 0 ? ` ${[...s.flags].sort().join(',')}` : '';
      return `${s.nat}${family}${to}${flags}`;
    }
    case 'mangle':
      return `${renderExpr(s.key, options)} set ${renderExpr(s.value, options, styleOf(s.key))}`;
    case 'set-op':
      return `${s.op} @${quoteName(s.set)} { ${renderExpr(s.elem, options)}${s.timeout !== null ? ` timeout ${formatDuration(s.timeout)}` : ''} }`;
    case 'reject': {
      const defaultType = REJECT_DEFAULT[options.family] ?? 'icmpx';
      if (s.type === null || (s.type === defaultType && s.code === 'port-unreachable')) return 'reject';
      return `reject with ${s.type}${s.code !== null ? ` ${s.code}` : ''}`;
    }
    case 'counter':
      return 'counter';
    case 'opaque':
      return s.text;
  }
}

function isPureMatch(s: Statement): boolean {
  return s.kind === 'match' && !hasRandomness(s.left) && !hasRandomness(s.right);
}

function hasRandomness(e: Expr): boolean {
  return e.kind === 'numgen' || e.kind === 'hash' || (e.kind === 'meta' && e.key === 'random') || subExpressions(e).some(hasRandomness);
}

/** The statements' meaning as one line: counters left out, each run of matches sorted. */
export function renderStatements(statements: readonly Statement[], options: RenderOptions): string {
  const parts: string[] = [];
  let run: string[] = [];
  const flush = (): void => {
    parts.push(...run.sort());
    run = [];
  };
  for (const s of statements) {
    if (s.kind === 'counter') continue;
    if (isPureMatch(s)) {
      run.push(renderStatement(s, options));
      continue;
    }
    flush();
    parts.push(renderStatement(s, options));
  }
  flush();
  return parts.join(' ');
}
