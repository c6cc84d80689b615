/**
 * What kube-proxy's chains do, read from their rules: which picks an endpoint (a numgen vmap of
 * endpoint chains, a numgen map of addresses, a lone DNAT), which only routes to those (external
 * chains), where an endpoint chain sends traffic, and which chains the hooks still reach.
 */
import { joinHostPort } from '../../model/addresses';
import { collectElement, collectStatement, type Expr, type Names, type SetElement, type Statement } from '../nft/ast';
import type { NftChain, NftTable } from '../nft/dump';
import type { NftRule } from '../nft/rule';
import { isInteger } from '../nft/values';

/** Where one bucket of the numgen sends a connection: an endpoint chain, or (1.36+) an address. */
export type BucketTarget = { chain: string } | { address: string | null };

export interface NumgenPick {
  rule: NftRule;
  mode: string;
  mod: number;
  offset: number;
  /** Bucket number → target, as the map lists them. */
  buckets: Map<number, BucketTarget>;
}

export interface PolicyContent {
  pick: NumgenPick | null;
  /** A DNAT without numgen: all traffic to one address (a single endpoint on master). */
  direct: { rule: NftRule; address: string | null } | null;
  /** `ip saddr @affinity-X goto endpoint-X`: the affinity sets consulted before balancing. */
  affinitySets: string[];
}

function portOf(e: Expr | null | undefined): number | null {
  return e?.kind === 'value' && isInteger(e.text) && Number(e.text) > 0 && Number(e.text) <= 65535 ? Number(e.text) : null;
}

function ipOf(e: Expr | null | undefined): string | null {
  return e?.kind === 'value' && !e.text.includes('/') && !e.text.includes('-') && (e.text.includes(':') || /^\d+\.\d+\.\d+\.\d+$/.test(e.text)) ? e.text : null;
}

/** `A . P` (map data) or `A` with a port beside it → `ip:port`. */
function hostPort(addr: Expr | null | undefined, port: Expr | null | undefined): string | null {
  if (addr?.kind === 'concat' && addr.items.length === 2) return hostPort(addr.items[0], addr.items[1]);
  const ip = ipOf(addr);
  const p = portOf(port);
  return ip !== null && p !== null ? joinHostPort(ip, p) : null;
}

function numgenBuckets(key: Expr, data: Expr, target: (el: SetElement) => BucketTarget | null): Omit<NumgenPick, 'rule'> | null {
  if (key.kind !== 'numgen' || data.kind !== 'set') return null;
  const buckets = new Map<number, BucketTarget>();
  for (const el of data.elements) {
    const t = target(el);
    if (el.key.kind === 'value' && isInteger(el.key.text) && t) buckets.set(Number(el.key.text), t);
  }
  return { mode: key.mode, mod: key.mod, offset: key.offset, buckets };
}

function chainOf(el: SetElement): BucketTarget | null {
  return el.data?.kind === 'verdict' && el.data.target !== null ? { chain: el.data.target } : null;
}

/** The numgen pick of one statement: `numgen … vmap { i : goto C }` or `dnat to numgen … map { i : A . P }`. */
function pickOf(s: Statement): Omit<NumgenPick, 'rule'> | null {
  if (s.kind === 'vmap') return numgenBuckets(s.key, s.data, chainOf);
  if (s.kind === 'nat' && s.nat === 'dnat' && s.addr?.kind === 'map') return numgenBuckets(s.addr.key, s.addr.data, (el) => ({ address: hostPort(el.data, null) }));
  return null;
}

function affinitySet(rule: NftRule): string | null {
  const [match, verdict] = rule.statements;
  if (rule.statements.length !== 2 || match?.kind !== 'match' || verdict?.kind !== 'verdict' || verdict.verdict !== 'goto') return null;
  const saddr = match.left.kind === 'payload' && match.left.field === 'saddr';
  return saddr && match.op === 'eq' && match.right.kind === 'ref' ? match.right.name : null;
}

/** The DNAT statement of a rule that has one with a plain address (not a map). */
export function plainDnat(rule: NftRule): { address: string | null } | null {
  for (const s of rule.statements) if (s.kind === 'nat' && s.nat === 'dnat' && s.addr?.kind !== 'map') return { address: hostPort(s.addr, s.port) };
  return null;
}

export function readPolicy(chain: NftChain): PolicyContent {
  const content: PolicyContent = { pick: null, direct: null, affinitySets: [] };
  for (const rule of chain.rules) {
    const set = affinitySet(rule);
    if (set !== null) {
      content.affinitySets.push(set);
      continue;
    }
    for (const s of rule.statements) {
      const pick = pickOf(s);
      if (pick && !content.pick) content.pick = { rule, ...pick };
    }
    const dnat = plainDnat(rule);
    if (dnat && !content.direct) content.direct = { rule, address: dnat.address };
  }
  return content;
}

/** Picks an endpoint (or sends to one): a service or local chain, not an external one. */
export function picksEndpoints(c: PolicyContent): boolean {
  return c.pick !== null || c.direct !== null || c.affinitySets.length > 0;
}

export interface Jump {
  target: string;
  /** The rule matches something first (`ip saddr 10.244.0.0/16 goto …`): not every packet takes it. */
  conditional: boolean;
}

export function jumpsOf(chain: NftChain): Jump[] {
  const jumps: Jump[] = [];
  for (const rule of chain.rules) {
    const conditional = rule.statements.some((s) => s.kind === 'match');
    for (const s of rule.statements) if (s.kind === 'verdict' && s.target !== null) jumps.push({ target: s.target, conditional });
  }
  return jumps;
}

/** What a chain a no-endpoints map sends to does: kube-proxy's `reject-chain` rejects. */
export function refusal(chain: NftChain | undefined): 'reject' | 'drop' | null {
  for (const rule of chain?.rules ?? []) {
    for (const s of rule.statements) {
      if (s.kind === 'reject') return 'reject';
      if (s.kind === 'verdict' && s.verdict === 'drop') return 'drop';
    }
  }
  return null;
}

/**
 * The chains the hooks reach, through jumps, gotos and the verdict maps rules look up; null when
 * the listing holds no base chain (a single chain listed): then nothing can be said unreached.
 */
export function reachableChains(table: NftTable): Set<NftChain> | null {
  const bases = [...table.chains.values()].filter((c) => c.base !== null);
  if (bases.length === 0) return null;
  const seen = new Set<NftChain>(bases);
  const seenSets = new Set<string>();
  const queue = [...bases];
  const visit = (names: Names): void => {
    for (const name of names.sets) {
      const set = table.sets.get(name);
      if (!set || seenSets.has(name)) continue;
      seenSets.add(name);
      const inSet: Names = { chains: [], sets: [] };
      for (const el of set.elements) collectElement(el.element, inSet);
      visit(inSet);
    }
    for (const name of names.chains) {
      const chain = table.chains.get(name);
      if (!chain || seen.has(chain)) continue;
      seen.add(chain);
      queue.push(chain);
    }
  };
  for (let chain = queue.pop(); chain; chain = queue.pop()) {
    const names: Names = { chains: [], sets: [] };
    for (const rule of chain.rules) for (const s of rule.statements) collectStatement(s, names);
    visit(names);
  }
  return seen;
}
