/**
 * A changed chain as normalized text, for a textual diff of what changed: canonical rule lines,
 * under the after-side name (so a rename alone is no difference), sorted when their order is
 * noise. Built only when a report asks (Markdown): it parses every rule of the chain.
 */
import type { ChainDiff } from './types';

export function chainListing(c: ChainDiff, side: 'before' | 'after'): string[] {
  const rules = c.rules[side];
  const head = `-A ${side === 'before' ? c.rules.beforeName : c.name}`.length;
  const lines = rules.map((r) => (side === 'before' && c.rules.beforeName !== c.name ? `-A ${c.name}${r.text.slice(head)}` : r.text));
  return c.rules.orderIsNoise ? lines.sort() : lines;
}
