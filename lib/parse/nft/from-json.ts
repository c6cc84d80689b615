/**
 * `nft -j` expressions and statements → the same AST the text reader builds, so that a JSON dump
 * and a text dump of one ruleset give equal keys. Anything of a shape natdiff does not know is
 * kept as opaque text (its JSON), never an exception: the input is untrusted.
 */
import { anonymousSet, value, type BinaryOp, type Expr, type MatchOp, type SetElement, type Statement, type VerdictKind } from './ast';
import { canonicalLiteral } from './values';

type Json = unknown;

export function isObject(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `{"name": body}` → [name, body]. */
export function single(v: Json): [string, Json] | null {
  if (!isObject(v)) return null;
  const keys = Object.keys(v);
  return keys.length === 1 ? [keys[0] as string, v[keys[0] as string]] : null;
}

export function str(v: Json): string | null {
  return typeof v === 'string' ? v : null;
}

export function num(v: Json): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function scalarText(v: Json): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return Number.isInteger(v) ? BigInt(v).toString() : String(v);
  if (typeof v === 'boolean') return String(v);
  return null;
}

function jsonOpaque(v: Json): Expr {
  return { kind: 'opaque', text: JSON.stringify(v) ?? 'null' };
}

const VERDICTS = new Set<string>(['accept', 'drop', 'continue', 'return', 'jump', 'goto']);
const BINOPS = new Set<string>(['&', '|', '^', '<<', '>>']);
const OPS: Record<string, MatchOp> = { '==': 'eq', '!=': 'ne', '<': 'lt', '>': 'gt', '<=': 'le', '>=': 'ge', in: 'in' };

function verdictOf(name: string, body: Json): Expr | null {
  if (!VERDICTS.has(name)) return null;
  if (name === 'jump' || name === 'goto') {
    const target = isObject(body) ? str(body.target) : null;
    return target === null ? null : { kind: 'verdict', verdict: name, target };
  }
  return body === null || isObject(body) ? { kind: 'verdict', verdict: name as VerdictKind, target: null } : null;
}

export function exprFromJson(v: Json): Expr {
  const scalar = scalarText(v);
  if (scalar !== null) {
    if (typeof v === 'string' && v.startsWith('@') && v.length > 1) return { kind: 'ref', name: v.slice(1) };
    return value(typeof v === 'string' ? canonicalLiteral(scalar) : scalar);
  }
  if (Array.isArray(v)) {
    const items = v.map(str);
    return items.every((s): s is string => s !== null) ? { kind: 'flags', items } : jsonOpaque(v);
  }
  const one = single(v);
  if (!one) return jsonOpaque(v);
  return objectExpr(one[0], one[1]) ?? jsonOpaque(v);
}

function objectExpr(name: string, body: Json): Expr | null {
  const o = isObject(body) ? body : null;
  switch (name) {
    case 'payload': {
      const protocol = str(o?.protocol);
      const field = str(o?.field);
      return protocol !== null && field !== null ? { kind: 'payload', protocol, field } : null;
    }
    case 'meta': {
      const key = str(o?.key);
      return key === null ? null : { kind: 'meta', key };
    }
    case 'ct': {
      const key = str(o?.key);
      const family = str(o?.family);
      return key === null ? null : { kind: 'ct', key: family ? `${family} ${key}` : key, dir: str(o?.dir) };
    }
    case 'fib': {
      const result = str(o?.result);
      const flags = typeof o?.flags === 'string' ? [o.flags] : Array.isArray(o?.flags) ? o.flags.map(str) : null;
      return result !== null && flags && flags.every((f): f is string => f !== null) ? { kind: 'fib', flags, result } : null;
    }
    case 'numgen': {
      const mode = str(o?.mode);
      const mod = num(o?.mod);
      return mode !== null && mod !== null ? { kind: 'numgen', mode, mod, offset: num(o?.offset) ?? 0 } : null;
    }
    case 'jhash':
    case 'symhash': {
      const mod = num(o?.mod);
      const seed = o?.seed === undefined ? null : scalarText(o.seed);
      return mod === null ? null : { kind: 'hash', fn: name, expr: o?.expr === undefined ? null : exprFromJson(o.expr), mod, seed: seed === null ? null : canonicalLiteral(seed), offset: num(o?.offset) ?? 0 };
    }
    case 'concat':
      return Array.isArray(body) ? { kind: 'concat', items: body.map(exprFromJson) } : null;
    case 'prefix': {
      const addr = str(o?.addr);
      const len = num(o?.len);
      return addr !== null && len !== null ? value(canonicalLiteral(`${addr}/${len}`)) : null;
    }
    case 'range': {
      const [from, to] = Array.isArray(body) && body.length === 2 ? body.map(scalarText) : [null, null];
      return from != null && to != null ? value(canonicalLiteral(`${from}-${to}`)) : null;
    }
    case 'set':
      return Array.isArray(body) ? anonymousSet(body.map(elementFromJson)) : null;
    case 'map':
      return o && o.key !== undefined && o.data !== undefined ? { kind: 'map', key: exprFromJson(o.key), data: exprFromJson(o.data) } : null;
    case 'elem':
      return o && o.val !== undefined ? exprFromJson(o.val) : null;
    default:
      if (BINOPS.has(name)) return Array.isArray(body) && body.length === 2 ? { kind: 'binop', op: name as BinaryOp, left: exprFromJson(body[0]), right: exprFromJson(body[1]) } : null;
      return verdictOf(name, body);
  }
}

