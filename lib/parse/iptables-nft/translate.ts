/**
 * One nft rule of an iptables-nft table → the iptables rule specification iptables-save prints
 * for it (`-p tcp -d 10.96.0.10/32 -m tcp --dport 53 -j KUBE-SVC-…`), so that the iptables rule
 * parser reads it and the service model and rule keys are the ones of an iptables-save dump.
 * Each statement is translated as iptables-nft stores it (natively, or printed through the
 * extension's translation): checked against iptables v1.8.9 and nft v1.0.6. An extension nft
 * shows by name only becomes `-m NAME` / `-j NAME` without options; anything else nft shows that
 * has no iptables form is kept as nft text in a `-m nft --expression "…"` match, never dropped.
 */
import { normalizeCidr } from '../iptables/address';
import { probabilityText } from '../iptables/probability';
import type { BaseOption } from '../iptables/rule-walk';
import { valueText } from '../iptables/tokenize';
import type { Expr, SetElement, Statement } from '../nft/ast';
import { renderStatements } from '../nft/render';
import { opaqueParts, type XtExtension } from './xt';

export interface Translation {
  /** The rule specification: the words after `-A CHAIN`, each as iptables-restore reads it. */
  spec: string;
  /** Extensions the listing shows by name only, in rule order. */
  hidden: XtExtension[];
  /** nft text with no iptables form, in rule order. */
  untranslated: string[];
}

/** iptables-save's order of the base options. */
const BASE_ORDER: readonly BaseOption[] = ['-s', '-d', '-i', '-o', '-p', '-f'];
const PORT_PROTOCOLS = new Set(['tcp', 'udp', 'sctp', 'dccp', 'udplite']);
const VERDICT_TARGETS: Readonly<Record<string, string>> = { accept: 'ACCEPT', drop: 'DROP', return: 'RETURN' };
const RANDOM_MASK = '2147483647';
const ALL_ONES = 0xffffffffn;
const REJECT_CODES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  icmp: {
    'net-unreachable': 'icmp-net-unreachable', 'host-unreachable': 'icmp-host-unreachable', 'prot-unreachable': 'icmp-proto-unreachable',
    'port-unreachable': 'icmp-port-unreachable', 'net-prohibited': 'icmp-net-prohibited', 'host-prohibited': 'icmp-host-prohibited',
    'admin-prohibited': 'icmp-admin-prohibited',
  },
  icmpv6: {
    'no-route': 'icmp6-no-route', 'admin-prohibited': 'icmp6-adm-prohibited', 'addr-unreachable': 'icmp6-addr-unreachable',
    'port-unreachable': 'icmp6-port-unreachable',
  },
};

interface Base {
  value: string;
  negated: boolean;
}

/** A rule specification as it is built: base options, matches in rule order, one target. */
class Spec {
  readonly base = new Map<BaseOption, Base>();
  readonly matches: string[][] = [];
  /** The match of each port protocol (`-m tcp --sport … --dport …` is one match). */
  readonly portMatches = new Map<string, string[]>();
  target: string[] | null = null;
  readonly hidden: XtExtension[] = [];
  readonly untranslated: string[] = [];

  /** A base option, once (iptables has one of each); the same one again is no news. */
  setBase(name: BaseOption, value: string, negated: boolean): boolean {
    const had = this.base.get(name);
    if (had) return had.value === value && had.negated === negated;
    this.base.set(name, { value, negated });
    return true;
  }

  match(...words: string[]): true {
    this.matches.push(words);
    return true;
  }

  setTarget(...words: string[]): boolean {
    if (this.target) return false;
    this.target = words;
    return true;
  }

  portOption(protocol: string, words: string[]): true {
    let m = this.portMatches.get(protocol);
    if (!m) {
      m = ['-m', protocol];
      this.portMatches.set(protocol, m);
      this.matches.push(m);
    }
    m.push(...words);
    this.impliesProtocol(protocol);
    return true;
  }

  /** A port match needs its protocol: iptables-save prints `-p tcp` with every `-m tcp`, which nft leaves implicit. */
  impliesProtocol(protocol: string): void {
    if (!this.base.has('-p')) this.base.set('-p', { value: protocol, negated: false });
  }

