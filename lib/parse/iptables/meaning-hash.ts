/**
 * A hash of what a rule line means, for the first pass over two dumps written differently (a
 * restore payload against an iptables-save of the same rules: no line of the one is written as
 * the line of the other). Two lines hash alike when the rule diff takes them for one rule of one
 * chain (diff/diff-chains.ts: `sameMeaning` of their facts, else their canonical keys) with the
 * same comment, so that the diff would pair them and count them as written differently, nothing
 * more. A line the full reading would warn about, or not read as a rule, has no such hash; nor has
 * a line holding a character the hashed text separates its parts with (SEPARATORS: a comment
 * ending in one could stand for another rule's target).
 *
 * The hash is of one text — the chain, the comment, then the facts `sameMeaning` compares or else
 * the canonical key with every fact (the service model reads facts, and a malformed option can be
 * read by the key and by the facts otherwise: `--mode` without its value is `random` to the one,
 * not to the other) — made by `byTokens` from the rule's tokens as the full reading reads them
 * (the reference), or fed straight from the line's bytes by `plainRule` for the rules kube-proxy
 * writes most (a test holds the two to one answer).
 */
import { TextHash, type LineIndex } from '../../narrow/line-index';
import { PROBABILITY_SCALE } from './probability';
import { canonicalKey, type MatchTexts } from './rule-canonical';
import { ruleFacts, type RuleFacts } from './rule-facts';
import { RuleSyntaxError } from './rule-walk';
import { tokenize, TokenizeError, type Tokens } from './tokenize';

const NONE = '\u0000';
const NONE_CODE = 0;
const FIELD = '\u0001';
const FIELD_CODE = 1;
const FACTS_CODE = 0x46; /* F */
const KEY_CODE = 0x4b; /* K */
/** The characters the hashed text separates its parts with (NONE, FIELD): no line holding one is hashed. */
const SEPARATORS = /[\u0000\u0001]/;

const SPACE = 0x20;
const BANG = 0x21;
const QUOTE = 0x22;
const APOSTROPHE = 0x27;
const DASH = 0x2d;
const SLASH = 0x2f;
const BACKSLASH = 0x5c;

/** The facts `sameMeaning` compares, in the order they are hashed. */
const TARGET = 0;
const DESTINATION = 1;
const SOURCE = 2;
const PROTOCOL = 3;
const DPORT = 4;
const PROBABILITY = 5;
const DNAT = 6;
const COMMENT = 7;
const FIELDS = 8;
/** Past the facts: a `recent` match's list name and seconds (only in the key text, see plainRule). */
const RECENT_NAME = 8;
const SECONDS = 9;
const SLOTS = 10;

function field(v: string | number | null | undefined): string {
  return v === null || v === undefined ? NONE : String(v);
}

/** Every fact of a rule the service model reads (RuleFacts), as one text (a test holds lines hashed alike to equal facts). */
function modelFacts(f: RuleFacts): string {
  const r = f.recent;
  const dnat = f.dnat === null ? NONE : `=${field(f.dnat.address)}`;
  const recent = r === null ? NONE : `${r.name}${FIELD}${r.mode}${FIELD}${field(r.seconds)}${FIELD}${r.unusual}`;
  return `${field(f.target)}${FIELD}${f.goto}${FIELD}${field(f.destination)}${FIELD}${field(f.source)}${FIELD}${field(f.protocol)}${FIELD}${field(f.dport)}${FIELD}${field(f.probability)}${FIELD}${dnat}${FIELD}${f.selective}${FIELD}${f.unsupportedRevision}${FIELD}${recent}`;
}

function tokensOf(text: string): Tokens | null {
  try {
    return tokenize(text);
  } catch (e) {
    if (e instanceof TokenizeError) return null;
    throw e;
  }
}

function bytesAre(bytes: Uint8Array, start: number, end: number, word: string): boolean {
  if (end - start !== word.length) return false;
  for (let k = 0; k < word.length; k++) if (bytes[start + k] !== word.charCodeAt(k)) return false;
  return true;
}

