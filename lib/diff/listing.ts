/**
 * A changed chain as normalized text, for a textual diff of what changed: canonical rule lines,
 * under the after-side name (so a rename alone is no difference), sorted when their order is
 * noise. Built only when a report asks (Markdown): it parses every rule of the chain.
 */
import type { ChainDiff } from './types';

export function chainListing(c: ChainDiff, side: 'before' | 'after'): string[] {
  const lines = c.rules[side].map((r) => (side === 'before' ? r.textIn(c.name) : r.text));
  return c.rules.orderIsNoise ? lines.sort() : lines;
}