  /** The specification as one line; `v()` marks what came from the listing. */
  text(comment: string | null): string {
    const out: string[] = [];
    for (const name of BASE_ORDER) {
      const b = this.base.get(name);
      if (!b) continue;
      if (b.negated) out.push('!');
      out.push(name);
      if (name !== '-f') out.push(v(b.value));
    }
    if (comment !== null) out.push('-m', 'comment', '--comment', v(comment));
    for (const m of this.matches) out.push(...m);
    for (const text of this.untranslated) out.push('-m', 'nft', '--expression', v(text));
    if (this.target) out.push(...this.target);
    return out.join(' ');
  }
}

/** A value from the listing as iptables-restore reads it back: quoted when it could be read as an option or split. */
function v(value: string): string {
  const text = valueText(value);
  return text === value && value.startsWith('-') ? `"${value}"` : text;
}

function valueOf(e: Expr | null | undefined): string | null {
  return e?.kind === 'value' ? e.text : null;
}

function isMeta(e: Expr, key: string): boolean {
  return e.kind === 'meta' && e.key === key;
}

function isPayload(e: Expr, protocol: string | null, field: string): boolean {
  return e.kind === 'payload' && (protocol === null || e.protocol === protocol) && e.field === field;
}

/** `x & MASK` → [x, MASK]. */
function masked(e: Expr): [Expr, string] | null {
  if (e.kind !== 'binop' || e.op !== '&') return null;
  const mask = valueOf(e.right);
  return mask !== null && /^\d+$/.test(mask) ? [e.left, mask] : null;
}

function hex(decimal: string | bigint): string {
  return `0x${BigInt(decimal).toString(16)}`;
}

/** A set's element values (or one value) as text; null when any element is not a plain value. */
function values(e: Expr): string[] | null {
  if (e.kind === 'value') return [e.text];
  if (e.kind === 'flags') return e.items;
  if (e.kind !== 'set') return null;
  const out: string[] = [];
  for (const el of e.elements as SetElement[]) {
    const v = el.data === null ? valueOf(el.key) : null;
    if (v === null) return null;
    out.push(v);
  }
  return out;
}

/** nft's interface wildcard `eth*` is iptables' `eth+`. */
function interfaceName(text: string): string {
  return text.endsWith('*') ? `${text.slice(0, -1)}+` : text;
}

/** An nft port or range (`80`, `80-90`) as iptables writes it (`80`, `80:90`). */
function portText(text: string): string | null {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text);
  if (!m) return null;
  return m[2] === undefined ? (m[1] as string) : `${m[1]}:${m[2]}`;
}

function addressBase(spec: Spec, field: string, right: Expr, negated: boolean): boolean {
  const cidr = normalizeCidr(valueOf(right) ?? '');
  return cidr !== null && spec.setBase(field === 'saddr' ? '-s' : '-d', cidr, negated);
}

function portMatch(spec: Spec, protocol: string, field: string, right: Expr, negated: boolean): boolean {
  const list = values(right);
  const ports = list?.map(portText);
  if (!ports || ports.length === 0 || ports.some((p) => p === null)) return false;
  const neg = negated ? ['!'] : [];
  if (right.kind === 'value') return spec.portOption(protocol, [...neg, field === 'sport' ? '--sport' : '--dport', ports[0] as string]);
  spec.impliesProtocol(protocol);
  return spec.match('-m', 'multiport', ...neg, field === 'sport' ? '--sports' : '--dports', ports.join(','));
}

/** `meta random & 2147483647 < N`: `-m statistic --mode random --probability N/2^31` (iptables stores N). */
function randomMatch(spec: Spec, op: string, right: Expr): boolean {
  const units = valueOf(right);
  if (units === null || !/^\d+$/.test(units) || Number(units) > 0x80000000 || (op !== 'lt' && op !== 'ge')) return false;
  return spec.match('-m', 'statistic', '--mode', 'random', ...(op === 'ge' ? ['!'] : []), '--probability', probabilityText(Number(units)));
}

/** `numgen inc mod N P`: `-m statistic --mode nth --every N --packet P`. */
function nthMatch(spec: Spec, left: Extract<Expr, { kind: 'numgen' }>, negated: boolean, right: Expr): boolean {
  const packet = valueOf(right);
  if (left.mode !== 'inc' || left.offset !== 0 || packet === null || !/^\d+$/.test(packet)) return false;
  return spec.match('-m', 'statistic', '--mode', 'nth', ...(negated ? ['!'] : []), '--every', String(left.mod), '--packet', packet);
}

