/**
 * The first pass over two `iptables-save` dumps (lib/narrow): every line is given to a service
 * port — its own chains (KUBE-SVC/SVL/EXT/FW/XLB-<hash>), the endpoint chains they jump to, the
 * dispatch rules that route to them and its "has no endpoints" rules — or to the rest. A service
 * whose ports' lines are written alike in both dumps, line for line, is unchanged: its chains are
 * left unread, and the rules of the rest that route there are read knowing so (AlikeUnread.keys).
 * Everything else is read as the full reading would: the rest (but for the rules that route to
 * ports left unread when where they stand cannot matter: narrow-left-out.ts), and every port of a
 * service with a port whose lines differ.
 *
 * Inputs this cannot split exactly are left to the full reading (null): another format than
 * `iptables-save` (with or without counters on rules), words not separated by single spaces, a
 * dump cut short, a line longer than the full reading reads, a declaration it reads as none, a
 * chain declared twice or after its rules, or made by a line it reads as no rule, a chain name with
 * a quote in it, counters on declarations where a port's may be left unread, a port whose name no
 * comment says (its name may come from the other dump), two ports of one name, an endpoint chain
 * that two ports use, a jump from one port's chains into another's, or a "has no endpoints" rule in
 * a port's chains.
 *
 * A port is read, whatever its lines, when its reading depends on lines that are not its own: its
 * load-balancing chains jump to a chain of the rest (the model looks into it), or a jump to its
 * chains or from them names a chain the table does not hold (a fragment: said of the dump).
 */
import type { AlikeUnread } from '../../model/snapshot';
import { splitPortName } from '../../model/service';
import { revived, type FirstPass, type SplitPlan } from '../../narrow/first-pass';
import { hashLine, indexLines, LineIndex, mix } from '../../narrow/line-index';
import { NameTable } from '../../narrow/name-table';
import { cutLines, type Narrowing } from '../../narrow/narrowing';
import type { OnProgress } from '../../progress';
import { displaySpn, parseComment } from './kube-comments';
import { leaveOutRouted, RoutedLines } from './narrow-left-out';
import { LineMeanings, MeaningHasher } from './meaning-hash';
import { readPlainRule } from './plain-selector';
import { groupOfName, NAMED_ONLY_TARGETS, SEP_PREFIX } from './ladder';
import { ruleFacts, type RuleFacts } from './rule-facts';
import { MAX_LINE_LENGTH } from './parse-dump';
import { RuleSyntaxError } from './rule-walk';
import { DISPATCH_CHAINS, noEndpointsPortOf } from './services';
import { tokenize, TokenizeError } from './tokenize';

const SPACE = 0x20;
const NEWLINE = 0x0a;
const ENDPOINTS = Buffer.from(' endpoints');
const COMMIT = Buffer.from('COMMIT');
const KUBE = Buffer.from('KUBE-');
const SEP = Buffer.from(SEP_PREFIX);
const KUBE_SERVICES = Buffer.from('KUBE-SERVICES');
const QUOTE = 0x22;
/**
 * What iptables-save never writes but the full reading reads as it reads any rule: whitespace
 * other than spaces, inline counters. The byte-level reading
 * here would take such a rule for another, so such a dump is read whole.
 */
const UNPLAIN = ['\t', '\r', '\v', '\f', ' -c '].map((t) => Buffer.from(t));
/** Targets whose name says all the model reads of a jump there (see looksInto): any other chain is looked into. */
const NAMED_ONLY = NAMED_ONLY_TARGETS.map((n) => Buffer.from(n));
const DISPATCH = DISPATCH_CHAINS.map((n) => Buffer.from(n));

const OTHER = 0;
/** One of a port's own chains (KUBE-SVC/SVL/EXT/FW/XLB-<hash>). */
const GROUP = 1;
const ENDPOINT = 2;

interface PortLines {
  id: number;
  /**
   * Sum of the hashes of the lines of the rest that route to it or speak for it, each mixed with
   * its place among them in its chain. Its own chains are compared byte for byte (DumpSplit.spans).
   */
  lo: number;
  hi: number;
  lines: number;
  rules: number;
  /**
   * The service port name a comment gives, as the service model reads it: from the dispatch rules
   * that route there, else from the port's own chains, else from its "has no endpoints" rules.
   */
  spn: string | null;
  /** The service (`ns/name`) of spn. */
  service: string | null;
  dispatchSpn: string | null;
  noEndpointsSpn: string | null;
  /**
   * The chains of the rules that gave dispatchSpn and noEndpointsSpn: the full reading takes a
   * port's name from the rule it reads first, chain by chain in the order they were made (a
   * chain's id), not line by line (a restore payload comes back to a chain).
   */
  dispatchChain: number;
  noEndpointsChain: number;
  /** The chains of the rest whose rules route to the port, in the order met. */
  routedChains: number[];
  /** Its reading depends on lines not its own (see above): read whatever its lines. */
  mustRead: boolean;
  lastChain: number;
  place: number;
}

/** One dump's lines, each given to a port or to the rest. */
export interface DumpSplit {
  index: LineIndex;
  names: NameTable;
  chainOf: Int32Array;
  isRule: Uint8Array;
  /** The id of the port whose own chain (or endpoint chain) each chain is (its lines are the port's), or -1. */
  chainPortId: Int32Array;
  portChains: PortChains;
  kinds: Uint8Array;
  ports: Map<string, PortLines>;
  /**
   * Where a chain lies, per chain id: the line of its declaration and of its first and last rule
   * (its rules come together), each -1 if none. Two ports' chains are the same when these lines
   * hold the same bytes.
   */
  spans: { declared: Int32Array; first: Int32Array; last: Int32Array };
  /** The rules of the rest that route to a port or speak for it: their lines, in order, and the ports' ids. */
  routed: RoutedLines;
  /** Chain ids in the order the full reading makes them (declared, or first filled), per table scope. */
  made: number[][];
  tables: string[];
  /** The meaning hashes of its rule lines (see meaning-hash.ts): made ahead when asked for (SplitPlan), else as pairing needs them. */
  meanings: LineMeanings | null;
}

const JUMP = Buffer.from('jump ');
const GOTO = Buffer.from('goto ');

/**
 * Where the target of a rule line begins: after its last ` -j ` or ` -g ` (or ` --jump `,
 * ` --goto `; a comment before it may hold the text), or -1. Searched backwards from the end,
 * where iptables-save puts the target.
 */
