/**
 * What a dispatch rule line selects, read from its bytes when it is written as kube-proxy writes
 * one (`-A KUBE-SERVICES -d 10.96.0.10/32 -p udp -m comment --comment "…" -m udp --dport 53
 * -j KUBE-SVC-…`, or without `-d` in KUBE-NODEPORTS) and in canonical spelling only, so that two
 * lines select alike exactly when the parser's selectors (Rule.selector) are equal. Any other
 * line is not plain (NOT_PLAIN): the first pass then reads it as every other rule.
 *
 * A selector is one number (selectorKey), not a string: a first pass holds every selector of a
 * chain at once (thousands in KUBE-SERVICES), and reads them without making the lines' text.
 */

import { parseIPv4 } from './address';
import type { RuleFacts } from './rule-facts';

export const NOT_PLAIN = -1;

/** The protocols a plain rule names, in the order selectorKey numbers them (from 1). */
export const PLAIN_PROTOCOLS = ['tcp', 'udp', 'sctp'] as const;

/** IPv4 addresses are below it: an address is kept above it, to tell 0.0.0.0 from none. */
const ADDRESSES = 2 ** 32;
const PORTS = 2 ** 16;

/** A selector (protocol: 1 + its place in PLAIN_PROTOCOLS; address: IPv4 as a 32-bit number, or null) as one number (below 2^52). */
export function selectorKey(protocol: number, port: number, address: number | null): number {
  return (protocol * PORTS + port) * 2 * ADDRESSES + (address === null ? 0 : ADDRESSES + address);
}

/** The selector of `key`'s protocol and port that takes any address (a rule with no `-d`): such a rule overlaps every rule of its protocol and port. */
export function withAnyAddress(key: number): number {
  return key - (key % (2 * ADDRESSES));
}

const SPACE = 0x20;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const ZERO = 0x30;

const bytesOf = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));
const DESTINATION = bytesOf('-d ');
const MASK = bytesOf('/32 ');
const PROTOCOL = bytesOf('-p ');
const COMMENT = bytesOf('-m comment --comment "');
const MODULE = bytesOf('-m ');
const DPORT = bytesOf(' --dport ');
const JUMP = bytesOf(' -j ');
const PROTOCOL_NAMES = PLAIN_PROTOCOLS.map((p) => bytesOf(`${p} `));

/** Where `word` ends if bytes [at, end) begin with it, else -1. */
function after(bytes: Uint8Array, at: number, end: number, word: Uint8Array): number {
  if (end - at < word.length) return -1;
  for (let k = 0; k < word.length; k++) if (bytes[at + k] !== word[k]) return -1;
  return at + word.length;
}

/** Where the run of digits from `at` ends. */
function digitsEnd(bytes: Uint8Array, at: number, end: number): number {
  let k = at;
  while (k < end && (bytes[k] as number) >= ZERO && (bytes[k] as number) <= ZERO + 9) k++;
  return k;
}

/** The number the digits [from, to) write in canonical spelling (no leading zero but 0 itself, at most `digits` of them), or -1. */
function canonical(bytes: Uint8Array, from: number, to: number, digits: number): number {
  if (to === from || to - from > digits || (to - from > 1 && bytes[from] === ZERO)) return -1;
  let n = 0;
  for (let k = from; k < to; k++) n = n * 10 + (bytes[k] as number) - ZERO;
  return n;
}

/** The protocol (1 + its place in PLAIN_PROTOCOLS) named at `at`, followed by a space; 0 when none is. */
function protocolAt(bytes: Uint8Array, at: number, end: number): number {
  for (let p = 0; p < PROTOCOL_NAMES.length; p++) if (after(bytes, at, end, PROTOCOL_NAMES[p] as Uint8Array) >= 0) return p + 1;
  return 0;
}

/** The address of `A.B.C.D/32 ` (in canonical spelling) written from `at`, and where it ends in `to[0]`; -1 when none is. */
function addressAt(bytes: Uint8Array, at: number, end: number, to: Int32Array): number {
  let address = 0;
  let k = at;
  for (let octet = 0; octet < 4; octet++) {
    const digits = digitsEnd(bytes, k, end);
    const n = canonical(bytes, k, digits, 3);
    if (n < 0 || n > 255 || (octet < 3 && bytes[digits] !== 0x2e /* . */)) return -1;
    address = address * 256 + n;
    k = octet < 3 ? digits + 1 : digits;
  }
  to[0] = after(bytes, k, end, MASK);
  return to[0] < 0 ? -1 : address;
}