/** `fib saddr [. oif] type local`: `-m addrtype --src-type LOCAL [--limit-iface-out]`. */
function fibMatch(spec: Spec, left: Extract<Expr, { kind: 'fib' }>, negated: boolean, right: Expr): boolean {
  const types = values(right);
  const [addr, iface, ...more] = left.flags;
  if (left.result !== 'type' || !types || more.length > 0) return false;
  const src = addr === 'saddr' && (iface === undefined || iface === 'oif');
  const dst = addr === 'daddr' && (iface === undefined || iface === 'iif');
  if (!src && !dst) return false;
  const limit = iface === undefined ? [] : [src ? '--limit-iface-out' : '--limit-iface-in'];
  return spec.match('-m', 'addrtype', ...(negated ? ['!'] : []), src ? '--src-type' : '--dst-type', v(types.map((t) => t.toUpperCase()).join(',')), ...limit);
}

function markMatch(spec: Spec, negated: boolean, value: string, mask: string | null): boolean {
  if (!/^\d+$/.test(value)) return false;
  return spec.match('-m', 'mark', ...(negated ? ['!'] : []), '--mark', mask === null ? hex(value) : `${hex(value)}/${hex(mask)}`);
}

function matchStatement(spec: Spec, s: Extract<Statement, { kind: 'match' }>): boolean {
  const { left, right } = s;
  const negated = s.op === 'ne';
  const equality = s.op === 'eq' || s.op === 'ne';
  if (left.kind === 'payload' && (left.protocol === 'ip' || left.protocol === 'ip6') && (left.field === 'saddr' || left.field === 'daddr')) {
    return equality && addressBase(spec, left.field, right, negated);
  }
  if (isMeta(left, 'l4proto') || isPayload(left, 'ip', 'protocol') || isPayload(left, 'ip6', 'nexthdr')) {
    const p = valueOf(right);
    return equality && p !== null && spec.setBase('-p', p, negated);
  }
  if (isMeta(left, 'iifname') || isMeta(left, 'oifname')) {
    const name = valueOf(right);
    return equality && name !== null && spec.setBase(isMeta(left, 'iifname') ? '-i' : '-o', interfaceName(name), negated);
  }
  if (left.kind === 'payload' && PORT_PROTOCOLS.has(left.protocol) && (left.field === 'sport' || left.field === 'dport')) {
    return equality && portMatch(spec, left.protocol, left.field, right, negated);
  }
  if (isMeta(left, 'mark')) return equality && markMatch(spec, negated, valueOf(right) ?? '', null);
  if (left.kind === 'fib') return equality && fibMatch(spec, left, negated, right);
  if (left.kind === 'numgen') return equality && nthMatch(spec, left, negated, right);
  if (left.kind === 'ct' && left.dir === null && (left.key === 'state' || left.key === 'status')) {
    const states = values(right);
    if (!states || !(equality || s.op === 'in')) return false;
    return spec.match('-m', 'conntrack', ...(negated ? ['!'] : []), left.key === 'state' ? '--ctstate' : '--ctstatus', v(states.map((x) => x.toUpperCase()).join(',')));
  }
  const m = masked(left);
  if (!m) return false;
  const [what, mask] = m;
  if (isMeta(what, 'mark')) return equality && markMatch(spec, negated, valueOf(right) ?? '', mask);
  if (isMeta(what, 'random') && mask === RANDOM_MASK) return randomMatch(spec, s.op, right);
  // `-f`: a fragment other than the first (`ip frag-off & 8191 != 0`).
  if (isPayload(what, 'ip', 'frag-off') && mask === '8191' && valueOf(right) === '0' && equality) return spec.setBase('-f', '', !negated);
  return false;
}

/** A mark statement's value as `--set-xmark value/mask` (mark = (mark & ~mask) ^ value); null for other forms. */
function xmark(value: Expr, self: (e: Expr) => boolean): string | null {
  const plain = valueOf(value);
  if (plain !== null) return /^\d+$/.test(plain) ? `${hex(plain)}/${hex(ALL_ONES)}` : null;
  if (value.kind !== 'binop') return null;
  const operand = valueOf(value.right);
  if (operand === null || !/^\d+$/.test(operand)) return null;
  const v = BigInt(operand);
  if (self(value.left)) {
    if (value.op === '|') return `${hex(v)}/${hex(v)}`;
    if (value.op === '^') return `${hex(v)}/0x0`;
    if (value.op === '&') return `0x0/${hex(~v & ALL_ONES)}`;
    return null;
  }
  const inner = masked(value.left);
  if (value.op !== '^' || !inner || !self(inner[0])) return null;
  return `${hex(v)}/${hex(~BigInt(inner[1]) & ALL_ONES)}`;
}

