/**
 * The rules of the rest that route to ports left unread (KUBE-SERVICES's dispatch rules of the
 * services that did not change: most of what a narrowed reading still reads), left out of the
 * reading when where they stand cannot change the answer. The full reading pairs them with their
 * twins (written alike in both dumps), so they add or remove nothing; they can only change the
 * chain's order effect (diff/order-effect.ts) and the chain's listing in a report. They leave the
 * order effect as it is when every rule of the chain is a plain dispatch rule (plain-selector.ts)
 * but a last rule that takes any protocol and is the same in both dumps, and each rule is alone
 * with its selector in its chain: no packet can then match two of them. No report lists the chain
 * when the rules read are the same lines in both dumps and so is its declaration; none takes nat's
 * KUBE-SERVICES for part of the chain when it ends as kube-proxy ends it. What remains is
 * whether the order changed at all ("reordered, no effect"): each dump keeps a digest of the rules
 * left out, in their order, and how many come before each rule read (RulesLeftOut), for the diff
 * to tell. Of two dumps written differently (a restore payload against an iptables-save), rules
 * are told apart by what they mean (their selectors read whole where the bytes are not plain, their
 * order digested by meaning), and those written differently are counted as the full reading
 * counts them.
 */
import type { RulesLeftOut } from '../../model/snapshot';
import { hashLine, mix } from '../../narrow/line-index';
import { doubled } from '../../narrow/typed-arrays';
import { lineFacts } from './line-facts';
import type { DumpSplit } from './narrow';
import { factsSelector, namesNoProtocol, NOT_PLAIN, plainSelector, withAnyAddress } from './plain-selector';

/**
 * Lines (in order) with the id of the port each routes to, and what pairing reads of each, made on
 * the split's thread: its selector read as plain (plainSelector) and its hash (hashLine). Few of a
 * dump's lines, so kept apart.
 */
export class RoutedLines {
  count = 0;
  lines = new Int32Array(1024);
  ports = new Int32Array(1024);
  selectors = new Float64Array(1024);
  /** Two numbers a line. */
  hashes = new Int32Array(2048);

  add(line: number, port: number, selector: number, hash: Int32Array): void {
    if (this.count === this.lines.length) {
      this.lines = doubled(this.lines);
      this.ports = doubled(this.ports);
      this.selectors = doubled(this.selectors);
      this.hashes = doubled(this.hashes);
    }
    this.lines[this.count] = line;
    this.ports[this.count] = port;
    this.selectors[this.count] = selector;
    this.hashes[2 * this.count] = hash[0] as number;
    this.hashes[2 * this.count + 1] = hash[1] as number;
    this.count++;
  }

  /** The index of the first line at or after `line`. */
  from(line: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.lines[mid] as number) < line) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

interface Side {
  s: DumpSplit;
  /** Per port id: left unread. */
  unread: Uint8Array;
  chain: number;
}

/**
 * A rule line's meaning hash (meaning-hash.ts) in `out`; false when it has none. Given for two
 * dumps written differently: their rules are then told apart, and their order digested, by what
 * they mean rather than by their bytes.
 */
export type MeaningOf = (s: DumpSplit, i: number, out: Int32Array) => boolean;

interface ChainLines {
  /** The chain's rule lines, each with its selector if plain (else NOT_PLAIN). */
  lines: number[];
  selectors: number[];
  /** Which of them route to a port left unread. */
  out: boolean[];
  /** Their places in RoutedLines, or -1 (a rule routed nowhere). */
  routedAt: number[];
}

/** What a side leaves out: its lines (1 = left out), and the rules left out per chain. */
export interface LeftOut {
  lines: Uint8Array;
  rules: RulesLeftOut[];
}

function chainLines({ s, unread, chain }: Side, meaning: MeaningOf | null): ChainLines {
  const first = s.spans.first[chain] as number;
  const last = s.spans.last[chain] as number;
  const at = 4 + s.names.endOf(chain) - s.names.startOf(chain);
  const found: ChainLines = { lines: [], selectors: [], out: [], routedAt: [] };
  let r = s.routed.from(first);
  for (let i = first; first >= 0 && i <= last; i++) {
    if (s.isRule[i] !== 1 || s.chainOf[i] !== chain) continue;
    while (r < s.routed.count && (s.routed.lines[r] as number) < i) r++;
    const routed = s.routed.lines[r] === i;
    const plain = routed ? (s.routed.selectors[r] as number) : plainSelector(s.index.bytes, (s.index.starts[i] as number) + at, s.index.end(i));
    found.lines.push(i);
    found.selectors.push(selectorOf(s, i, plain, meaning !== null));
    found.out.push(routed && unread[s.routed.ports[r] as number] === 1);
    found.routedAt.push(routed ? r : -1);
  }
  return found;
}

/**
 * Rule line `i`'s selector: `plain` (read as plain), or else — for dumps written differently
 * (`anySpelling`), whose rules may be written in another order than iptables-save writes them —
 * from the rule read whole.
 */