function targetAt(index: LineIndex, i: number): number {
  const { bytes } = index;
  const start = index.starts[i] as number;
  const end = index.end(i);
  for (let k = end - 4; k >= start; k--) {
    if (bytes[k] !== SPACE || bytes[k + 1] !== 0x2d /* - */) continue;
    const c = bytes[k + 2];
    if ((c === 0x6a /* j */ || c === 0x67) /* g */ && bytes[k + 3] === SPACE) return k + 4;
    if (c === 0x2d && (startsWithAt(bytes, k + 3, end, JUMP) || startsWithAt(bytes, k + 3, end, GOTO))) return k + 8;
  }
  return -1;
}

/** Whether the target found at `at` (see targetAt) is gone to (`-g`, `--goto`) rather than jumped to. */
function goesTo(bytes: Buffer, at: number): boolean {
  return bytes[at - 2] === 0x67 /* g */ || bytes[at - 2] === 0x6f /* o, of --goto */;
}

function wordEnd(index: LineIndex, i: number, from: number): number {
  const end = index.end(i);
  let to = from;
  while (to < end && index.bytes[to] !== SPACE) to++;
  return to;
}

function startsWithAt(bytes: Buffer, at: number, end: number, prefix: Buffer): boolean {
  if (end - at < prefix.length) return false;
  for (let k = 0; k < prefix.length; k++) if (bytes[at + k] !== prefix[k]) return false;
  return true;
}

const NO_WARNINGS = { warn: () => undefined };

/** A rule line (`-A CHAIN …`) as the full reading reads it; null when it reads no rule there. */
function factsOf(index: LineIndex, i: number): RuleFacts | null {
  try {
    return ruleFacts(tokenize(index.text(i)), 2, NO_WARNINGS);
  } catch (e) {
    if (e instanceof TokenizeError || e instanceof RuleSyntaxError) return null;
    throw e;
  }
}

/** The service port name a rule's comment gives, as the service model reads it (a plain dispatch rule's comment read as it stands). */
function spnOf(index: LineIndex, i: number): string | null {
  const text = index.text(i);
  const plain = readPlainRule(text.slice(text.indexOf(' ', 3) + 1));
  return parseComment(plain ? plain.comment : (factsOf(index, i)?.comment ?? null))?.spn ?? null;
}

/** The hash of the port a "has no endpoints" (or "no local endpoints") rule speaks for, as the service model reads it; null for any other rule. */
function noEndpointsPort(index: LineIndex, i: number): { hash: string; spn: string } | null {
  const f = factsOf(index, i);
  return f && noEndpointsPortOf(f);
}

/** Which lines hold `needle` (one search of the whole input: most lines do not). */
function linesHolding(index: LineIndex, needle: Buffer): Uint8Array {
  const holds = new Uint8Array(index.count);
  let line = 0;
  for (let at = index.bytes.indexOf(needle); at >= 0; at = index.bytes.indexOf(needle, at + 1)) {
    while (index.end(line) < at) line++;
    holds[line] = 1;
  }
  return holds;
}

/** Whether the dump is written as iptables-save writes it (see UNPLAIN), and not cut in the middle of a line: known from its bytes, before anything is indexed. */
function plain(bytes: Buffer): boolean {
  return bytes.length > 0 && bytes[bytes.length - 1] === NEWLINE && !UNPLAIN.some((t) => bytes.includes(t));
}

/** What a chain declaration says of counters (declarationCounters). */
const UNREAD = -1;
/** None, or `[0:0]`: the full reading finds no counters (a `[0:0]` is digested all the same). */
const NOT_COUNTED = 0;
const COUNTED = 1;
const ZEROS = Buffer.from(' [0:0]');

/** Where the digits from `at` end if `stop` follows them, else -1. */
function digitsThen(bytes: Buffer, at: number, end: number, stop: number): number {
  let k = at;
  while (k < end && (bytes[k] as number) >= 0x30 && (bytes[k] as number) <= 0x39) k++;
  return k > at && bytes[k] === stop ? k : -1;
}

/**
 * What declaration line `i` (`:NAME POLICY [packets:bytes]`, its name ending at `nameEnd`) says of
 * counters; UNREAD unless it is written so, one space apart and in ASCII (the full reading reads
 * another line as no declaration, and makes the chain at its first rule).
 */
function declarationCounters(index: LineIndex, i: number, nameEnd: number): number {
  const { bytes } = index;
  const start = index.starts[i] as number;
  const end = index.end(i);
  if (nameEnd === start + 1 || nameEnd >= end - 1 || bytes[nameEnd + 1] === SPACE) return UNREAD;
  for (let k = start; k < end; k++) if ((bytes[k] as number) >= 0x80) return UNREAD;
  const policyEnd = wordEnd(index, i, nameEnd + 1);
  if (policyEnd === end) return NOT_COUNTED;
  // ` [digits:digits]`, the end of the line.
  const colon = bytes[policyEnd + 1] === 0x5b /* [ */ ? digitsThen(bytes, policyEnd + 2, end, 0x3a /* : */) : -1;
  const close = colon < 0 ? -1 : digitsThen(bytes, colon + 1, end, 0x5d /* ] */);
  if (close !== end - 1) return UNREAD;
  return end - policyEnd === ZEROS.length && bytes.compare(ZEROS, 0, ZEROS.length, policyEnd, end) === 0 ? NOT_COUNTED : COUNTED;
}

/**
 * Whether bytes [start, end) hold a double quote: a rule's chain name the full reading reads from
 * its tokens (`-A "KUBE-SVC-…"` is a rule of KUBE-SVC-…), a declared name as it stands. Names that
 * hold none are read alike by both.
 */
function holdsQuote(bytes: Buffer, start: number, end: number): boolean {
  for (let k = start; k < end; k++) if (bytes[k] === QUOTE) return true;
  return false;
}

/** Chains made after the one at `after` tried before a rule's chain name is looked up (kube-proxy's chains without rules are few). */
const CHAINS_AHEAD = 4;

/** The chain among the few made after the one at `after` (in `made`) whose name is written at `at` (up to `end`), if any. */
function chainAhead(names: NameTable, made: number[], after: number, at: number, end: number): number | null {
  for (let k = after + 1; k < Math.min(after + 1 + CHAINS_AHEAD, made.length); k++) {
    if (names.writtenAt(made[k] as number, at, end)) return made[k] as number;
  }
  return null;
}