/** Where the address read last ends (see addressAt). */
const ADDRESS_END = new Int32Array(1);

/**
 * The selector of a rule line's rule (bytes [start, end): the rule after `-A CHAIN `) read as
 * plain, or NOT_PLAIN; where its comment lies (within its quotes) in `comment`, when given:
 * [start, end], or [-1, -1] when it has none.
 */
export function plainSelector(bytes: Uint8Array, start: number, end: number, comment?: Int32Array): number {
  let at = start;
  let address: number | null = null;
  if (after(bytes, at, end, DESTINATION) >= 0) {
    address = addressAt(bytes, at + DESTINATION.length, end, ADDRESS_END);
    if (address < 0) return NOT_PLAIN;
    at = ADDRESS_END[0] as number;
  }
  at = after(bytes, at, end, PROTOCOL);
  const protocol = at < 0 ? 0 : protocolAt(bytes, at, end);
  if (protocol === 0) return NOT_PLAIN;
  const named = PROTOCOL_NAMES[protocol - 1] as Uint8Array;
  at += named.length;
  let commentStart = -1;
  let commentEnd = -1;
  if (after(bytes, at, end, COMMENT) >= 0) {
    commentStart = at + COMMENT.length;
    commentEnd = commentStart;
    while (commentEnd < end && bytes[commentEnd] !== QUOTE && bytes[commentEnd] !== BACKSLASH) commentEnd++;
    if (bytes[commentEnd] !== QUOTE || commentEnd + 1 >= end || bytes[commentEnd + 1] !== SPACE) return NOT_PLAIN;
    at = commentEnd + 2;
  }
  at = after(bytes, at, end, MODULE);
  at = at < 0 ? -1 : after(bytes, at, end, named);
  // The module's name, then ` --dport `: the space after the name is the option's.
  at = at < 0 ? -1 : after(bytes, at - 1, end, DPORT);
  if (at < 0) return NOT_PLAIN;
  const digits = digitsEnd(bytes, at, end);
  const port = canonical(bytes, at, digits, 5);
  at = after(bytes, digits, end, JUMP);
  if (port < 1 || port >= PORTS || at < 0 || at === end) return NOT_PLAIN;
  for (let k = at; k < end; k++) if (bytes[k] === SPACE || bytes[k] === QUOTE) return NOT_PLAIN;
  if (comment) {
    comment[0] = commentStart;
    comment[1] = commentEnd;
  }
  return selectorKey(protocol, port, address);
}

/** Whether a rule line names no protocol (so the parser reads its selector as taking any packet: a wildcard). */
export function namesNoProtocol(line: string): boolean {
  return !line.includes(' -p ') && !line.includes(' --protocol ') && !line.startsWith('-p ') && !line.startsWith('--protocol ');
}

/**
 * The selector of a rule read whole (its facts: what Rule.selector is made of) as plainSelector
 * numbers it, for a rule its bytes do not show as plain (a restore payload writes its matches in
 * another order): NOT_PLAIN unless it takes one of PLAIN_PROTOCOLS and one port, and any or one
 * IPv4 address. Its facts are normalised, so two rules that select alike are numbered alike.
 */
export function factsSelector(f: Pick<RuleFacts, 'protocol' | 'dport' | 'destination'>): number {
  const protocol = PLAIN_PROTOCOLS.indexOf(f.protocol as (typeof PLAIN_PROTOCOLS)[number]) + 1;
  const port = f.dport !== null && /^\d{1,5}$/.test(f.dport) ? Number(f.dport) : 0;
  if (protocol === 0 || port < 1 || port >= PORTS) return NOT_PLAIN;
  if (f.destination === null) return selectorKey(protocol, port, null);
  const address = f.destination.endsWith('/32') ? parseIPv4(f.destination.slice(0, -3)) : null;
  return address === null ? NOT_PLAIN : selectorKey(protocol, port, address);
}