function selectorOf(s: DumpSplit, i: number, plain: number, anySpelling: boolean): number {
  if (plain !== NOT_PLAIN || !anySpelling) return plain;
  const facts = lineFacts(s.index, i);
  return facts === null ? NOT_PLAIN : factsSelector(facts);
}

/**
 * The rules of a chain that are read (not left out), in any order, as one text: their lines, or
 * (with `meaning`) their meaning hashes; null when one of them has no meaning hash.
 */
function readRules(x: ChainLines & Side, meaning: MeaningOf | null): string | null {
  const lines = x.lines.filter((_, k) => !x.out[k]);
  if (meaning === null) return lines.map((i) => x.s.index.text(i)).sort().join('\n');
  const hash = new Int32Array(2);
  const hashes: string[] = [];
  for (const i of lines) {
    if (!meaning(x.s, i, hash)) return null;
    hashes.push(`${hash[0]}:${hash[1]}`);
  }
  return hashes.sort().join(' ');
}

/** A chain's declaration line as written, or null. */
function declarationOf(x: Side): string | null {
  const line = x.s.spans.declared[x.chain] as number;
  return line < 0 ? null : x.s.index.text(line);
}

/** Whether the rules of a chain routed to unread ports can be left out of both dumps (see the top of this file). */
function mayLeaveOut(b: Side & ChainLines, a: Side & ChainLines, meaning: MeaningOf | null): boolean {
  const sides = [b, a];
  // Ports left unread route alike in both dumps: as many rules in each.
  if (!b.out.includes(true) || sides.some((x) => x.out.every(Boolean))) return false;
  // The rules read are the same in both (or, of dumps written differently, mean the same), and so
  // is the declaration: the chain adds, removes and changes nothing, so no report lists it (with the
  // rules left out missing from its listing). A chain not declared is made by its first rule: one
  // left out would make it elsewhere, and the order chains are made in names ports (PortLines.dispatchChain).
  const read = sides.map((x) => readRules(x, meaning));
  const declared = declarationOf(b);
  if (read[0] === null || read[0] !== read[1] || declared === null || declared !== declarationOf(a) || !sides.every(endsAsKubeProxyEndsIt)) return false;
  const lastLines = sides.map((x) => x.s.index.text(x.lines[x.lines.length - 1] as number));
  for (const x of sides) {
    for (let k = 0; k < x.lines.length; k++) {
      if (x.selectors[k] !== NOT_PLAIN) continue;
      const isLast = k === x.lines.length - 1;
      if (x.out[k] || !isLast || lastLines[0] !== lastLines[1] || !namesNoProtocol(lastLines[0] as string)) return false;
    }
  }
  // Every rule alone with its selector (a rule with no address overlaps every rule of its protocol
  // and port, see orderEffect): no packet meets two of them, so their order is never an effect, and
  // each rule has one counterpart (pairing them by place, by text or by meaning is one pairing).
  const anyAddress = new Set<number>();
  for (const x of sides) {
    for (let k = 0; k < x.selectors.length; k++) {
      const sel = x.selectors[k] as number;
      if (sel !== NOT_PLAIN && withAnyAddress(sel) === sel) anyAddress.add(sel);
    }
  }
  return sides.every((x) => eachAlone(x.selectors, anyAddress));
}

/**
 * Whether the chain is not nat's KUBE-SERVICES, or ends as kube-proxy ends it: its last line read,
 * a jump to KUBE-NODEPORTS. Else the full reading may take the chain for part of it
 * (completeness.ts holdsPartOfDispatch) by its last rule, or not by an ipset match, where either
 * may be a rule left out.
 */
function endsAsKubeProxyEndsIt(x: Side & ChainLines): boolean {
  const { s, chain } = x;
  if (s.tables[s.names.scopeOf(chain)] !== 'nat' || s.names.name(chain) !== 'KUBE-SERVICES') return true;
  const last = x.lines.length - 1;
  return last >= 0 && !x.out[last] && lineFacts(s.index, x.lines[last] as number)?.target === 'KUBE-NODEPORTS';
}

/**
 * Whether no two plain selectors are one, or of one protocol and port in `anyAddress` (the
 * selectors that take any address): sorted as numbers, thousands of them (KUBE-SERVICES's), with
 * no set of boxed numbers and no iterator per selector.
 */
function eachAlone(selectors: number[], anyAddress: Set<number>): boolean {
  const groups = new Float64Array(selectors.length);
  let n = 0;
  for (let k = 0; k < selectors.length; k++) {
    const sel = selectors[k] as number;
    if (sel === NOT_PLAIN) continue;
    const any = withAnyAddress(sel);
    groups[n++] = anyAddress.has(any) ? any : sel;
  }
  const sorted = groups.subarray(0, n).sort();
  for (let k = 1; k < n; k++) if (sorted[k] === sorted[k - 1]) return false;
  return true;
}