/** Tables, chains and rule lines of one dump; null when it is not an `iptables-save` dump read whole. */
function readLines(index: LineIndex): Omit<DumpSplit, 'chainPortId' | 'portChains' | 'ports' | 'kinds' | 'spans' | 'routed' | 'meanings'> | null {
  const { bytes } = index;
  // About one chain to four lines in a kube-proxy dump (an endpoint: a declaration and two rules; a
  // service: a declaration, a rule per endpoint and one or two more). Room for more grows the table.
  const names = new NameTable(bytes, index.count / 4);
  const chainOf = new Int32Array(index.count).fill(-1);
  const isRule = new Uint8Array(index.count);
  const tables: string[] = [];
  const made: number[][] = [];
  const madeAt: number[] = [];
  // Per chain id: 1 once a rule of it is read, once it is declared.
  const ruled: number[] = [];
  const declaredOnce: number[] = [];
  // A new name's id, put in its table's chains in the order the full reading makes them.
  const chain = (start: number, end: number): number => {
    const count = names.count;
    const id = names.add(start, end, scope);
    if (names.count > count) madeAt[id] = (made[scope] as number[]).push(id) - 1;
    return id;
  };
  let scope = -1;
  // A KUBE-… chain was declared in the table.
  let kubeDeclared = false;
  // The chain of the previous rule line: a dump's rules come chain by chain, in the chains' order
  // (the order the full reading takes its rules in).
  let last = -1;
  for (let i = 0; i < index.count; i++) {
    // A line the full reading refuses the input for: it may be one left unread.
    if (index.end(i) - (index.starts[i] as number) > MAX_LINE_LENGTH) return null;
    const first = index.byteAt(i, 0);
    if (first === -1 || first === 0x23 /* # */) continue;
    if (first === 0x2a /* * */) {
      if (scope >= 0) return null;
      scope = tables.length;
      tables.push(index.text(i).slice(1));
      made.push([]);
      last = -1;
      kubeDeclared = false;
      continue;
    }
    if (first === 0x43 /* C */) {
      if (scope < 0 || index.end(i) - index.starts[i]! !== COMMIT.length || !startsWithAt(bytes, index.starts[i]!, index.end(i), COMMIT)) return null;
      scope = -1;
      continue;
    }
    if (scope < 0) return null;
    const start = index.starts[i] as number;
    if (first === 0x3a /* : */) {
      const nameEnd = wordEnd(index, i, start + 1);
      const counters = declarationCounters(index, i, nameEnd);
      if (counters === UNREAD || holdsQuote(bytes, start + 1, nameEnd)) return null;
      // Counters the full reading counts (and digests, in their order) where the first pass may
      // leave some unread: on a port's chain (all KUBE-…), or after one in its table.
      const kube = startsWithAt(bytes, start + 1, nameEnd, KUBE);
      if (counters === COUNTED && (kube || kubeDeclared)) return null;
      kubeDeclared ||= kube;
      const declared = chain(start + 1, nameEnd);
      // A restore input declaring a chain that has rules already flushes it (parse-dump.ts); a
      // chain declared twice keeps a policy the second declaration does not give (only one is compared).
      if (ruled[declared] === 1 || declaredOnce[declared] === 1) return null;
      declaredOnce[declared] = 1;
      chainOf[i] = declared;
      continue;
    }
    if (first !== 0x2d /* - */ || index.byteAt(i, 1) !== 0x41 /* A */ || index.byteAt(i, 2) !== SPACE) return null;
    // Most rule lines follow a line of the same chain, and the others mostly the chain made next
    // (iptables-save writes rules in the chains' order; a restore payload may come back to a
    // chain): names checked where they stand before any is looked up.
    const end = index.end(i);
    if (last < 0 || !names.writtenAt(last, start + 3, end)) {
      const after = last < 0 ? -1 : (madeAt[last] as number);
      const ahead = chainAhead(names, made[scope] as number[], after, start + 3, end);
      if (ahead === null) {
        const nameEnd = wordEnd(index, i, start + 3);
        if (nameEnd === start + 3 || holdsQuote(bytes, start + 3, nameEnd)) return null;
        const count = names.count;
        last = chain(start + 3, nameEnd);
        // A chain made by this line: the full reading makes it here only if it reads the line as a rule.
        if (names.count > count && factsOf(index, i) === null) return null;
      } else {
        last = ahead;
      }
    }
    ruled[last] = 1;
    chainOf[i] = last;
    isRule[i] = 1;
  }
  const nat = tables.indexOf('nat');
  if (scope >= 0 || nat < 0 || names.find(KUBE_SERVICES, 0, KUBE_SERVICES.length, nat) < 0) return null;
  return { index, names, chainOf, isRule, tables, made };
}


/**
 * Each chain's kind, and the hash of the port whose own chain it is; null when a port's chain is
 * in two tables (the full reading then takes one of them).
 */
function chainKinds(names: NameTable): { kinds: Uint8Array; hashes: (string | null)[] } | null {
  const kinds = new Uint8Array(names.count);
  const hashes: (string | null)[] = new Array<string | null>(names.count).fill(null);
  const groups = new Set<string>();
  for (let id = 0; id < names.count; id++) {
    if (!names.startsWith(id, KUBE)) continue;
    if (names.startsWith(id, SEP)) {
      kinds[id] = ENDPOINT;
      continue;
    }
    const name = names.name(id);
    const group = groupOfName(name);
    if (group) {
      if (groups.has(name)) return null;
      groups.add(name);
      kinds[id] = GROUP;
      hashes[id] = group.hash;
    }
  }
  return { kinds, hashes };
}

/**
 * Where the word at `at` on line `i` ends, or -1 when a quote follows `at` in the line (then the
 * line is read as the full reading reads it): one scan to the end of the line.
 */
function unquotedWordEnd(index: LineIndex, i: number, at: number): number {
  const { bytes } = index;
  const end = index.end(i);
  let wordEnd = end;
  for (let k = at; k < end; k++) {
    const c = bytes[k];
    if (c === QUOTE) return -1;
    if (c === SPACE && wordEnd === end) wordEnd = k;
  }
  return wordEnd;
}

/** Where a rule line's target name lies (one object per loop over the lines, reused: none per line). */
interface TargetName {
  source: Buffer;
  start: number;
  end: number;
  goto: boolean;
}

/**
 * The name of the chain (or target) a rule line jumps or goes to, as the full reading reads it
 * (in `target`, until the next call with it): found in its bytes, or — a quote after its last ` -j ` (a target
 * quoted, a comment after it), or a space — read as the full reading reads the rule. Null when
 * it has none.
 */
function targetName(index: LineIndex, i: number, target: TargetName): TargetName | null {
  const at = targetAt(index, i);
  if (at < 0) return null;
  const end = index.bytes[at] === SPACE ? -1 : unquotedWordEnd(index, i, at);
  if (end >= 0) {
    target.source = index.bytes;
    target.start = at;
    target.end = end;
    target.goto = goesTo(index.bytes, at);
    return target;
  }
  const f = factsOf(index, i);
  if (!f?.target) return null;
  target.source = Buffer.from(f.target);
  target.start = 0;
  target.end = target.source.length;
  target.goto = f.goto;
  return target;
}

