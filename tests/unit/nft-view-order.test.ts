/**
 * The diff's view of an nftables listing lists a table's chains, then its maps, then its sets, each
 * by name (lib/parse/nft/dump.ts rulesetView): the order of plain string comparison, whatever the
 * names hold (prefixes of one another, a NUL in an `nft -j` name).
 */
import { fc, test as property } from '@fast-check/jest';
import { NftChain, newSet, newTable, rulesetView } from '../../lib/parse/nft/dump';

const byComparison = (names: string[]) => [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

const name = fc.oneof(fc.stringMatching(/^(?:endpoint|service|external)-[A-Z0-9]{0,3}(?:-ns\/svc\/tcp)?$/), fc.string({ maxLength: 6 }), fc.constantFrom('a', 'a\0', 'a\0b', 'ab'));

property.prop([fc.uniqueArray(name, { maxLength: 60 }), fc.uniqueArray(name, { maxLength: 10 })])('chains by name, then maps, then sets, as plain comparison orders them', (chains, sets) => {
  const table = newTable('ip', 'kube-proxy', 1);
  chains.forEach((c, i) => table.chains.set(c, new NftChain(c, i + 2)));
  sets.forEach((s, i) => table.sets.set(s, newSet(s, i % 2 === 0 ? 'map' : 'set', i + 100)));
  const view = [...(rulesetView([table]).tables.get('ip kube-proxy')?.chains.keys() ?? [])];
  const maps = sets.filter((_, i) => i % 2 === 0);
  const plainSets = sets.filter((_, i) => i % 2 === 1);
  expect(view).toEqual([...byComparison(chains), ...byComparison(maps).map((m) => `map ${m}`), ...byComparison(plainSets).map((s) => `set ${s}`)]);
});
