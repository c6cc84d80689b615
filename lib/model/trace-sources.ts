/**
 * What a trace asks about a source it was not given (`is it in 10.244.0.0/16?`), and the
 * addresses a set of answers leaves: whether they can hold together (a source in 10.244.0.6/32 is
 * in 10.244.0.0/16), and one address that gives them all, for `--from`.
 */
import ipaddr from 'ipaddr.js';

export interface SourceQuestion {
  /** What tells questions apart: two rules that ask of the same networks ask the same question. */
  key: string;
  /** How a yes reads after "a source": `in 10.244.0.0/16`, `that is an address of the node`. */
  yes: string;
  /** How a no reads. */
  no: string;
  /**
   * The networks (CIDRs or addresses) a yes puts the source in, any of them: those `--from` is
   * held to. Null when the trace cannot name them (a set of something else than addresses): then
   * the answers hold whatever the source, and give no `--from`.
   */
  networks: readonly string[] | null;
}

/** `source in 10.244.0.0/16`, `source in @set`: `networks` those the rule names. */
export function sourceIn(what: string, networks: readonly string[] | null): SourceQuestion {
  return { key: networks === null ? `in ${what}` : `in ${[...networks].sort().join(' ')}`, yes: `in ${what}`, no: `not in ${what}`, networks };
}

/** `addrtype --src-type LOCAL`, `fib saddr type local`: as the trace judges a given source (loopback, or one of `nodeIps`). */
export function sourceIsNode(nodeIps: readonly string[] | null): SourceQuestion {
  return { key: 'node', yes: 'that is an address of the node', no: 'that is not an address of the node', networks: [...(nodeIps ?? []), '127.0.0.0/8', '::1'] };
}

export type Family = 4 | 6;

export function familyOf(ip: string): Family {
  return ip.includes(':') ? 6 : 4;
}

/** Inclusive, as numbers. */
type Range = readonly [bigint, bigint];

function bits(family: Family): number {
  return family === 4 ? 32 : 128;
}

function toNumber(bytes: number[]): bigint {
  return bytes.reduce((n, b) => (n << 8n) | BigInt(b), 0n);
}

interface Network {
  family: Family;
  range: Range;
}

/** `10.0.0.0/8`, `fd00::/64`, or a bare address, as a range; null for text that is neither. */
function readNetwork(text: string): Network | null {
  try {
    const [address, prefix] = text.includes('/') ? ipaddr.parseCIDR(text) : [ipaddr.parse(text), text.includes(':') ? 128 : 32];
    const family: Family = address.kind() === 'ipv6' ? 6 : 4;
    const host = BigInt(bits(family) - prefix);
    const lo = (toNumber(address.toByteArray()) >> host) << host;
    return { family, range: [lo, lo + (1n << host) - 1n] };
  } catch {
    return null;
  }
}

const PARSED_NETWORKS_LIMIT = 100_000;

/**
 * Networks read, by their text: a trace tests the same few against every rule it walks. One per
 * trace, or per `--verify` run (whose traces meet the same networks), never a module's: what a
 * run read is let go with it. Cleared past a bound.
 */
export class ParsedNetworks {
  private readonly read = new Map<string, Network | null>();

  of(text: string): Network | null {
    let network = this.read.get(text);
    if (network === undefined) {
      network = readNetwork(text);
      if (this.read.size >= PARSED_NETWORKS_LIMIT) this.read.clear();
      this.read.set(text, network);
    }
    return network;
  }
}

/**
 * Whether `ip` is in `cidr` (`10.0.0.0/8`, `fd00::/64`, or a bare address); false across families
 * or for text that is neither. `networks`: those read before by the same trace.
 */
export function ipInCidr(ip: string, cidr: string, networks = new ParsedNetworks()): boolean {
  const address = networks.of(ip);
  const network = networks.of(cidr);
  if (!address || !network || address.family !== network.family || address.range[0] !== address.range[1]) return false;
  return address.range[0] >= network.range[0] && address.range[0] <= network.range[1];
}

/** The addresses of a network of `family`, or [] for one of the other family; null for text that is not one. */
function rangeOf(network: string, family: Family, networks: ParsedNetworks): Range[] | null {
  const n = networks.of(network);
  if (!n) return null;
  return n.family === family ? [n.range] : [];
}