/**
 * Chains a rule's target is tried among before its name is looked up: kube-proxy declares a
 * service's endpoint chains one after another, in the order its rules jump to them, so the next
 * target is mostly declared right after the last one (where iptables-save keeps the order chains
 * were made in: the nf_tables back end).
 */
const TARGETS_AHEAD = 2;
/** Targets found lately, tried next (see TargetLookup). */
const RECENT_TARGETS = 4;

/**
 * The chains rule lines jump or go to, for one loop over a dump's lines (one object per loop:
 * what it learns of the lines it has seen makes the next lookups cheap). A name is looked up by
 * its hash last: first among the chains declared right after the last one found (see
 * TARGETS_AHEAD), then among the targets found lately — most rules jump to one of a few (an
 * endpoint chain's rules: KUBE-MARK-MASQ, then DNAT) — each held by where a line not long before
 * wrote it (its bytes are at hand, where a lookup reads memory far apart).
 */
class TargetLookup {
  /** The last line's target (see targetName). */
  readonly name: TargetName = { source: Buffer.alloc(0), start: 0, end: 0, goto: false };
  private last = -1;
  private readonly starts = new Int32Array(RECENT_TARGETS).fill(-1);
  private readonly ends = new Int32Array(RECENT_TARGETS);
  private readonly scopes = new Int32Array(RECENT_TARGETS);
  private readonly ids = new Int32Array(RECENT_TARGETS);
  private next = 0;

  constructor(private readonly s: { index: LineIndex; names: NameTable }) {}

  get index(): LineIndex {
    return this.s.index;
  }

  /** The chain rule line `i` jumps or goes to, in `scope`: its id, -2 when it names no chain the table holds, -1 when it has no target. */
  chain(i: number, scope: number): number {
    const { names, index } = this.s;
    const t = targetName(index, i, this.name);
    if (!t) return -1;
    for (let k = this.last + 1; k <= this.last + TARGETS_AHEAD && k < names.count; k++) {
      if (names.matches(k, t.source, t.start, t.end, scope)) return (this.last = k);
    }
    // A target read from a quoted rule's tokens (not in the input's bytes) is looked up.
    const inInput = t.source === index.bytes;
    const recent = inInput ? this.recent(t.start, t.end, scope) : -3;
    if (recent !== -3) return recent;
    const found = names.find(t.source, t.start, t.end, scope);
    const id = found < 0 ? -2 : (this.last = found);
    if (inInput) this.hold(t.start, t.end, scope, id);
    return id;
  }

  /** Whether the last target's name begins with `prefix`. */
  startsWith(prefix: Buffer): boolean {
    return startsWithAt(this.name.source, this.name.start, this.name.end, prefix);
  }

  /** The id found lately for the name at bytes [start, end) of the input in `scope`, or -3. */
  private recent(start: number, end: number, scope: number): number {
    const { bytes } = this.s.index;
    for (let r = 0; r < RECENT_TARGETS; r++) {
      const at = this.starts[r] as number;
      if (at < 0 || this.scopes[r] !== scope || (this.ends[r] as number) - at !== end - start) continue;
      let k = end - start - 1;
      while (k >= 0 && bytes[at + k] === bytes[start + k]) k--;
      if (k < 0) return this.ids[r] as number;
    }
    return -3;
  }

  private hold(start: number, end: number, scope: number, id: number): void {
    const r = this.next;
    this.next = (r + 1) % RECENT_TARGETS;
    this.starts[r] = start;
    this.ends[r] = end;
    this.scopes[r] = scope;
    this.ids[r] = id;
  }
}

/** Lines read (readLines), chain kinds, and the ports as they are found: what each step of splitDump works on. */
interface Splitting {
  read: NonNullable<ReturnType<typeof readLines>>;
  kinds: Uint8Array;
  /** The port whose own chain each chain is (or whose chains jump to it: an endpoint chain). */
  chainPort: (PortLines | null)[];
  ports: Map<string, PortLines>;
}

/*
 * Each loop over every line is a function of its own: V8 optimizes a long-running loop while it
 * runs, and code after it in the same function, not yet run, would undo that (a deoptimization
 * per loop, most of a small dump's first pass).
 */

/** One dump's lines given to ports (see the top of this file); null when it cannot be split so. A plain dump (see plain). */
function splitDump(bytes: Buffer, onProgress?: OnProgress): DumpSplit | null {
  const read = readLines(indexLines(bytes, onProgress));
  const chains = read && chainKinds(read.names);
  if (!read || !chains) return null;
  const s: Splitting = { read, kinds: chains.kinds, chainPort: [], ports: new Map() };
  s.chainPort = chains.hashes.map((hash) => (hash === null ? null : portOf(s, hash)));
  if (!ownEndpointChains(s)) return null;
  const given = givePortLines(s);
  if (!given) return null;
  namePorts(s, given.spans.first);
  const chainPortId = new Int32Array(s.chainPort.length);
  for (let c = 0; c < chainPortId.length; c++) chainPortId[c] = s.chainPort[c]?.id ?? -1;
  return { ...read, chainPortId, portChains: chainsOfPorts(chainPortId, s.ports.size), kinds: s.kinds, ports: s.ports, spans: given.spans, routed: given.routed, meanings: null };
}

function portOf(s: Splitting, hash: string): PortLines {
  let port = s.ports.get(hash);
  if (!port) s.ports.set(hash, (port = { id: s.ports.size, lo: 0, hi: 0, lines: 0, rules: 0, spn: null, service: null, dispatchSpn: null, noEndpointsSpn: null, dispatchChain: -1, noEndpointsChain: -1, routedChains: [], mustRead: false, lastChain: -1, place: 0 }));
  return port;
}

/**
 * Whether chain `t` is one whose name says all the model reads of a jump there. (A function of its
 * own: a closure over `t` in the loop that asks would make V8 allocate a context for every line.)
 */
function namedOnly(names: NameTable, t: number): boolean {
  for (const n of NAMED_ONLY) if (names.equals(t, n)) return true;
  return false;
}

