/**
 * Whether rules that appear in another order can now treat some packet differently. Two rules
 * can swap freely when no packet can match both: they require different single destination
 * addresses, or different protocol/port pairs. A rule without such a selector (a wildcard) must
 * keep its position relative to every other rule. The check is linear: kube-proxy reshuffles
 * KUBE-SERVICES on every sync, and that chain can hold tens of thousands of rules.
 */
import type { Selector } from '../model/ruleset';
import type { OrderEffect } from './types';

function hash32(s: string, seed: number): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619) >>> 0;
  return h;
}

/** Multiset fingerprints of every prefix, at the given positions. */
function prefixFingerprints(keys: string[], positions: number[]): string[] {
  const out: string[] = [];
  let sum1 = 0;
  let sum2 = 0;
  let next = 0;
  for (let i = 0; i <= keys.length && next < positions.length; i++) {
    while (next < positions.length && positions[next] === i) {
      out.push(`${sum1}:${sum2}:${i}`);
      next++;
    }
    if (i < keys.length) {
      const k = keys[i] as string;
      sum1 = (sum1 + hash32(k, 2166136261)) >>> 0;
      sum2 = (sum2 + hash32(k, 0x9e3779b9)) >>> 0;
    }
  }
  return out;
}

function groupOf(s: Selector): string | null {
  return s.protocol !== null && s.port !== null ? `${s.protocol}|${s.port}` : null;
}

function subsequences(keys: string[], selectors: Selector[], wildcardGroups: Set<string>): Map<string, string[]> {
  const seqs = new Map<string, string[]>();
  keys.forEach((k, i) => {
    const s = selectors[i] as Selector;
    const g = groupOf(s);
    if (g === null) return;
    const id = wildcardGroups.has(g) ? g : `${g}|${s.address}`;
    const seq = seqs.get(id);
    if (seq) seq.push(k);
    else seqs.set(id, [k]);
  });
  return seqs;
}

/**
 * `before` and `after` hold the same rules (as a multiset of keys); `selectorsOf()` gives the
 * after-side rules' selectors (the same for equal keys), asked for only when the order changed.
 * Null when the order is unchanged.
 */
export function orderEffect(before: string[], after: string[], selectorsOf: () => Selector[]): OrderEffect | null {
  if (before.length === after.length && before.every((k, i) => k === after[i])) return null;
  const selectors = selectorsOf();
  const selectorOf = new Map<string, Selector>();
  after.forEach((k, i) => selectorOf.set(k, selectors[i] as Selector));
  const beforeSelectors = before.map((k) => selectorOf.get(k) as Selector);

  const isWildcard = (s: Selector): boolean => groupOf(s) === null;
  const wildB = before.flatMap((k, i) => (isWildcard(beforeSelectors[i] as Selector) ? [i] : []));
  const wildA = after.flatMap((k, i) => (isWildcard(selectors[i] as Selector) ? [i] : []));
  if (wildB.length !== wildA.length || wildB.some((i, n) => before[i] !== after[wildA[n] as number])) return 'possible';
  const fpB = prefixFingerprints(before, wildB);
  const fpA = prefixFingerprints(after, wildA);
  if (fpB.some((f, n) => f !== fpA[n])) return 'possible';

  // Within one protocol/port, rules for different single addresses are disjoint; a rule for any
  // address overlaps them all, so then the whole group keeps its order.
  const wildcardGroups = new Set<string>();
  for (const s of selectors) {
    const g = groupOf(s);
    if (g !== null && s.address === null) wildcardGroups.add(g);
  }
  const seqB = subsequences(before, beforeSelectors, wildcardGroups);
  const seqA = subsequences(after, selectors, wildcardGroups);
  for (const [id, seq] of seqB) {
    const other = seqA.get(id);
    if (!other || other.length !== seq.length || seq.some((k, i) => k !== other[i])) return 'possible';
  }
  return 'none';
}
