/**
 * Dump pairs shaped to make a diff grow faster than its input: many rules or chains that are
 * alike, which every lookup by key or content puts under one key.
 */

const dump = (lines: string[]): string => `*nat\n${lines.join('\n')}\nCOMMIT\n`;

/** One chain of `n` identical rules; after, one rule more. */
export function identicalRulesPair(n: number): [string, string] {
  const rules = Array.from({ length: n }, () => '-A BIG -j RETURN');
  return [dump([':BIG - [0:0]', ...rules]), dump([':BIG - [0:0]', ...rules, '-A BIG -j ACCEPT'])];
}

/** One chain of `n` identical rules, each re-weighted after. */
export function reweightedRulesPair(n: number): [string, string] {
  const rules = (p: string) => Array.from({ length: n }, () => `-A BIG -m statistic --mode random --probability ${p} -j RETURN`);
  return [dump([':BIG - [0:0]', ...rules('0.5')]), dump([':BIG - [0:0]', ...rules('0.25')])];
}

/** After, `n` chains more, all with the same rule (none of them a rename: nothing tells them apart). */
export function identicalChainsPair(n: number): [string, string] {
  const names = Array.from({ length: n }, (_, i) => `C${i}`);
  const kept = [':BIG - [0:0]', '-A BIG -j RETURN'];
  return [dump(kept), dump([...kept, ...names.map((c) => `:${c} - [0:0]`), ...names.map((c) => `-A ${c} -j RETURN`)])];
}

/** `n` chains, each renamed after (its rules unchanged, each chain's its own). */
export function renamedChainsPair(n: number): [string, string] {
  const chains = (prefix: string) => Array.from({ length: n }, (_, i) => [`:${prefix}${i} - [0:0]`, `-A ${prefix}${i} -d 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32 -j RETURN`]);
  return [dump(chains('OLD').flat()), dump(chains('NEW').flat())];
}