/** Endpoint chains given to the port whose chains jump there; false when two ports share one, or one port's chains jump into another's. */
function ownEndpointChains(s: Splitting): boolean {
  const { read, kinds, chainPort } = s;
  const { index, names, chainOf, isRule } = read;
  const targets = new TargetLookup(read);
  for (let i = 0; i < index.count; i++) {
    const c = chainOf[i] as number;
    if (isRule[i] !== 1 || kinds[c] !== GROUP) continue;
    const t = targets.chain(i, names.scopeOf(c));
    const own = chainPort[c] as PortLines;
    if (t === -2 && targets.startsWith(KUBE)) own.mustRead = true;
    if (t < 0) continue;
    if (kinds[t] === ENDPOINT) {
      const known = chainPort[t];
      if (known && known !== own) return false;
      chainPort[t] = own;
    } else if (kinds[t] === GROUP && chainPort[t] !== own) {
      return false;
    } else if (kinds[t] === OTHER && (targets.name.goto || !namedOnly(names, t))) {
      // The model looks into the chain (see looksInto): what it reads of the port is in the rest too.
      own.mustRead = true;
    }
  }
  return true;
}

/** Every line given to its port, or to the rest (a rule that routes to a port counted in the port's digest); null when the dump cannot be split. */
function givePortLines(s: Splitting): Pick<DumpSplit, 'spans' | 'routed'> | null {
  const { read, kinds, chainPort } = s;
  const { index, names, chainOf, isRule } = read;
  const dispatchChains = new Uint8Array(names.count);
  for (const [scope] of read.tables.entries()) {
    for (const d of DISPATCH) {
      const id = names.find(d, 0, d.length, scope);
      if (id >= 0) dispatchChains[id] = 1;
    }
  }
  const endpointsSaid = linesHolding(index, ENDPOINTS);
  const targets = new TargetLookup(read);
  const declared = new Int32Array(names.count).fill(-1);
  const first = new Int32Array(names.count).fill(-1);
  const last = new Int32Array(names.count).fill(-1);
  const routedLines = new RoutedLines();
  const hash = new Int32Array(2);
  for (let i = 0; i < index.count; i++) {
    const c = chainOf[i] as number;
    if (c < 0) continue;
    const rule = isRule[i] === 1;
    const port = chainPort[c];
    if (port) {
      port.lines++;
      if (!rule) {
        declared[c] = i;
        continue;
      }
      port.rules++;
      if (first[c] === -1) first[c] = i;
      last[c] = i;
      // The full reading takes such a rule for the port its comment names, wherever it is.
      if (endpointsSaid[i] === 1 && noEndpointsPort(index, i)) return null;
      // A jump to a kube-proxy chain the table does not hold (a fragment): said of the dump.
      if (kinds[c] === ENDPOINT && targets.chain(i, names.scopeOf(c)) === -2 && targets.startsWith(KUBE)) port.mustRead = true;
      continue;
    }
    if (!rule) {
      declared[c] = i;
      continue;
    }
    if (first[c] === -1) first[c] = i;
    last[c] = i;
    const routed = portOfOtherLine(targets, i, names.scopeOf(c), kinds, chainPort, dispatchChains[c] === 1, endpointsSaid[i] === 1);
    if (routed === 'unsplittable') return null;
    if (routed === null) continue;
    // A rule of the rest that routes to a port stays with the rest: read, unless the port is left
    // unread and where the rule stands cannot matter (see leaveOutRouted).
    const to = typeof routed.port === 'string' ? portOf(s, routed.port) : routed.port;
    routedLines.add(i, to.id);
    if (to.lastChain !== c) {
      // Back to a chain after another: the digest's places would not say where its rules stand.
      if (to.routedChains.includes(c)) to.mustRead = true;
      to.routedChains.push(c);
      to.lastChain = c;
      to.place = 0;
    }
    const place = to.place++;
    hashLine(index, i, hash);
    to.lo = (to.lo + mix(hash[0] as number, place)) | 0;
    to.hi = (to.hi + mix(hash[1] as number, ~place)) | 0;
    to.lines++;
    to.rules++;
    if (!routed.held) to.mustRead = true;
    if (routed.dispatch && (to.dispatchSpn === null || c < to.dispatchChain)) {
      const spn = spnOf(index, i);
      if (spn !== null) {
        to.dispatchSpn = spn;
        to.dispatchChain = c;
      }
    }
    if (routed.noEndpointsSpn !== null && (to.noEndpointsSpn === null || c < to.noEndpointsChain)) {
      to.noEndpointsSpn = routed.noEndpointsSpn;
      to.noEndpointsChain = c;
    }
  }
  return { spans: { declared, first, last }, routed: routedLines };
}

/** Each port's name: from the dispatch rules that route there, else its own chains' first rule, else its "has no endpoints" rules. */
function namePorts(s: Splitting, firstRule: Int32Array): void {
  const { chainPort, kinds } = s;
  for (let c = 0; c < chainPort.length; c++) {
    const port = chainPort[c];
    const rule = firstRule[c] as number;
    if (port && port.dispatchSpn === null && port.spn === null && rule >= 0 && kinds[c] === GROUP) port.spn = spnOf(s.read.index, rule);
  }
  for (const port of s.ports.values()) {
    port.spn = port.dispatchSpn ?? port.spn ?? port.noEndpointsSpn;
    port.service = port.spn === null ? null : serviceOfSpn(port.spn);
  }
}

/**
 * The port a rule line of a chain that is no port's own routes to or speaks for, if any:
 * `dispatch` when the service model takes the port's name from it, `noEndpointsSpn` the name a
 * "has no endpoints" rule gives, `held` false when the table does not hold the port's chain it
 * routes to. `endpointsSaid`: whether the line holds " endpoints".
 */
function portOfOtherLine(
  targets: TargetLookup,
  i: number,
  scope: number,
  kinds: Uint8Array,
  chainPort: (PortLines | null)[],
  dispatch: boolean,
  endpointsSaid: boolean,
): { port: PortLines | string; dispatch: boolean; noEndpointsSpn: string | null; held: boolean } | null | 'unsplittable' {
  const t = targets.chain(i, scope);
  if (t !== -1 && targets.startsWith(KUBE)) {
    if (t >= 0 && kinds[t] === GROUP) return { port: chainPort[t] as PortLines, dispatch, noEndpointsSpn: null, held: true };
    if (t >= 0 && kinds[t] === ENDPOINT && chainPort[t]) return 'unsplittable';
    if (t === -2) {
      // A jump to a port's chain the table does not hold (a fragment): the port is named by it all the same.
      const { source, start, end } = targets.name;
      const group = groupOfName(source.toString('latin1', start, end));
      if (group) return { port: group.hash, dispatch, noEndpointsSpn: null, held: false };
    }
  }
  const none = endpointsSaid ? noEndpointsPort(targets.index, i) : null;
  return none && { port: none.hash, dispatch: false, noEndpointsSpn: none.spn, held: true };
}

/** Whether chain `x` of b and chain `y` of a bear the same name. */
function sameName(b: DumpSplit, x: number, a: DumpSplit, y: number): boolean {
  return a.names.matches(y, b.names.bytes, b.names.startOf(x), b.names.endOf(x), a.names.scopeOf(y));
}