/** Sorted, merged. */
function normalized(ranges: readonly Range[]): Range[] {
  const sorted = [...ranges].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const out: [bigint, bigint][] = [];
  for (const [lo, hi] of sorted) {
    const last = out[out.length - 1];
    if (last && lo <= last[1] + 1n) last[1] = hi > last[1] ? hi : last[1];
    else out.push([lo, hi]);
  }
  return out;
}

function intersect(a: readonly Range[], b: readonly Range[]): Range[] {
  const out: Range[] = [];
  for (const [alo, ahi] of a) {
    for (const [blo, bhi] of b) {
      const lo = alo > blo ? alo : blo;
      const hi = ahi < bhi ? ahi : bhi;
      if (lo <= hi) out.push([lo, hi]);
    }
  }
  return normalized(out);
}

function subtract(a: readonly Range[], b: readonly Range[]): Range[] {
  let out: Range[] = [...a];
  for (const [blo, bhi] of b) {
    out = out.flatMap(([lo, hi]): Range[] => {
      if (bhi < lo || blo > hi) return [[lo, hi]];
      const kept: Range[] = [];
      if (blo > lo) kept.push([lo, blo - 1n]);
      if (bhi < hi) kept.push([bhi + 1n, hi]);
      return kept;
    });
  }
  return out;
}

function addressText(n: bigint, family: Family): string {
  const bytes: number[] = [];
  for (let i = bits(family) / 8 - 1; i >= 0; i--) bytes.push(Number((n >> BigInt(i * 8)) & 0xffn));
  return ipaddr.fromByteArray(bytes).toString();
}

/** The sources a set of answers leaves; immutable. */
export class SourceSpace {
  private constructor(
    private readonly family: Family,
    /** Sorted, disjoint. */
    private readonly ranges: readonly Range[],
    /** An answer about networks the trace cannot name was given: no address stands for the space. */
    private readonly unnamed: boolean,
    /** Those of the trace. */
    private readonly networks: ParsedNetworks,
  ) {}

  /** Every source of the family; `networks` those the trace read. */
  static all(family: Family, networks = new ParsedNetworks()): SourceSpace {
    return new SourceSpace(family, [[0n, (1n << BigInt(bits(family))) - 1n]], false, networks);
  }

  /** What is left once `question` is answered so; null when no source is left (the answers contradict). */
  with(question: SourceQuestion, answer: boolean): SourceSpace | null {
    const ranges = question.networks === null ? null : question.networks.map((n) => rangeOf(n, this.family, this.networks));
    if (ranges === null || ranges.some((r) => r === null)) return new SourceSpace(this.family, this.ranges, true, this.networks);
    const of = normalized((ranges as Range[][]).flat());
    const left = answer ? intersect(this.ranges, of) : subtract(this.ranges, of);
    return left.length === 0 ? null : new SourceSpace(this.family, left, this.unnamed, this.networks);
  }

  /**
   * A source the answers hold for: the first host of the first range left (`10.244.0.1`, not the
   * network's `.0`), outside loopback where there is more (a node's address, not 127.0.0.1); null
   * when none can be named.
   */
  example(): string | null {
    if (this.unnamed) return null;
    const loopback = rangeOf(this.family === 4 ? '127.0.0.0/8' : '::1', this.family, this.networks) as Range[];
    const first = subtract(this.ranges, loopback)[0] ?? this.ranges[0];
    if (!first) return null;
    return addressText(first[1] > first[0] ? first[0] + 1n : first[0], this.family);
  }
}

/** Whether every source a yes to `a` allows is one a yes to `b` allows (`in 10.244.0.6/32` implies `in 10.244.0.0/16`). */
export function implies(a: SourceQuestion, b: SourceQuestion, family: Family, networks: ParsedNetworks): boolean {
  if (a.networks === null || b.networks === null) return false;
  const ra = normalized(a.networks.flatMap((n) => rangeOf(n, family, networks) ?? []));
  const rb = normalized(b.networks.flatMap((n) => rangeOf(n, family, networks) ?? []));
  return ra.length > 0 && subtract(ra, rb).length === 0;
}