/** Bytes [start, end) as a decimal number from 0 to `max` written as iptables-save writes it (no sign, no leading zero, so `String(Number(text))` is the text); -1 for any other text. */
function plainNumber(bytes: Uint8Array, start: number, end: number, max: number): number {
  if (end <= start || end - start > 5 || (bytes[start] === 0x30 && end - start > 1)) return -1;
  let n = 0;
  for (let k = start; k < end; k++) {
    const d = (bytes[k] as number) - 0x30;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n <= max ? n : -1;
}

/** Powers of ten a double holds exactly. */
const TENS = Array.from({ length: 16 }, (_, k) => 10 ** k);

/**
 * probabilityUnits of a probability written `0.` and 1 to 15 digits, read from its bytes; -1 for
 * any other text. The digits as an integer (below 2^53) over a power of ten (exact up to 10^22)
 * is one correctly rounded division: the number `Number(text)` reads.
 */
function plainProbabilityUnits(bytes: Uint8Array, start: number, end: number): number {
  const digits = end - start - 2;
  if (digits < 1 || digits > 15 || bytes[start] !== 0x30 || bytes[start + 1] !== 0x2e /* . */) return -1;
  let m = 0;
  for (let k = start + 2; k < end; k++) {
    const d = (bytes[k] as number) - 0x30;
    if (d < 0 || d > 9) return -1;
    m = m * 10 + d;
  }
  return Math.round((m / (TENS[digits] as number)) * PROBABILITY_SCALE);
}

/** Where an IPv4 address written plainly (a.b.c.d, each part plainNumber) at `start` ends, or -1. */
function plainIpv4End(bytes: Uint8Array, start: number, end: number): number {
  let at = start;
  for (let part = 0; part < 4; part++) {
    let to = at;
    while (to < end && bytes[to] !== 0x2e /* . */ && bytes[to] !== 0x2f /* / */ && bytes[to] !== 0x3a /* : */) to++;
    if (plainNumber(bytes, at, to, 255) < 0) return -1;
    if (part < 3) {
      if (bytes[to] !== 0x2e) return -1;
      to++;
    }
    at = to;
  }
  return at;
}

/** The value of the plain IPv4 address at bytes [start, end) (see plainIpv4End). */
function ipv4Value(bytes: Uint8Array, start: number, end: number): number {
  let value = 0;
  let part = 0;
  for (let k = start; k < end; k++) {
    const c = bytes[k] as number;
    if (c === 0x2e /* . */) {
      value = value * 256 + part;
      part = 0;
    } else {
      part = part * 10 + c - 0x30;
    }
  }
  return value * 256 + part;
}

const NOT_PLAIN = -1;
const NETWORK = 0;
const HOST = 1;

/**
 * A `-s`/`-d` value the full reading keeps as written (normalizeCidr), a host with `/32` added:
 * HOST for an IPv4 address written without its prefix, NETWORK for an address with its prefix
 * written plainly (`/32`, or `/10` with the host bits zero), NOT_PLAIN for any other text.
 */
function plainCidr(bytes: Uint8Array, start: number, end: number): number {
  const ipEnd = plainIpv4End(bytes, start, end);
  if (ipEnd < 0) return NOT_PLAIN;
  if (ipEnd === end) return HOST;
  const prefix = bytes[ipEnd] === SLASH ? plainNumber(bytes, ipEnd + 1, end, 32) : -1;
  return prefix >= 0 && ipv4Value(bytes, start, ipEnd) % 2 ** (32 - prefix) === 0 ? NETWORK : NOT_PLAIN;
}

/** Whether bytes [start, end) (a word: no space, quote or control character) are what valueText prints them as (no `\` or `'`). */
function savedAsWritten(bytes: Uint8Array, start: number, end: number): boolean {
  for (let k = start; k < end; k++) if (bytes[k] === BACKSLASH || bytes[k] === APOSTROPHE) return false;
  return true;
}

/**
 * One hasher for the lines of a first pass (its scratch space reused from line to line): the
 * meaning hash of a rule line, if it has one.
 */
export class MeaningHasher {
  private readonly hash = new TextHash();
  /** The canonical keys' match texts, kept while this hasher serves (see rule-canonical.ts). */
  private readonly matchTexts: MatchTexts = new Map();
  private readonly starts = new Int32Array(SLOTS);
  private readonly ends = new Int32Array(SLOTS);
  /** Per field: an address written without its /32 (hashed with it: what the full reading normalises it to). */
  private readonly host = new Uint8Array(SLOTS);

  /** The meaning hash of rule line `i` (`-A CHAIN …`) as two 32-bit halves in `out`; false when it has none. */
  line(index: LineIndex, i: number, out: Int32Array): boolean {
    const plain = this.plainRule(index, i, out);
    return plain !== null ? plain : this.byTokens(index.text(i), out);
  }

  /** The reference: the rule read from its tokens as the full reading reads it. */
  byTokens(text: string, out: Int32Array): boolean {
    const t = SEPARATORS.test(text) ? null : tokensOf(text);
    if (t === null || t.values.length < 2) return false;
    let warned = false;
    let facts: RuleFacts;
    try {
      facts = ruleFacts(t, 2, { warn: () => (warned = true) });
    } catch (e) {
      if (e instanceof RuleSyntaxError) return false;
      throw e;
    }
    if (warned) return false;
    const meaning = facts.complete
      ? `F${[facts.target, facts.destination, facts.source, facts.protocol, facts.dport, facts.probability, facts.dnat?.address].map(field).join(FIELD)}`
      : `K${canonicalKey(t, 2, this.matchTexts)}${NONE}${modelFacts(facts)}`;
    this.hash.text(`${t.values[1] as string}${NONE}${field(facts.comment)}${NONE}${meaning}`).end(out);
    return true;
  }

  /**
   * The hash read from the line's bytes, for a rule written plainly: `[!] -s`/`[!] -d` IPv4
   * addresses as the full reading keeps them (plainCidr), `-p tcp|udp|sctp`, and each once of
   * `-m comment --comment`, `-m tcp|udp|sctp [--dport N]` (of the rule's protocol), `-m statistic
   * [--mode random] --probability P` (with no port, no negation and no `recent`), `-m recent` with
   * one of `--set`/`--rcheck` and each at most once of `--name W`, `--seconds N`, `--reap`, `--mask
   * 255.255.255.255`, `--rsource`; then `-j T` (a DNAT with one `--to-destination`), every word
   * printable ASCII and one space apart, each option with the values walkRule gives it. Hashed as
   * byTokens does: by its facts when they are complete, by its canonical key and every fact when
   * it holds a negation or a `recent` list (putKeyed). Null for any other line: it is read from its
   * tokens.
   */
  plainRule(index: LineIndex, i: number, out: Int32Array): boolean | null {
    const { bytes } = index;
    const start = index.starts[i] as number;
    const end = index.end(i);
    const { starts, ends, host } = this;
    for (let f = 0; f < SLOTS; f++) {
      starts[f] = -1;
      host[f] = 0;
    }
    // After `-A `: the chain's name, then options, each with one value or none (see optionAt).
    let at = start + 3;
    const chainEnd = wordEnd(bytes, at, end);
    if (chainEnd < 0 || chainEnd >= end || chainEnd === at) return null;
    let modules = 0;
    let module = 0;
    let portModule = -1;
    let recentModule = -1;
    let recentOptions = 0;
    /** Bits (1 << field) of the addresses written after `!`. */
    let negations = 0;
    let probability = -1;
    let target = false;
    at = chainEnd + 1;
    while (at < end) {
      // `!` only before `-s`/`-d`.
      const negated = bytes[at] === BANG && bytes[at + 1] === SPACE;
      if (negated) at += 2;
      const nameEnd = wordEnd(bytes, at, end);
      if (nameEnd < 0 || bytes[at] !== DASH) return null;
      const option = optionAt(bytes, at, nameEnd);
      if (negated && option !== O_SOURCE && option !== O_DESTINATION) return null;
      if (option >= O_NAME) {
        // In the `recent` match it follows, each once (written after a later `-m`, walkRule still gives it to `recent`: not plain).
        const bit = 1 << (option - O_NAME);
        if (target || module !== RECENT_MODULE || (recentOptions & bit) !== 0) return null;
        recentOptions |= bit;
        if (option >= O_SET) {
          at = nameEnd + 1;
          continue;
        }
      }
      if (nameEnd >= end) return null;
      const valueStart = nameEnd + 1;
      let valueEnd: number;
      let k = valueStart;
      if (bytes[k] === QUOTE) {
        k++;
        while (k < end && bytes[k] !== QUOTE && bytes[k] !== BACKSLASH && (bytes[k] as number) < 0x80 && (bytes[k] as number) >= SPACE) k++;
        if (bytes[k] !== QUOTE || (k + 1 < end && bytes[k + 1] !== SPACE)) return null;
        valueEnd = k + 1;
      } else {
        valueEnd = wordEnd(bytes, k, end);
        if (valueEnd < 0) return null;
      }
      if (valueEnd === valueStart) return null;
      const quoted = bytes[valueStart] === QUOTE;
      if (quoted && option !== O_COMMENT) return null;
      if (target) {
        if (option !== O_TO_DESTINATION || (starts[DNAT] as number) >= 0 || !bytesAre(bytes, starts[TARGET] as number, ends[TARGET] as number, 'DNAT')) return null;
        const ipEnd = plainIpv4End(bytes, valueStart, valueEnd);
        if (ipEnd < 0 || bytes[ipEnd] !== 0x3a /* : */ || bytes[ipEnd + 1] === 0x30 || plainNumber(bytes, ipEnd + 1, valueEnd, 65535) < 0) return null;
        starts[DNAT] = valueStart;
        ends[DNAT] = valueEnd;
      } else if (option === O_MATCH) {
        const bit = moduleBit(bytes, valueStart, valueEnd);
        if (bit === 0 || (modules & bit) !== 0 || ((bit & PORT_MODULES) !== 0 && portModule >= 0)) return null;
        modules |= bit;
        module = bit;
        if (bit & PORT_MODULES) portModule = valueStart;
        if (bit === RECENT_MODULE) recentModule = valueStart;
      } else if (option === O_JUMP) {
        target = true;
        starts[TARGET] = valueStart;
        ends[TARGET] = valueEnd;
      } else if (option === O_SOURCE || option === O_DESTINATION) {
        const f = option === O_SOURCE ? SOURCE : DESTINATION;
        const cidr = plainCidr(bytes, valueStart, valueEnd);
        if ((starts[f] as number) >= 0 || cidr === NOT_PLAIN) return null;
        starts[f] = valueStart;
        ends[f] = valueEnd;
        host[f] = cidr === HOST ? 1 : 0;
        if (negated) negations |= 1 << f;
      } else if (option === O_PROTOCOL) {
        if ((starts[PROTOCOL] as number) >= 0 || !(moduleBit(bytes, valueStart, valueEnd) & PORT_MODULES)) return null;
        starts[PROTOCOL] = valueStart;
        ends[PROTOCOL] = valueEnd;
      } else if (option === O_COMMENT) {
        if (module !== COMMENT_MODULE || (starts[COMMENT] as number) >= 0) return null;
        starts[COMMENT] = quoted ? valueStart + 1 : valueStart;
        ends[COMMENT] = quoted ? valueEnd - 1 : valueEnd;
      } else if (option === O_DPORT) {
        if (!(module & PORT_MODULES) || (starts[DPORT] as number) >= 0 || plainNumber(bytes, valueStart, valueEnd, 65535) < 0) return null;
        starts[DPORT] = valueStart;
        ends[DPORT] = valueEnd;
      } else if (option === O_MODE) {
        if (module !== STATISTIC_MODULE || !bytesAre(bytes, valueStart, valueEnd, 'random')) return null;
      } else if (option === O_PROBABILITY) {
        if (module !== STATISTIC_MODULE || probability >= 0) return null;
        const units = plainProbabilityUnits(bytes, valueStart, valueEnd);
        if (units < 0) return null;
        probability = units;
      } else if (option === O_NAME) {
        // A name walkRule would not take for a value (`!`, an option), or one the key quotes: not plain.
        if (bytes[valueStart] === DASH || bytes[valueStart] === BANG || !savedAsWritten(bytes, valueStart, valueEnd)) return null;
        starts[RECENT_NAME] = valueStart;
        ends[RECENT_NAME] = valueEnd;
      } else if (option === O_SECONDS) {
        if (plainNumber(bytes, valueStart, valueEnd, 99999) < 0) return null;
        starts[SECONDS] = valueStart;
        ends[SECONDS] = valueEnd;
      } else if (option === O_MASK) {
        if (!bytesAre(bytes, valueStart, valueEnd, '255.255.255.255')) return null;
      } else {
        return null;
      }
      at = valueEnd + 1;
    }
    // A port match of the rule's protocol with its port; a probability with no port (matchesSayAll).
    if (portModule >= 0 && ((starts[PROTOCOL] as number) < 0 || !sameWord(bytes, portModule, starts[PROTOCOL] as number))) return null;
    if ((modules & STATISTIC_MODULE) !== 0 && (probability < 0 || (starts[DPORT] as number) >= 0)) return null;
    if ((starts[DPORT] as number) >= 0 && portModule < 0) return null;
    if (!target || ((starts[DNAT] as number) < 0 && bytesAre(bytes, starts[TARGET] as number, ends[TARGET] as number, 'DNAT'))) return null;
    // Facts not complete (RuleFacts.complete): a negated address, a `recent` list.
    const keyed = negations !== 0 || recentModule >= 0;
    if (keyed && ((modules & STATISTIC_MODULE) !== 0 || !savedAsWritten(bytes, starts[TARGET] as number, ends[TARGET] as number))) return null;
    const modes = recentOptions & (R_SET | R_RCHECK);
    if (recentModule >= 0 && modes !== R_SET && modes !== R_RCHECK) return null;
    const hash = this.hash.bytes(bytes, start + 3, chainEnd).char(NONE_CODE);
    this.put(bytes, COMMENT);
    hash.char(NONE_CODE);
    if (keyed) this.putKeyed(bytes, negations, portModule < recentModule, recentOptions);
    else this.putFacts(bytes, probability);
    hash.end(out);
    return true;
  }

  /** `F` and the complete facts, as byTokens writes them. */
  private putFacts(bytes: Uint8Array, probability: number): void {
    const hash = this.hash.char(FACTS_CODE);
    for (let f = TARGET; f <= DNAT; f++) {
      if (f > TARGET) hash.char(FIELD_CODE);
      if (f === PROBABILITY) {
        if (probability < 0) hash.char(NONE_CODE);
        else hash.digits(probability);
      } else {
        this.put(bytes, f);
      }
    }
  }

  /**
   * `K`, the canonical key (canonicalKey) and every fact (modelFacts) of a plain rule, as byTokens
   * writes them (`recentOptions` none without a `recent` match, one mode with it): the key's base options in iptables-save's order, a port match with its port (one
   * without says nothing) and the `recent` match in written order (a stateful match keeps it; there
   * is no third, so sorting one is nothing), the target; parts a space apart.
   */
  private putKeyed(bytes: Uint8Array, negations: number, portFirst: boolean, recentOptions: number): void {
    const { hash, starts } = this;
    const port = (starts[DPORT] as number) >= 0;
    const set = (recentOptions & R_SET) !== 0;
    hash.char(KEY_CODE);
    this.putBase(bytes, '-s ', SOURCE, negations);
    this.putBase(bytes, '-d ', DESTINATION, negations);
    this.putBase(bytes, '-p ', PROTOCOL, 0);
    if (port && portFirst) this.putPortMatch(bytes);
    if (recentOptions !== 0) this.putRecentMatch(bytes, set, recentOptions);
    if (port && !portFirst) this.putPortMatch(bytes);
    hash.text('-j ');
    this.put(bytes, TARGET);
    if ((starts[DNAT] as number) >= 0) {
      hash.text(' --to-destination ');
      this.put(bytes, DNAT);
    }
    hash.char(NONE_CODE);
    this.put(bytes, TARGET);
    hash.char(FIELD_CODE).text('false').char(FIELD_CODE); // goto
    this.putFact(bytes, DESTINATION, negations);
    hash.char(FIELD_CODE);
    this.putFact(bytes, SOURCE, negations);
    hash.char(FIELD_CODE);
    this.put(bytes, PROTOCOL);
    hash.char(FIELD_CODE);
    this.put(bytes, DPORT);
    hash.char(FIELD_CODE).char(NONE_CODE).char(FIELD_CODE); // no probability
    if ((starts[DNAT] as number) >= 0) {
      hash.char(0x3d /* = */);
      this.put(bytes, DNAT);
    } else {
      hash.char(NONE_CODE);
    }
    // Selective: an address or a port.
    hash.char(FIELD_CODE).text((starts[SOURCE] as number) >= 0 || (starts[DESTINATION] as number) >= 0 || port ? 'true' : 'false');
    hash.char(FIELD_CODE).text('false').char(FIELD_CODE); // no unsupported revision
    if (recentOptions === 0) {
      hash.char(NONE_CODE);
      return;
    }
    if ((starts[RECENT_NAME] as number) >= 0) this.put(bytes, RECENT_NAME);
    else hash.text('DEFAULT');
    hash.char(FIELD_CODE).text(set ? 'set' : 'rcheck').char(FIELD_CODE);
    this.put(bytes, SECONDS);
    hash.char(FIELD_CODE).text('false'); // not unusual
  }

  /** A base option of the key and the space after it, if the rule has it. */
  private putBase(bytes: Uint8Array, option: string, f: number, negations: number): void {
    if ((this.starts[f] as number) < 0) return;
    if ((negations & (1 << f)) !== 0) this.hash.text('! ');
    this.hash.text(option);
    this.put(bytes, f);
    this.hash.char(SPACE);
  }

  /** The port match of the key (of the rule's protocol, with its port) and the space after it. */
  private putPortMatch(bytes: Uint8Array): void {
    this.hash.text('-m ');
    this.put(bytes, PROTOCOL);
    this.hash.text(' --dport ');
    this.put(bytes, DPORT);
    this.hash.char(SPACE);
  }

  /** The `recent` match of the key as recentMatch makes it (its defaults dropped, in libxt_recent's order) and the space after it. */
  private putRecentMatch(bytes: Uint8Array, set: boolean, recentOptions: number): void {
    const { hash, starts } = this;
    hash.text(set ? '-m recent --set' : '-m recent --rcheck');
    if ((starts[SECONDS] as number) >= 0) {
      hash.text(' --seconds ');
      this.put(bytes, SECONDS);
    }
    if ((recentOptions & R_REAP) !== 0) hash.text(' --reap');
    const name = starts[RECENT_NAME] as number;
    if (name >= 0 && !bytesAre(bytes, name, this.ends[RECENT_NAME] as number, 'DEFAULT')) {
      hash.text(' --name ');
      this.put(bytes, RECENT_NAME);
    }
    hash.char(SPACE);
  }

  /** An address fact: none when it is negated. */
  private putFact(bytes: Uint8Array, f: number, negations: number): void {
    if ((negations & (1 << f)) !== 0) this.hash.char(NONE_CODE);
    else this.put(bytes, f);
  }

  private put(bytes: Uint8Array, f: number): void {
    const start = this.starts[f] as number;
    if (start < 0) {
      this.hash.char(NONE_CODE);
      return;
    }
    this.hash.bytes(bytes, start, this.ends[f] as number);
    if (this.host[f] === 1) this.hash.text('/32');
  }
}

/** Where the word at `at` ends (a space or `end`), or -1 when it holds a quote, a control character or a byte past ASCII. */
function wordEnd(bytes: Uint8Array, at: number, end: number): number {
  let k = at;
  for (; k < end; k++) {
    const c = bytes[k] as number;
    if (c === SPACE) break;
    if (c === QUOTE || c >= 0x80 || c < SPACE) return -1;
  }
  return k;
}

const O_OTHER = 0;
const O_MATCH = 1;
const O_JUMP = 2;
const O_SOURCE = 3;
const O_DESTINATION = 4;
const O_PROTOCOL = 5;
const O_COMMENT = 6;
const O_DPORT = 7;
const O_MODE = 8;
const O_PROBABILITY = 9;
const O_TO_DESTINATION = 10;
/** `recent`'s, from here on (R_ bits follow their order): with one value, then with none from O_SET on. */
const O_NAME = 11;
const O_SECONDS = 12;
const O_MASK = 13;
const O_SET = 14;
const O_RCHECK = 15;
const O_REAP = 16;
const O_RSOURCE = 17;
const R_SET = 1 << (O_SET - O_NAME);
const R_RCHECK = 1 << (O_RCHECK - O_NAME);
const R_REAP = 1 << (O_REAP - O_NAME);

/** The option named at bytes [at, end) that a plain rule may hold (see plainRule), or O_OTHER. */
function optionAt(bytes: Uint8Array, at: number, end: number): number {
  switch (end - at) {
    case 2:
      switch (bytes[at + 1]) {
        case 0x6d /* m */:
          return O_MATCH;
        case 0x6a /* j */:
          return O_JUMP;
        case 0x73 /* s */:
          return O_SOURCE;
        case 0x64 /* d */:
          return O_DESTINATION;
        case 0x70 /* p */:
          return O_PROTOCOL;
        default:
          return O_OTHER;
      }
    case 5:
      return bytesAre(bytes, at, end, '--set') ? O_SET : O_OTHER;
    case 6:
      if (bytesAre(bytes, at, end, '--mode')) return O_MODE;
      if (bytesAre(bytes, at, end, '--name')) return O_NAME;
      if (bytesAre(bytes, at, end, '--reap')) return O_REAP;
      return bytesAre(bytes, at, end, '--mask') ? O_MASK : O_OTHER;
    case 7:
      return bytesAre(bytes, at, end, '--dport') ? O_DPORT : O_OTHER;
    case 8:
      return bytesAre(bytes, at, end, '--rcheck') ? O_RCHECK : O_OTHER;
    case 9:
      if (bytesAre(bytes, at, end, '--comment')) return O_COMMENT;
      if (bytesAre(bytes, at, end, '--seconds')) return O_SECONDS;
      return bytesAre(bytes, at, end, '--rsource') ? O_RSOURCE : O_OTHER;
    case 13:
      return bytesAre(bytes, at, end, '--probability') ? O_PROBABILITY : O_OTHER;
    case 16:
      return bytesAre(bytes, at, end, '--to-destination') ? O_TO_DESTINATION : O_OTHER;
    default:
      return O_OTHER;
  }
}

const COMMENT_MODULE = 1;
const STATISTIC_MODULE = 2;
const TCP = 4;
const UDP = 8;
const SCTP = 16;
const PORT_MODULES = TCP | UDP | SCTP;
const RECENT_MODULE = 32;

/** The module a plain rule may name (see plainRule), as a bit; 0 for any other. */
function moduleBit(bytes: Uint8Array, start: number, end: number): number {
  if (bytesAre(bytes, start, end, 'comment')) return COMMENT_MODULE;
  if (bytesAre(bytes, start, end, 'statistic')) return STATISTIC_MODULE;
  if (bytesAre(bytes, start, end, 'tcp')) return TCP;
  if (bytesAre(bytes, start, end, 'udp')) return UDP;
  if (bytesAre(bytes, start, end, 'sctp')) return SCTP;
  if (bytesAre(bytes, start, end, 'recent')) return RECENT_MODULE;
  return 0;
}

/** Whether the words at `x` and `y` (each ending at a space or the line's end) are one. */
function sameWord(bytes: Uint8Array, x: number, y: number): boolean {
  let k = 0;
  for (;;) {
    const c = bytes[x + k];
    const d = bytes[y + k];
    const xEnds = c === SPACE || c === 0x0a || c === undefined;
    const yEnds = d === SPACE || d === 0x0a || d === undefined;
    if (xEnds || yEnds) return xEnds && yEnds;
    if (c !== d) return false;
    k++;
  }
}

const UNKNOWN = 0;
const HASHED = 1;
const UNHASHABLE = 2;

/** The meaning hashes of one dump's rule lines, each made the first time it is asked for (or ahead, by `make`). */
export class LineMeanings {
  readonly hashes: Int32Array;
  readonly state: Uint8Array;

  constructor(count: number) {
    this.hashes = new Int32Array(2 * count);
    this.state = new Uint8Array(count);
  }

  /** Rule line `i`'s meaning hash in `out`; false when it has none. */
  of(index: LineIndex, i: number, hasher: MeaningHasher, out: Int32Array): boolean {
    if (this.state[i] === UNKNOWN) this.make(index, i, hasher, out);
    out[0] = this.hashes[2 * i] as number;
    out[1] = this.hashes[2 * i + 1] as number;
    return this.state[i] === HASHED;
  }

  make(index: LineIndex, i: number, hasher: MeaningHasher, scratch: Int32Array): void {
    const hashed = hasher.line(index, i, scratch);
    this.state[i] = hashed ? HASHED : UNHASHABLE;
    this.hashes[2 * i] = scratch[0] as number;
    this.hashes[2 * i + 1] = scratch[1] as number;
  }
}