/** The chains both dumps hold (b's id, a's id, b's, a's…) and, per table, whether they come in another order in one. */
interface CommonChains {
  ids: number[];
  /** Table names whose common chains come in another order (the full reading says so: noise). */
  reordered: Set<string>;
}

/**
 * The chains of b that a holds too, with their ids in a, in b's order. Both lists are walked side
 * by side: where they differ, a chain the other dump lacks is passed over, and two chains both
 * hold are out of order (then the table's chains are paired by name).
 */
function commonChains(b: DumpSplit, a: DumpSplit): CommonChains {
  const common: CommonChains = { ids: [], reordered: new Set() };
  for (const [scope, table] of b.tables.entries()) {
    const other = a.tables.indexOf(table);
    if (other < 0) continue;
    const here = b.made[scope] as number[];
    const there = a.made[other] as number[];
    const found = common.ids.length;
    let i = 0;
    let j = 0;
    while (i < here.length && j < there.length) {
      const x = here[i] as number;
      const y = there[j] as number;
      if (sameName(b, x, a, y)) {
        common.ids.push(x, y);
        i++;
        j++;
      } else if (a.names.find(b.names.bytes, b.names.startOf(x), b.names.endOf(x), other) < 0) i++;
      else if (b.names.find(a.names.bytes, a.names.startOf(y), a.names.endOf(y), scope) < 0) j++;
      else break;
    }
    if (i < here.length && j < there.length) {
      common.reordered.add(table);
      common.ids.length = found;
      for (const x of here) {
        const y = a.names.find(b.names.bytes, b.names.startOf(x), b.names.endOf(x), other);
        if (y >= 0) common.ids.push(x, y);
      }
    }
  }
  return common;
}

/** Lines of a chain: its declaration, or its rules (which come together); `first` -1 when it has none. */
interface LinesOf {
  first(s: DumpSplit, chain: number): number;
  last(s: DumpSplit, chain: number): number;
}
const DECLARATION: LinesOf = { first: (s, c) => s.spans.declared[c] as number, last: (s, c) => s.spans.declared[c] as number };
const RULES: LinesOf = { first: (s, c) => s.spans.first[c] as number, last: (s, c) => s.spans.last[c] as number };

/** Chains compared at once (see markDiffering): a few KiB, or more for long chains. */
const CHAINS_A_BLOCK = 64;

/**
 * Marks in `differs` (by b's chain id) the common chains (see commonChains) whose `lines` are not
 * the same bytes in both dumps. Chains whose lines follow one another in both dumps are compared
 * as one run, a block of chains at a time (one native compare each); a block that differs is
 * halved until the chains that differ are found. (Halving a whole run would compare the dump again
 * at every level: more the larger it is.)
 */
function markDiffering(b: DumpSplit, a: DumpSplit, common: number[], lines: LinesOf, differs: Uint8Array): void {
  // b's chain, a's chain, b's, a's…: lines in both dumps, each pair's right after the last pair's.
  const run: number[] = [];
  const start = (s: DumpSplit, chain: number) => s.index.starts[lines.first(s, chain)] as number;
  const end = (s: DumpSplit, chain: number) => s.index.end(lines.last(s, chain));
  const compare = (from: number, to: number): void => {
    const b1 = run[from] as number;
    const a1 = run[from + 1] as number;
    const b2 = run[to - 2] as number;
    const a2 = run[to - 1] as number;
    const [bFrom, bTo, aFrom, aTo] = [start(b, b1), end(b, b2), start(a, a1), end(a, a2)];
    // Lengths first: dumps written differently differ in most lengths, and a native compare costs a call.
    if (bTo - bFrom === aTo - aFrom && b.index.bytes.compare(a.index.bytes, aFrom, aTo, bFrom, bTo) === 0) return;
    if (to - from === 2) {
      differs[b1] = 1;
      return;
    }
    const mid = from + Math.floor((to - from) / 4) * 2;
    compare(from, mid);
    compare(mid, to);
  };
  const compareRun = () => {
    for (let from = 0; from < run.length; from += 2 * CHAINS_A_BLOCK) compare(from, Math.min(from + 2 * CHAINS_A_BLOCK, run.length));
  };
  for (let k = 0; k < common.length; k += 2) {
    const c = common[k] as number;
    const d = common[k + 1] as number;
    // Only ports' chains are compared so (the rest is read).
    if ((b.chainPortId[c] as number) < 0) continue;
    const bFirst = lines.first(b, c);
    const aFirst = lines.first(a, d);
    if (bFirst < 0 || aFirst < 0) {
      if (bFirst !== aFirst) differs[c] = 1;
      continue;
    }
    const n = run.length;
    if (n > 0 && (bFirst !== lines.last(b, run[n - 2] as number) + 1 || aFirst !== lines.last(a, run[n - 1] as number) + 1)) {
      compareRun();
      run.length = 0;
    }
    run.push(c, d);
  }
  compareRun();
}

/**
 * Whether port x's chains in b are port y's in a, one for one (the same names, in any order: the
 * chains' order is the table's, see commonChains), each declared alike and holding the same rules
 * (see markDiffering).
 */
function sameChains(b: DumpSplit, x: number, a: DumpSplit, y: number, counterpart: Int32Array, differs: Uint8Array): boolean {
  const { at, list } = b.portChains;
  const from = at[x] as number;
  const count = (at[x + 1] as number) - from;
  if ((a.portChains.at[y + 1] as number) - (a.portChains.at[y] as number) !== count) return false;
  for (let k = 0; k < count; k++) {
    const c = list[from + k] as number;
    const d = counterpart[c] as number;
    if (d < 0 || a.chainPortId[d] !== y || differs[c] === 1) return false;
  }
  return true;
}

/** Whether the lines of two ports (x of b, y of a) are alike: its chains aside (sameChains), the lines of the rest that route to it. */
function samePortLines(x: PortLines, y: PortLines, routed: RoutedMeanings): boolean {
  if (x.lines !== y.lines || x.rules !== y.rules || x.spn !== y.spn) return false;
  return (x.lo === y.lo && x.hi === y.hi) || routed.same(x.id, y.id);
}

/**
 * Whether the chains of the rest that route to port x (of b) come in the order of their
 * counterparts that route to y (of a): the service model reads a port from them chain by chain in
 * the order they were made (a chain's id), and keeps what the first, or the last, says (a
 * port's protocol, whether it drops or rejects), so chains declared in another order may tell
 * another port from the same rules.
 */