/** The hashes that digest the rules left out of a chain (their lines', or meanings'), in order; null when a line has no meaning hash. */
function outHashes(x: Side & ChainLines, meaning: MeaningOf | null): Int32Array | null {
  const hashes = new Int32Array(2 * x.lines.length);
  const hash = new Int32Array(2);
  let n = 0;
  const { routed } = x.s;
  for (let k = 0; k < x.lines.length; k++) {
    if (!x.out[k]) continue;
    // (A rule left out routes to a port: its line's hash was made with it.)
    const r = x.routedAt[k] as number;
    if (meaning === null) hash.set(routed.hashes.subarray(2 * r, 2 * r + 2));
    else if (!meaning(x.s, x.lines[k] as number, hash)) return null;
    hashes[2 * n] = hash[0] as number;
    hashes[2 * n + 1] = hash[1] as number;
    n++;
  }
  return hashes.subarray(0, 2 * n);
}

function leaveOut(x: Side & ChainLines, hashes: Int32Array, into: LeftOut): void {
  const before = new Map<number, number>();
  let lo = 0;
  let hi = 0;
  let n = 0;
  x.lines.forEach((i, k) => {
    if (!x.out[k]) {
      before.set(i + 1, n);
      return;
    }
    into.lines[i] = 1;
    lo = (lo + mix(hashes[2 * n] as number, n)) | 0;
    hi = (hi + mix(hashes[2 * n + 1] as number, ~n)) | 0;
    n++;
  });
  const table = x.s.tables[x.s.names.scopeOf(x.chain)] as string;
  into.rules.push({ table, chain: x.s.names.name(x.chain), digest: `${n}:${lo}:${hi}`, before });
}

/** Each rule left out, its line's text (trailing spaces aside, as the full reading trims them) hashed: two numbers. */
function textHashes(x: Side & ChainLines): Float64Array {
  const out = new Int32Array(2);
  const texts: number[] = [];
  for (let k = 0; k < x.lines.length; k++) {
    if (!x.out[k]) continue;
    const i = x.lines[k] as number;
    hashLine(x.s.index, i, out, x.s.index.trimmedEnd(i));
    texts.push((out[0] as number) * 2 ** 21 + ((out[1] as number) >>> 11));
  }
  return Float64Array.from(texts).sort();
}

/**
 * How many of the rules left out of a chain the full reading counts as written differently: it
 * pairs each rule with its twin (the same text) first, then by meaning, and counts the pairs whose
 * texts differ (diff-chains.ts countNoise; their comments are one, being hashed with the meaning).
 */
function respelledLeftOut(b: Side & ChainLines, a: Side & ChainLines): number {
  const [x, y] = [textHashes(b), textHashes(a)];
  let twins = 0;
  for (let i = 0, j = 0; i < x.length && j < y.length; ) {
    if (x[i] === y[j]) {
      twins++;
      i++;
      j++;
    } else if ((x[i] as number) < (y[j] as number)) i++;
    else j++;
  }
  return x.length - twins;
}

/**
 * What each dump leaves out: of the chains both hold (`common`: b's id, a's id, …) that are no
 * port's own, the rules that route to ports left unread, where they may be left out. With
 * `meaning` (dumps written differently), rules written otherwise that mean the same are left out
 * too, and counted per table as the full reading counts them (`respelled`).
 */
export function leaveOutRouted(
  b: DumpSplit,
  bUnread: Uint8Array,
  a: DumpSplit,
  aUnread: Uint8Array,
  common: number[],
  meaning: MeaningOf | null = null,
): { before: LeftOut; after: LeftOut; respelled: Map<string, number> } {
  const before: LeftOut = { lines: new Uint8Array(b.index.count), rules: [] };
  const after: LeftOut = { lines: new Uint8Array(a.index.count), rules: [] };
  const respelled = new Map<string, number>();
  for (let k = 0; k < common.length; k += 2) {
    const x = common[k] as number;
    const y = common[k + 1] as number;
    if ((b.chainPortId[x] as number) >= 0 || !routesToUnread(b, bUnread, x)) continue;
    const bs = { s: b, unread: bUnread, chain: x };
    const as = { s: a, unread: aUnread, chain: y };
    const bl = { ...bs, ...chainLines(bs, meaning) };
    const al = { ...as, ...chainLines(as, meaning) };
    if (!mayLeaveOut(bl, al, meaning)) continue;
    const [bHashes, aHashes] = [outHashes(bl, meaning), outHashes(al, meaning)];
    if (bHashes === null || aHashes === null) continue;
    leaveOut(bl, bHashes, before);
    leaveOut(al, aHashes, after);
    if (meaning === null) continue;
    const table = b.tables[b.names.scopeOf(x)] as string;
    respelled.set(table, (respelled.get(table) ?? 0) + respelledLeftOut(bl, al));
  }
  return { before, after, respelled };
}

/** Whether a rule of the chain routes to a port left unread (most chains of the rest hold none: checked before anything is read of them). */
function routesToUnread(s: DumpSplit, unread: Uint8Array, chain: number): boolean {
  const first = s.spans.first[chain] as number;
  const last = s.spans.last[chain] as number;
  for (let r = first < 0 ? s.routed.count : s.routed.from(first); r < s.routed.count && (s.routed.lines[r] as number) <= last; r++) {
    if (s.chainOf[s.routed.lines[r] as number] === chain && unread[s.routed.ports[r] as number] === 1) return true;
  }
  return false;
}
