/**
 * The first pass over two `iptables-save` dumps (lib/narrow): every line is given to a service
 * port — its own chains (KUBE-SVC/SVL/EXT/FW/XLB-<hash>), the endpoint chains they jump to, the
 * dispatch rules that route to them and its "has no endpoints" rules — or to the rest. A service
 * whose ports' lines are written alike in both dumps, line for line, is unchanged: its chains are
 * left unread, and the rules of the rest that route there are read knowing so (AlikeUnread.keys).
 * Everything else is read as the full reading would: the rest whole, and every port of a service
 * with a port whose lines differ.
 *
 * Inputs this cannot split exactly are left to the full reading (null): another format than
 * `iptables-save` (with or without counters on rules), a dump cut short, chains declared in
 * another order, a port whose name no comment says (its name may come from the other dump), an
 * endpoint chain that two ports use, or a jump from one port's chains into another's.
 */
import { splitPortName } from '../../model/service';
import { indexLines, type LineIndex } from '../../narrow/line-index';
import { NameTable } from '../../narrow/name-table';
import { cutLines, type Narrowing } from '../../narrow/narrowing';
import type { OnProgress } from '../../progress';
import { servicePortHash } from './chain-names';
import { displaySpn, parseComment } from './kube-comments';
import { groupOfName, SEP_PREFIX } from './ladder';
import { tokenize, TokenizeError } from './tokenize';

const SPACE = 0x20;
const ENDPOINTS = Buffer.from(' endpoints');
const COMMIT = Buffer.from('COMMIT');
const KUBE = Buffer.from('KUBE-');
const SEP = Buffer.from(SEP_PREFIX);
const KUBE_SERVICES = Buffer.from('KUBE-SERVICES');

const OTHER = 0;
/** One of a port's own chains (KUBE-SVC/SVL/EXT/FW/XLB-<hash>). */
const GROUP = 1;
const ENDPOINT = 2;

interface PortLines {
  id: number;
  hash: string;
  /** Sum of the port's line hashes, each mixed with its place among the port's lines of its chain. */
  lo: number;
  hi: number;
  lines: number;
  rules: number;
  /** The service port name a comment gives, as the service model reads it. */
  spn: string | null;
  lastChain: number;
  place: number;
}

/** One dump's lines, each given to a port or to the rest. */
interface Split {
  index: LineIndex;
  names: NameTable;
  chainOf: Int32Array;
  isRule: Uint8Array;
  /** The id of the port whose own chain (or endpoint chain) each chain is (its lines are the port's), or -1. */
  chainPortId: Int32Array;
  kinds: Uint8Array;
  ports: Map<string, PortLines>;
  /** Chain ids in the order they are declared, per table scope; and each chain's place there. */
  declared: number[][];
  declaredAt: Int32Array;
  tables: string[];
}

