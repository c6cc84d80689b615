/**
 * The first pass over two `iptables-save` dumps (lib/narrow): every line is given to a service
 * port — its own chains (KUBE-SVC/SVL/EXT/FW/XLB-<hash>), the endpoint chains they jump to, the
 * dispatch rules that route to them and its "has no endpoints" rules — or to the rest. A service
 * whose ports' lines are written alike in both dumps, line for line, is unchanged: its chains are
 * left unread (only their declarations are kept, so that the rules routing there still find
 * them). Everything else is read as the full reading would: the rest whole, and every port of a
 * service with a port whose lines differ.
 *
 * Inputs this cannot split exactly are left to the full reading (null): another format than
 * `iptables-save` (with or without counters on rules), a dump cut short, chains declared in
 * another order, a port whose name no comment says (its name may come from the other dump), an
 * endpoint chain that two ports use, or a jump from one port's chains into another's.
 */
import { splitPortName } from '../../model/service';
import { indexLines, type LineIndex } from '../../narrow/line-index';
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

type ChainKind = 'group' | 'endpoint' | 'other';

interface ChainInfo {
  table: string;
  name: string;
  kind: ChainKind;
  /** A service port's chain: its hash suffix. */
  hash: string | null;
  /** Declared (`:NAME`), as opposed to only written to. */
  declared: boolean;
}