/** An element of a set's `elem` list or of an anonymous set: `key`, `{"elem": {…}}`, or a map's `[key, data]`. */
export function elementFromJson(v: Json): SetElement {
  if (Array.isArray(v) && v.length === 2) {
    const el = elementFromJson(v[0]);
    return { ...el, data: exprFromJson(v[1]) };
  }
  const one = single(v);
  if (one && one[0] === 'elem' && isObject(one[1]) && one[1].val !== undefined) {
    const e = one[1];
    return { key: exprFromJson(e.val), data: null, comment: str(e.comment), timeout: num(e.timeout), expires: num(e.expires) };
  }
  return { key: exprFromJson(v), data: null, comment: null, timeout: null, expires: null };
}

function flagList(v: Json): string[] {
  if (typeof v === 'string') return [v];
  return Array.isArray(v) ? v.flatMap((f) => (typeof f === 'string' ? [f] : [])) : [];
}

/** A statement nft -j prints that natdiff does not model, as `name key value …` text. */
function opaqueStatement(name: string, body: Json): Statement {
  if (body === null) return { kind: 'opaque', text: name };
  if (!isObject(body)) return { kind: 'opaque', text: `${name} ${JSON.stringify(body)}` };
  const parts = [name];
  for (const [k, val] of Object.entries(body)) {
    const s = scalarText(val);
    parts.push(k, s === null ? JSON.stringify(val) : / /.test(s) ? `"${s}"` : s);
  }
  return { kind: 'opaque', text: parts.join(' ') };
}

export function statementFromJson(v: Json): Statement {
  const one = single(v);
  if (!one) return { kind: 'opaque', text: JSON.stringify(v) ?? 'null' };
  const [name, body] = one;
  const o = isObject(body) ? body : null;
  const verdict = verdictOf(name, body);
  if (verdict?.kind === 'verdict') return { kind: 'verdict', verdict: verdict.verdict, target: verdict.target };
  switch (name) {
    case 'match': {
      const op = OPS[str(o?.op) ?? ''];
      if (!op || o?.left === undefined || o.right === undefined) break;
      return { kind: 'match', op, left: exprFromJson(o.left), right: exprFromJson(o.right) };
    }
    case 'vmap':
      if (o?.key === undefined || o.data === undefined) break;
      return { kind: 'vmap', key: exprFromJson(o.key), data: exprFromJson(o.data) };
    case 'counter':
      return { kind: 'counter' };
    case 'mangle':
      if (o?.key === undefined || o.value === undefined) break;
      return { kind: 'mangle', key: exprFromJson(o.key), value: exprFromJson(o.value) };
    case 'dnat':
    case 'snat':
    case 'masquerade':
    case 'redirect':
      if (body !== null && !o) break;
      return { kind: 'nat', nat: name, family: str(o?.family), addr: o?.addr === undefined ? null : exprFromJson(o.addr), port: o?.port === undefined ? null : exprFromJson(o.port), flags: flagList(o?.flags) };
    case 'reject':
      if (body !== null && !o) break;
      return { kind: 'reject', type: str(o?.type), code: str(o?.expr) };
    case 'set': {
      const set = str(o?.set);
      const op = str(o?.op);
      if (set === null || op === null || o?.elem === undefined) break;
      const el = elementFromJson(o.elem);
      return { kind: 'set-op', op, elem: el.key, timeout: el.timeout, set: set.replace(/^@/, '') };
    }
    default:
      return opaqueStatement(name, body);
  }
  return { kind: 'opaque', text: JSON.stringify(v) ?? 'null' };
}