function routedInOrder(x: PortLines, y: PortLines, counterpart: Int32Array): boolean {
  if (x.routedChains.length !== y.routedChains.length) return false;
  const there = [...y.routedChains].sort((p, q) => p - q);
  return [...x.routedChains].sort((p, q) => p - q).every((c, k) => counterpart[c] === there[k]);
}

/**
 * Per port, the sum of the meaning hashes (MeaningHasher) of the lines of the rest that route to it,
 * each mixed with its place among them in its chain: PortLines' digest, for lines written
 * differently. Made for both dumps the first time two ports' digests differ.
 */
class RoutedMeanings {
  private digests: [Int32Array, Int32Array] | null = null;

  constructor(
    private readonly b: DumpSplit,
    private readonly a: DumpSplit,
    private readonly hasher: MeaningHasher,
  ) {}

  same(x: number, y: number): boolean {
    const [b, a] = (this.digests ??= [routedDigests(this.b, this.hasher), routedDigests(this.a, this.hasher)]);
    return b[3 * x + 2] === 1 && a[3 * y + 2] === 1 && b[3 * x] === a[3 * y] && b[3 * x + 1] === a[3 * y + 1];
  }
}

/** Per port id: lo, hi, and 1 when every line routed to it has a meaning hash (see RoutedMeanings). */
function routedDigests(s: DumpSplit, hasher: MeaningHasher): Int32Array {
  const digests = new Int32Array(3 * s.ports.size);
  for (let p = 0; p < s.ports.size; p++) digests[3 * p + 2] = 1;
  const lastChain = new Int32Array(s.ports.size).fill(-1);
  const place = new Int32Array(s.ports.size);
  const hash = new Int32Array(2);
  const { routed } = s;
  for (let r = 0; r < routed.count; r++) {
    const i = routed.lines[r] as number;
    const p = routed.ports[r] as number;
    const c = s.chainOf[i] as number;
    if (lastChain[p] !== c) {
      lastChain[p] = c;
      place[p] = 0;
    }
    const n = (place[p] as number)++;
    if (!meaningOf(s, i, hasher, hash)) digests[3 * p + 2] = 0;
    digests[3 * p] = ((digests[3 * p] as number) + mix(hash[0] as number, n)) | 0;
    digests[3 * p + 1] = ((digests[3 * p + 1] as number) + mix(hash[1] as number, ~n)) | 0;
  }
  return digests;
}

/** Each port's chains (its own and its endpoint chains), in chain order: port p's are list[at[p]] … list[at[p + 1] - 1]. */
interface PortChains {
  at: Int32Array;
  list: Int32Array;
}

function chainsOfPorts(chainPortId: Int32Array, ports: number): PortChains {
  const at = new Int32Array(ports + 1);
  for (let c = 0; c < chainPortId.length; c++) {
    const port = chainPortId[c] as number;
    if (port >= 0) (at[port + 1] as number)++;
  }
  for (let p = 0; p < ports; p++) at[p + 1] = (at[p + 1] as number) + (at[p] as number);
  const list = new Int32Array(at[ports] as number);
  const next = at.slice(0, ports);
  for (let c = 0; c < chainPortId.length; c++) {
    const port = chainPortId[c] as number;
    if (port >= 0) list[(next[port] as number)++] = c;
  }
  return { at, list };
}

/**
 * Whether two ports of a dump bear one name (kube-proxy never writes that: a name and its
 * protocol give the hash): the full reading then pairs the two sides' ports by that name.
 */
function namesTwoPorts(s: DumpSplit): boolean {
  const names = new Set<string>();
  for (const port of s.ports.values()) {
    if (port.spn === null) continue;
    const name = displaySpn(port.spn);
    if (names.has(name)) return true;
    names.add(name);
  }
  return false;
}

function serviceOfSpn(spn: string): string {
  return splitPortName(displaySpn(spn))[0];
}

/** One dump's first pass; null when it cannot be narrowed (see the top of this file). */
function splitIptablesSave(bytes: Buffer, onProgress?: OnProgress, plan?: SplitPlan): DumpSplit | null {
  if (!plain(bytes)) return null;
  const split = splitDump(bytes, onProgress);
  if (!split || namesTwoPorts(split)) return null;
  if (plan?.writtenDifferently) split.meanings = makeMeanings(split);
  return split;
}

const GENERATED_BY = Buffer.from('# Generated by ');

/** Whether two dumps come from different writers: one an iptables-save (its header), the other not (kube-proxy's restore payload). */
function writtenDifferently(before: Buffer, after: Buffer): boolean {
  const saved = (bytes: Buffer) => bytes.subarray(0, GENERATED_BY.length).equals(GENERATED_BY);
  return saved(before) !== saved(after);
}

/**
 * What of two `iptables-save` dumps must be read: every line but those of the services whose
 * every port is written alike in both. Null when the dumps cannot be split so (see above).
 */
function pairSplits(b: DumpSplit, a: DumpSplit): Narrowing | null {
  const common = commonChains(b, a);
  const counterpart = new Int32Array(b.names.count).fill(-1);
  for (let k = 0; k < common.ids.length; k += 2) counterpart[common.ids[k] as number] = common.ids[k + 1] as number;
  const differs = new Uint8Array(b.names.count);
  markDiffering(b, a, common.ids, RULES, differs);
  // Rules written otherwise that mean the same: alike all the same, counted as the diff counts them.
  const hasher = new MeaningHasher();
  const respelled = new Int32Array(b.names.count);
  for (let c = 0; c < differs.length; c++) {
    if (differs[c] !== 1 || (b.chainPortId[c] as number) < 0) continue;
    const n = rulesWrittenDifferently(b, c, a, counterpart[c] as number, hasher);
    if (n < 0) continue;
    differs[c] = 0;
    respelled[c] = n;
  }
  markDiffering(b, a, common.ids, DECLARATION, differs);
  const routed = new RoutedMeanings(b, a, hasher);
  // Services with a port not alike in both (or in one only): read, every port of them.
  const changed = new Set<string>();
  for (const [hash, x] of b.ports) {
    const y = a.ports.get(hash);
    if (x.service === null || y?.service === null) return null;
    if (y && samePortLines(x, y, routed) && routedInOrder(x, y, counterpart) && sameChains(b, x.id, a, y.id, counterpart, differs) && !x.mustRead && !y.mustRead) continue;
    changed.add(x.service);
    if (y) changed.add(y.service);
  }
  for (const [hash, y] of a.ports) {
    if (b.ports.has(hash)) continue;
    if (y.service === null) return null;
    changed.add(y.service);
  }
  const unread = new Set<string>();
  const services = new Set<string>();
  let servicePorts = 0;
  for (const [hash, port] of b.ports) {
    const service = port.service as string;
    if (changed.has(service)) continue;
    unread.add(hash);
    // A port none of whose lines is a rule (chains declared and left empty) is stale, not a port.
    if (port.rules === 0) continue;
    servicePorts++;
    services.add(service);
  }
  const unreadPorts = (s: DumpSplit) => {
    const left = new Uint8Array(s.ports.size);
    for (const [hash, port] of s.ports) if (unread.has(hash)) left[port.id] = 1;
    return left;
  };
  const [bUnread, aUnread] = [unreadPorts(b), unreadPorts(a)];
  const leftOut = leaveOutRouted(b, bUnread, a, aUnread, common.ids);
  return {
    before: { ...cutLines(b.index, linesCut(b, bUnread, leftOut.before.lines)), leftOut: leftOut.before.rules },
    after: { ...cutLines(a.index, linesCut(a, aUnread, leftOut.after.lines)), leftOut: leftOut.after.rules },
    alike: { servicePorts, services: services.size, keys: unread, noise: unreadNoise(b, bUnread, respelled, common.reordered) },
  };
}