interface PortLines {
  id: number;
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

/** One dump's lines, each given to a port (its id) or to the rest (-1). */
interface Split {
  index: LineIndex;
  chainOf: Int32Array;
  isRule: Uint8Array;
  owner: Int32Array;
  chains: ChainInfo[];
  ports: Map<string, PortLines>;
  /** Chains in the order they are declared, per table. */
  declared: Map<string, string[]>;
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

/** The word at byte `from` of the input (a chain or target name), up to a space or the end of line i. */
function wordAt(index: LineIndex, i: number, from: number): string {
  return index.bytesText(from, wordEnd(index, i, from));
}

function wordEnd(index: LineIndex, i: number, from: number): number {
  const end = index.ends[i] as number;
  let to = from;
  while (to < end && index.bytes[to] !== SPACE) to++;
  return to;
}

/** Whether bytes [x, x + length) and [y, y + length) of the input are the same. */
function sameBytes(bytes: Buffer, x: number, y: number, length: number): boolean {
  for (let k = 0; k < length; k++) if (bytes[x + k] !== bytes[y + k]) return false;
  return true;
}

/** The jump or goto target of a rule line, or null. */
function targetOf(index: LineIndex, i: number): string | null {
  const at = targetAt(index, i);
  return at < 0 ? null : wordAt(index, i, at);
}

/** Whether the target of a rule line is one of kube-proxy's chains (`KUBE-…`): only those are read as names. */
function targetsKube(index: LineIndex, i: number): boolean {
  const at = targetAt(index, i);
  return at >= 0 && index.bytes.compare(KUBE, 0, KUBE.length, at, Math.min(at + KUBE.length, index.ends[i] as number)) === 0;
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

class Splitter {
  readonly chainOf: Int32Array;
  readonly isRule: Uint8Array;
  readonly chains: ChainInfo[] = [];
  /** Chain ids by table, then name. */
  readonly chainIds = new Map<string, Map<string, number>>();
  readonly declared = new Map<string, string[]>();

  constructor(readonly index: LineIndex) {
    this.chainOf = new Int32Array(index.count).fill(-1);
    this.isRule = new Uint8Array(index.count);
  }

  chain(table: string, name: string, declared: boolean): number {
    let ids = this.chainIds.get(table);
    if (!ids) this.chainIds.set(table, (ids = new Map()));
    let id = ids.get(name);
    if (id === undefined) {
      id = this.chains.length;
      const endpoint = name.startsWith(SEP_PREFIX);
      const group = endpoint ? null : groupOfName(name);
      this.chains.push({ table, name, kind: group ? 'group' : endpoint ? 'endpoint' : 'other', hash: group?.hash ?? null, declared });
      ids.set(name, id);
    }
    if (declared) {
      const chain = this.chains[id] as ChainInfo;
      chain.declared = true;
      let order = this.declared.get(table);
      if (!order) this.declared.set(table, (order = []));
      order.push(name);
    }
    return id;
  }

  /** Tables, chains and rule lines; false when this is not an `iptables-save` dump read whole. */
  lines(): boolean {
    const { index } = this;
    if (!index.endsWithNewline) return false;
    const { bytes } = index;
    let table: string | null = null;
    // The chain of the previous rule line, and where its name is: a dump's rules come chain by chain.
    let lastId = -1;
    let lastStart = 0;
    let lastEnd = 0;
    for (let i = 0; i < index.count; i++) {
      const first = index.byteAt(i, 0);
      if (first === -1 || first === 0x23 /* # */) continue;
      if (first === 0x2a /* * */) {
        if (table !== null) return false;
        table = index.text(i).slice(1);
        lastId = -1;
        continue;
      }
      if (first === 0x43 /* C */) {
        if (table === null || index.ends[i]! - index.starts[i]! !== COMMIT.length || index.find(i, COMMIT) !== 0) return false;
        table = null;
        continue;
      }
      if (table === null) return false;
      const start = index.starts[i] as number;
      if (first === 0x3a /* : */) {
        this.chainOf[i] = this.chain(table, wordAt(index, i, start + 1), true);
        continue;
      }
      if (first !== 0x2d /* - */ || index.byteAt(i, 1) !== 0x41 /* A */ || index.byteAt(i, 2) !== SPACE) return false;
      const end = index.ends[i] as number;
      let nameEnd = start + 3;
      while (nameEnd < end && bytes[nameEnd] !== SPACE) nameEnd++;
      if (lastId < 0 || lastEnd - lastStart !== nameEnd - start - 3 || !sameBytes(bytes, lastStart, start + 3, nameEnd - start - 3)) {
        lastId = this.chain(table, index.bytesText(start + 3, nameEnd), false);
        lastStart = start + 3;
        lastEnd = nameEnd;
      }
      this.chainOf[i] = lastId;
      this.isRule[i] = 1;
    }
    return table === null && this.chainIds.get('nat')?.has('KUBE-SERVICES') === true;
  }
}

/** Which port each endpoint chain serves, from the jumps of the ports' own chains; null when it cannot be told. */
function endpointOwners(s: Splitter): Map<string, string> | null {
  const owners = new Map<string, string>();
  for (let i = 0; i < s.index.count; i++) {
    if (s.isRule[i] !== 1) continue;
    const chain = s.chains[s.chainOf[i] as number] as ChainInfo;
    if (chain.kind !== 'group') continue;
    const target = targetOf(s.index, i);
    if (target === null) continue;
    if (target.startsWith(SEP_PREFIX)) {
      const owner = owners.get(target);
      if (owner !== undefined && owner !== chain.hash) return null;
      owners.set(target, chain.hash as string);
      continue;
    }
    const into = groupOfName(target);
    if (into && into.hash !== chain.hash) return null;
  }
  return owners;
}

/** The port a rule line of a chain that is no port's own routes to or speaks for, if any. */
function portOfOtherLine(s: Splitter, i: number, owners: Map<string, string>): { hash: string; named: boolean } | null | 'unsplittable' {
  const target = targetsKube(s.index, i) ? targetOf(s.index, i) : null;
  if (target !== null) {
    const group = groupOfName(target);
    if (group) {
      const name = (s.chains[s.chainOf[i] as number] as ChainInfo).name;
      return { hash: group.hash, named: name === 'KUBE-SERVICES' || name === 'KUBE-NODEPORTS' };
    }
    if (target.startsWith(SEP_PREFIX) && owners.has(target)) return 'unsplittable';
  }
  if (s.index.find(i, ENDPOINTS) < 0) return null;
  const said = parseComment(optionValue(s.index, i, '--comment'));
  const protocol = optionValue(s.index, i, '-p');
  if (!said || (said.role !== 'none' && said.role !== 'no-local') || protocol === null) return null;
  return { hash: servicePortHash(said.spn, protocol), named: true };
}

function split(bytes: Buffer, onProgress?: OnProgress): Split | null {
  const s = new Splitter(indexLines(bytes, onProgress));
  if (!s.lines()) return null;
  const owners = endpointOwners(s);
  if (!owners) return null;
  const { index } = s;
  const owner = new Int32Array(index.count).fill(-1);
  const ports = new Map<string, PortLines>();
  const portOf = (hash: string): PortLines => {
    let port = ports.get(hash);
    if (!port) ports.set(hash, (port = { id: ports.size, lo: 0, hi: 0, lines: 0, rules: 0, spn: null, lastChain: -1, place: 0 }));
    return port;
  };
  // The port whose own chain (or endpoint chain) each chain is, found once per chain.
  const chainPort = s.chains.map((chain) => {
    const hash = chain.kind === 'group' ? chain.hash : chain.kind === 'endpoint' ? (owners.get(chain.name) ?? null) : null;
    return hash === null ? null : portOf(hash);
  });
  for (let i = 0; i < index.count; i++) {
    const c = s.chainOf[i] as number;
    if (c < 0) continue;
    const rule = s.isRule[i] === 1;
    let port = chainPort[c] as PortLines | null;
    let named = port !== null && (s.chains[c] as ChainInfo).kind === 'group';
    if (port !== null) {
      owner[i] = port.id;
    } else if (rule) {
      const routed = portOfOtherLine(s, i, owners);
      if (routed === 'unsplittable') return null;
      if (routed === null) continue;
      // A rule of the rest that routes to a port stays with the rest: it is read whatever the port is.
      port = portOf(routed.hash);
      named = routed.named;
    } else {
      continue;
    }
    if (port.lastChain !== c) {
      port.lastChain = c;
      port.place = 0;
    }
    const place = port.place++;
    port.lo = (port.lo + mix(index.hashLo[i] as number, place)) | 0;
    port.hi = (port.hi + mix(index.hashHi[i] as number, ~place)) | 0;
    port.lines++;
    if (!rule) continue;
    port.rules++;
    if (port.spn === null && named) port.spn = parseComment(optionValue(index, i, '--comment'))?.spn ?? null;
  }
  return { index, chainOf: s.chainOf, isRule: s.isRule, owner, chains: s.chains, ports, declared: s.declared };
}

/** Whether the chains both dumps declare are declared in the same order (else the full reading says they are not). */
function sameDeclarationOrder(b: Split, a: Split): boolean {
  for (const [table, before] of b.declared) {
    const after = a.declared.get(table) ?? [];
    if (before.length === after.length && before.every((n, k) => n === after[k])) continue;
    const inAfter = new Set(after);
    const inBefore = new Set(before);
    const x = before.filter((n) => inAfter.has(n));
    const y = after.filter((n) => inBefore.has(n));
    if (x.length !== y.length || x.some((n, k) => n !== y[k])) return false;
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
  const b = split(before, progress.before);
  const a = b && split(after, progress.after);
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
      const o = s.owner[i] as number;
      if (o < 0 || left[o] === 0) return true;
      // The declaration of a port's own chain stays, so that what routes there finds it.
      return s.isRule[i] === 0 && (s.chains[s.chainOf[i] as number] as ChainInfo).kind === 'group';
    };
  };
  return { before: cutLines(b.index, keep(b)), after: cutLines(a.index, keep(a)), alike: { servicePorts, services: services.size, keys: unread } };
}