function mangleStatement(spec: Spec, s: Extract<Statement, { kind: 'mangle' }>): boolean {
  const meta = isMeta(s.key, 'mark');
  const ct = s.key.kind === 'ct' && s.key.key === 'mark' && s.key.dir === null;
  if (!meta && !ct) return false;
  const self = (e: Expr): boolean => (meta ? isMeta(e, 'mark') : e.kind === 'ct' && e.key === 'mark' && e.dir === null);
  const x = xmark(s.value, self);
  return x !== null && spec.setTarget('-j', meta ? 'MARK' : 'CONNMARK', '--set-xmark', x);
}

const NAT_FLAGS: Readonly<Record<string, string>> = { random: '--random', 'fully-random': '--random-fully', persistent: '--persistent' };

function natStatement(spec: Spec, s: Extract<Statement, { kind: 'nat' }>): boolean {
  const addr = s.addr === null ? null : valueOf(s.addr);
  const port = s.port === null ? null : valueOf(s.port);
  if ((s.addr !== null && addr === null) || (s.port !== null && port === null)) return false;
  const flags = s.flags.map((f) => NAT_FLAGS[f]);
  if (flags.some((f) => f === undefined)) return false;
  const rest = flags as string[];
  if (s.nat === 'masquerade' || s.nat === 'redirect') {
    if (addr !== null) return false;
    return spec.setTarget('-j', s.nat === 'masquerade' ? 'MASQUERADE' : 'REDIRECT', ...(port === null ? [] : ['--to-ports', v(port)]), ...rest);
  }
  if (addr === null) return false;
  const to = port === null ? addr : addr.includes(':') ? `[${addr}]:${port}` : `${addr}:${port}`;
  return spec.setTarget('-j', s.nat === 'dnat' ? 'DNAT' : 'SNAT', s.nat === 'dnat' ? '--to-destination' : '--to-source', v(to), ...rest);
}

function rejectStatement(spec: Spec, s: Extract<Statement, { kind: 'reject' }>): boolean {
  if (s.type === null) return spec.setTarget('-j', 'REJECT');
  const code = s.type === 'tcp reset' ? 'tcp-reset' : s.code === null ? undefined : REJECT_CODES[s.type]?.[s.code];
  return code !== undefined && spec.setTarget('-j', 'REJECT', '--reject-with', code);
}

function verdictStatement(spec: Spec, s: Extract<Statement, { kind: 'verdict' }>): boolean {
  if (s.verdict === 'continue') return true;
  if (s.verdict === 'jump' || s.verdict === 'goto') return s.target !== null && spec.setTarget(s.verdict === 'jump' ? '-j' : '-g', v(s.target));
  const target = VERDICT_TARGETS[s.verdict];
  return target !== undefined && spec.setTarget('-j', target);
}

function xtExtension(spec: Spec, x: XtExtension): boolean {
  spec.hidden.push(x);
  if (x.type === 'match') return x.name === 'comment' || spec.match('-m', v(x.name));
  return spec.setTarget('-j', v(x.name));
}

/** Adds what a statement says to the spec; false when it has no iptables form. */
function translateStatement(spec: Spec, s: Statement): boolean {
  switch (s.kind) {
    case 'counter':
      return true;
    case 'match':
      return matchStatement(spec, s);
    case 'verdict':
      return verdictStatement(spec, s);
    case 'nat':
      return natStatement(spec, s);
    case 'mangle':
      return mangleStatement(spec, s);
    case 'reject':
      return rejectStatement(spec, s);
    default:
      return false;
  }
}

function statement(spec: Spec, s: Statement, family: string): void {
  if (s.kind !== 'opaque') {
    if (!translateStatement(spec, s)) spec.untranslated.push(renderStatements([s], { family }));
    return;
  }
  const parts = opaqueParts(s.text);
  for (const x of parts.extensions) if (!xtExtension(spec, x)) spec.untranslated.push(`xt ${x.type} "${x.name}"`);
  spec.untranslated.push(...parts.rest);
}

/** Translates one rule's statements (and its nft comment, if nft printed one). */
export function translateRule(statements: readonly Statement[], comment: string | null, family: string): Translation {
  const spec = new Spec();
  for (const s of statements) statement(spec, s, family);
  return { spec: spec.text(comment), hidden: spec.hidden, untranslated: spec.untranslated };
}