/** Per table, the noise the full reading would find in what is left unread (see AlikeUnread.noise). */
function unreadNoise(b: DumpSplit, unread: Uint8Array, respelled: Int32Array, reordered: Set<string>): AlikeUnread['noise'] {
  const noise = new Map(b.tables.map((t) => [t, { rulesWrittenDifferently: 0, declarationOrder: reordered.has(t) }]));
  const { at, list } = b.portChains;
  for (let p = 0; p < unread.length; p++) {
    if (unread[p] !== 1) continue;
    for (let k = at[p] as number; k < (at[p + 1] as number); k++) {
      const c = list[k] as number;
      const n = respelled[c] as number;
      if (n > 0) (noise.get(b.tables[b.names.scopeOf(c)] as string) as { rulesWrittenDifferently: number }).rulesWrittenDifferently += n;
    }
  }
  return noise;
}

/** Rule line `i`'s meaning hash in `out` (see LineMeanings); false when it has none. */
function meaningOf(s: DumpSplit, i: number, hasher: MeaningHasher, out: Int32Array): boolean {
  s.meanings ??= new LineMeanings(s.index.count);
  return s.meanings.of(s.index, i, hasher, out);
}

/**
 * The meaning hashes a pairing with a dump written differently asks for, made ahead (on the
 * split's thread): every rule line of the ports' chains, and the lines of the rest that route to a port.
 */
function makeMeanings(s: DumpSplit): LineMeanings {
  const meanings = new LineMeanings(s.index.count);
  const hasher = new MeaningHasher();
  const scratch = new Int32Array(2);
  for (let i = 0; i < s.index.count; i++) {
    const c = s.chainOf[i] as number;
    if (c >= 0 && s.isRule[i] === 1 && (s.chainPortId[c] as number) >= 0) meanings.make(s.index, i, hasher, scratch);
  }
  for (let r = 0; r < s.routed.count; r++) meanings.make(s.index, s.routed.lines[r] as number, hasher, scratch);
  return meanings;
}

/** The rule lines of chain `c`, in order. */
function ruleLines(s: DumpSplit, c: number): number[] {
  const lines: number[] = [];
  const last = s.spans.last[c] as number;
  for (let i = s.spans.first[c] as number; i >= 0 && i <= last; i++) if (s.chainOf[i] === c && s.isRule[i] === 1) lines.push(i);
  return lines;
}

/** Line `i` and line `j` of another dump hold the same bytes (trailing spaces aside: the full reading trims them). */
function sameBytes(x: LineIndex, i: number, y: LineIndex, j: number): boolean {
  const trimmed = (s: LineIndex, l: number) => {
    let end = s.end(l);
    while (end > (s.starts[l] as number) && s.bytes[end - 1] === SPACE) end--;
    return end;
  };
  const [xEnd, yEnd] = [trimmed(x, i), trimmed(y, j)];
  const from = x.starts[i] as number;
  if (xEnd - from !== yEnd - (y.starts[j] as number)) return false;
  return x.bytes.compare(y.bytes, y.starts[j], yEnd, from, xEnd) === 0;
}

/**
 * How many rules chain x of b and chain y of a hold that mean the same, one for one and in order
 * (MeaningHasher), but are written differently; -1 when they do not mean the same.
 */
function rulesWrittenDifferently(b: DumpSplit, x: number, a: DumpSplit, y: number, hasher: MeaningHasher): number {
  if (y < 0) return -1;
  const here = ruleLines(b, x);
  const there = ruleLines(a, y);
  if (here.length !== there.length) return -1;
  const h = new Int32Array(2);
  const t = new Int32Array(2);
  let n = 0;
  for (let k = 0; k < here.length; k++) {
    const i = here[k] as number;
    const j = there[k] as number;
    if (sameBytes(b.index, i, a.index, j)) continue;
    if (!meaningOf(b, i, hasher, h) || !meaningOf(a, j, hasher, t) || h[0] !== t[0] || h[1] !== t[1]) return -1;
    n++;
  }
  return n;
}

/** The lines a dump is read without (1): those of ports left unread, and the rules left out (`leftOut`, filled in place). */
function linesCut(s: DumpSplit, unread: Uint8Array, leftOut: Uint8Array): Uint8Array {
  const { chainOf, chainPortId } = s;
  for (let i = 0; i < s.index.count; i++) {
    const c = chainOf[i] as number;
    const port = c < 0 ? -1 : (chainPortId[c] as number);
    if (port >= 0) leftOut[i] = unread[port] as number;
  }
  return leftOut;
}

export const iptablesFirstPass: FirstPass<DumpSplit> = {
  split: splitIptablesSave,
  pair: pairSplits,
  plan: (before, after) => ({ writtenDifferently: writtenDifferently(before, after) }),
  pack: (s) => ({
    data: s,
    transfer: [
      s.index.starts, ...s.names.arrays(), s.chainOf, s.isRule, s.chainPortId, s.kinds, s.spans.declared, s.spans.first, s.spans.last, s.routed.lines, s.routed.ports, s.portChains.at, s.portChains.list,
      ...(s.meanings ? [s.meanings.hashes, s.meanings.state] : []),
    ].map((a) => a.buffer as ArrayBuffer),
  }),
  unpack: (data, bytes) => {
    const s = data as DumpSplit;
    return { ...s, index: revived(s.index, LineIndex, { bytes }), names: revived(s.names, NameTable, { bytes }), routed: revived(s.routed, RoutedLines), meanings: s.meanings && revived(s.meanings, LineMeanings) };
  },
};