function mix(x: number, seed: number): number {
  let h = Math.imul(x ^ seed, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/**
 * Where the target of a rule line begins: after its last ` -j ` or ` -g ` (a comment before it may
 * hold the text), or -1. Searched backwards from the end, where iptables-save puts the target.
 */
function targetAt(index: LineIndex, i: number): number {
  const { bytes } = index;
  const start = index.starts[i] as number;
  for (let k = (index.ends[i] as number) - 4; k >= start; k--) {
    if (bytes[k + 3] === SPACE && bytes[k] === SPACE && bytes[k + 1] === 0x2d /* - */ && (bytes[k + 2] === 0x6a /* j */ || bytes[k + 2] === 0x67 /* g */)) return k + 4;
  }
  return -1;
}

function wordEnd(index: LineIndex, i: number, from: number): number {
  const end = index.ends[i] as number;
  let to = from;
  while (to < end && index.bytes[to] !== SPACE) to++;
  return to;
}

function startsWithAt(bytes: Buffer, at: number, end: number, prefix: Buffer): boolean {
  if (end - at < prefix.length) return false;
  for (let k = 0; k < prefix.length; k++) if (bytes[at + k] !== prefix[k]) return false;
  return true;
}

/** The value after `option` on a rule line, as the parser reads it (quoting undone); null when absent or unreadable. */
function optionValue(index: LineIndex, i: number, option: string): string | null {
  let values: string[];
  try {
    values = tokenize(index.text(i)).values;
  } catch (e) {
    if (e instanceof TokenizeError) return null;
    throw e;
  }
  const at = values.indexOf(option);
  return at >= 0 ? (values[at + 1] ?? null) : null;
}

/** Tables, chains and rule lines of one dump; null when it is not an `iptables-save` dump read whole. */
function readLines(index: LineIndex): Omit<Split, 'chainPortId' | 'ports' | 'kinds'> | null {
  if (!index.endsWithNewline) return null;
  const { bytes } = index;
  const names = new NameTable(bytes);
  const chainOf = new Int32Array(index.count).fill(-1);
  const isRule = new Uint8Array(index.count);
  const tables: string[] = [];
  const declared: number[][] = [];
  const declaredAt = new Int32Array(index.count).fill(-1);
  let scope = -1;
  // The chain of the previous rule line: a dump's rules come chain by chain.
  let last = -1;
  for (let i = 0; i < index.count; i++) {
    const first = index.byteAt(i, 0);
    if (first === -1 || first === 0x23 /* # */) continue;
    if (first === 0x2a /* * */) {
      if (scope >= 0) return null;
      scope = tables.length;
      tables.push(index.text(i).slice(1));
      declared.push([]);
      last = -1;
      continue;
    }
    if (first === 0x43 /* C */) {
      if (scope < 0 || index.ends[i]! - index.starts[i]! !== COMMIT.length || index.find(i, COMMIT) !== 0) return null;
      scope = -1;
      continue;
    }
    if (scope < 0) return null;
    const start = index.starts[i] as number;
    if (first === 0x3a /* : */) {
      const id = names.add(start + 1, wordEnd(index, i, start + 1), scope);
      chainOf[i] = id;
      declaredAt[id] = (declared[scope] as number[]).length;
      (declared[scope] as number[]).push(id);
      continue;
    }
    if (first !== 0x2d /* - */ || index.byteAt(i, 1) !== 0x41 /* A */ || index.byteAt(i, 2) !== SPACE) return null;
    const nameEnd = wordEnd(index, i, start + 3);
    if (last < 0 || !names.matches(last, bytes, start + 3, nameEnd, scope)) last = names.add(start + 3, nameEnd, scope);
    chainOf[i] = last;
    isRule[i] = 1;
  }
  const nat = tables.indexOf('nat');
  if (scope >= 0 || nat < 0 || names.find(KUBE_SERVICES, 0, KUBE_SERVICES.length, nat) < 0) return null;
  return { index, names, chainOf, isRule, tables, declared, declaredAt };
}


/** Each chain's kind, and the hash of the port whose own chain it is. */
function chainKinds(names: NameTable): { kinds: Uint8Array; hashes: (string | null)[] } {
  const kinds = new Uint8Array(names.count);
  const hashes: (string | null)[] = new Array<string | null>(names.count).fill(null);
  for (let id = 0; id < names.count; id++) {
    if (!names.startsWith(id, KUBE)) continue;
    if (names.startsWith(id, SEP)) {
      kinds[id] = ENDPOINT;
      continue;
    }
    const group = groupOfName(names.name(id));
    if (group) {
      kinds[id] = GROUP;
      hashes[id] = group.hash;
    }
  }
  return { kinds, hashes };
}

/** The chain a rule line jumps or goes to, in its table: its id (-2 when it names no chain the dump holds, -1 when no target). */
function targetChain(s: { index: LineIndex; names: NameTable }, i: number, scope: number): number {
  const at = targetAt(s.index, i);
  if (at < 0) return -1;
  const id = s.names.find(s.index.bytes, at, wordEnd(s.index, i, at), scope);
  return id < 0 ? -2 : id;
}

/** One dump's lines given to ports (see the top of this file); null when it cannot be split so. */
function splitDump(bytes: Buffer, onProgress?: OnProgress): Split | null {
  const read = readLines(indexLines(bytes, onProgress));
  if (!read) return null;
  const { index, names, chainOf, isRule } = read;
  const { kinds, hashes } = chainKinds(names);
  const scopeOf = new Int32Array(names.count);
  for (let id = 0; id < names.count; id++) scopeOf[id] = names.scopeOf(id);
  const ports = new Map<string, PortLines>();
  const portOf = (hash: string): PortLines => {
    let port = ports.get(hash);
    if (!port) ports.set(hash, (port = { id: ports.size, hash, lo: 0, hi: 0, lines: 0, rules: 0, spn: null, lastChain: -1, place: 0 }));
    return port;
  };
  // The port whose own chain each chain is; endpoint chains are the port's whose chains jump there.
  const chainPort: (PortLines | null)[] = hashes.map((hash) => (hash === null ? null : portOf(hash)));
  for (let i = 0; i < index.count; i++) {
    const c = chainOf[i] as number;
    if (isRule[i] !== 1 || kinds[c] !== GROUP) continue;
    const t = targetChain(read, i, scopeOf[c] as number);
    if (t < 0) continue;
    const own = chainPort[c] as PortLines;
    if (kinds[t] === ENDPOINT) {
      const known = chainPort[t];
      if (known && known !== own) return null;
      chainPort[t] = own;
    } else if (kinds[t] === GROUP && chainPort[t] !== own) {
      return null;
    }
  }
  // A port's own lines come chain by chain: each chain's lines are summed in typed arrays first.
  const chainLo = new Int32Array(names.count);
  const chainHi = new Int32Array(names.count);
  const chainLines = new Int32Array(names.count);
  const chainRules = new Int32Array(names.count);
  const firstRule = new Int32Array(names.count).fill(-1);
  const { hashLo, hashHi } = index;
  for (let i = 0; i < index.count; i++) {
    const c = chainOf[i] as number;
    if (c < 0) continue;
    const rule = isRule[i] === 1;
    const port = chainPort[c];
    if (port) {
      const place = chainLines[c] as number;
      chainLines[c] = place + 1;
      chainLo[c] = ((chainLo[c] as number) + mix(hashLo[i] as number, place)) | 0;
      chainHi[c] = ((chainHi[c] as number) + mix(hashHi[i] as number, ~place)) | 0;
      if (!rule) continue;
      if (chainRules[c] === 0) firstRule[c] = i;
      chainRules[c] = (chainRules[c] as number) + 1;
      continue;
    }
    if (!rule) continue;
    const routed = portOfOtherLine(read, i, c, kinds, chainPort, scopeOf[c] as number);
    if (routed === 'unsplittable') return null;
    if (routed === null) continue;
    // A rule of the rest that routes to a port stays with the rest: it is read whatever the port is.
    const to = typeof routed.port === 'string' ? portOf(routed.port) : routed.port;
    if (to.lastChain !== c) {
      to.lastChain = c;
      to.place = 0;
    }
    const place = to.place++;
    to.lo = (to.lo + mix(hashLo[i] as number, place)) | 0;
    to.hi = (to.hi + mix(hashHi[i] as number, ~place)) | 0;
    to.lines++;
    to.rules++;
    if (to.spn === null && routed.named) to.spn = parseComment(optionValue(index, i, '--comment'))?.spn ?? null;
  }
  for (let c = 0; c < names.count; c++) {
    const port = chainPort[c];
    if (!port || chainLines[c] === 0) continue;
    port.lo = (port.lo + mix(chainLo[c] as number, chainLines[c] as number)) | 0;
    port.hi = (port.hi + (chainHi[c] as number)) | 0;
    port.lines += chainLines[c] as number;
    port.rules += chainRules[c] as number;
    const first = firstRule[c] as number;
    if (port.spn === null && first >= 0 && kinds[c] === GROUP) port.spn = parseComment(optionValue(index, first, '--comment'))?.spn ?? null;
  }
  const chainPortId = Int32Array.from(chainPort, (p) => p?.id ?? -1);
  return { ...read, chainPortId, kinds, ports };
}

const DISPATCH = [Buffer.from('KUBE-SERVICES'), Buffer.from('KUBE-NODEPORTS')];

/** The port a rule line of a chain that is no port's own routes to or speaks for, if any. */
function portOfOtherLine(
  s: { index: LineIndex; names: NameTable },
  i: number,
  chain: number,
  kinds: Uint8Array,
  chainPort: (PortLines | null)[],
  scope: number,
): { port: PortLines | string; named: boolean } | null | 'unsplittable' {
  const at = targetAt(s.index, i);
  if (at >= 0 && startsWithAt(s.index.bytes, at, s.index.ends[i] as number, KUBE)) {
    const t = targetChain(s, i, scope);
    const named = DISPATCH.some((d) => s.names.equals(chain, d));
    if (t >= 0 && kinds[t] === GROUP) return { port: chainPort[t] as PortLines, named };
    if (t >= 0 && kinds[t] === ENDPOINT && chainPort[t]) return 'unsplittable';
    if (t === -2) {
      // A jump to a port's chain the dump does not hold (a fragment): the port is named by it all the same.
      const group = groupOfName(s.index.bytes.toString('latin1', at, wordEnd(s.index, i, at)));
      if (group) return { port: group.hash, named };
    }
  }
  if (s.index.find(i, ENDPOINTS) < 0) return null;
  const said = parseComment(optionValue(s.index, i, '--comment'));
  const protocol = optionValue(s.index, i, '-p');
  if (!said || (said.role !== 'none' && said.role !== 'no-local') || protocol === null) return null;
  return { port: servicePortHash(said.spn, protocol), named: true };
}

/** Whether the chains both dumps declare are declared in the same order (else the full reading says they are not). */
function sameDeclarationOrder(b: Split, a: Split): boolean {
  for (const [scope, table] of b.tables.entries()) {
    const other = a.tables.indexOf(table);
    let lastAt = -1;
    for (const id of b.declared[scope] as number[]) {
      const there = other < 0 ? -1 : a.names.find(b.names.bytes, b.names.startOf(id), b.names.endOf(id), other);
      if (there < 0) continue;
      const at = a.declaredAt[there] as number;
      if (at < 0) continue;
      if (at < lastAt) return false;
      lastAt = at;
    }
  }
  return true;
}

function samePortLines(x: PortLines | undefined, y: PortLines | undefined): boolean {
  return x !== undefined && y !== undefined && x.lo === y.lo && x.hi === y.hi && x.lines === y.lines && x.rules === y.rules && x.spn === y.spn;
}

function serviceOfSpn(spn: string): string {
  return splitPortName(displaySpn(spn))[0];
}

/**
 * What of two `iptables-save` dumps must be read: every line but those of the services whose
 * every port is written alike in both. Null when the dumps cannot be split so (see above).
 */
export function narrowIptablesSave(before: Buffer, after: Buffer, progress: { before?: OnProgress; after?: OnProgress } = {}): Narrowing | null {
  const b = splitDump(before, progress.before);
  const a = b && splitDump(after, progress.after);
  if (!b || !a || !sameDeclarationOrder(b, a)) return null;
  const hashes = new Set([...b.ports.keys(), ...a.ports.keys()]);
  const changed = new Set<string>();
  for (const hash of hashes) {
    const x = b.ports.get(hash);
    const y = a.ports.get(hash);
    if ((x && x.spn === null) || (y && y.spn === null)) return null;
    if (samePortLines(x, y)) continue;
    for (const p of [x, y]) if (p) changed.add(serviceOfSpn(p.spn as string));
  }
  const unread = new Set<string>();
  const services = new Set<string>();
  let servicePorts = 0;
  for (const [hash, port] of b.ports) {
    const service = serviceOfSpn(port.spn as string);
    if (changed.has(service)) continue;
    unread.add(hash);
    // A port none of whose lines is a rule (chains declared and left empty) is stale, not a port.
    if (port.rules === 0) continue;
    servicePorts++;
    services.add(service);
  }
  const keep = (s: Split) => {
    const left = new Uint8Array(s.ports.size);
    for (const [hash, port] of s.ports) if (unread.has(hash)) left[port.id] = 1;
    return (i: number): boolean => {
      const c = s.chainOf[i] as number;
      const id = c < 0 ? -1 : (s.chainPortId[c] as number);
      return id < 0 || left[id] === 0;
    };
  };
  return { before: cutLines(b.index, keep(b)), after: cutLines(a.index, keep(a)), alike: { servicePorts, services: services.size, keys: unread } };
}
