/**
 * natdiff's reader for kube-proxy's nftables mode: `nft list table ip|ip6 kube-proxy`, `nft list
 * ruleset` (other tables kept, not modelled), with or without `-a`, and `nft -j` JSON of the same.
 * The rule layer (lib/parse/nft) is nft's own syntax; this folder reads kube-proxy's layout from it.
 */
import { readNft, type ReadOptions } from '../nft/read';
import type { NftDump } from '../nft/dump';

export { looksLikeNftables } from './detect';
export { describeNftables, nftablesServiceNames, isKubeProxyTable, type DescribeOptions } from './services';
export type { NftChain, NftSet, NftTable, SetViewChain } from '../nft/dump';
export type { NftElement, NftRule } from '../nft/rule';

export type NftablesDump = NftDump;

export type NftablesReadOptions = ReadOptions;

/** Reads the rule layer: tables, chains (base chains with hook, type, priority, policy), rules, sets and maps. Bad input is an InputError. */
export function readNftables(text: string, options: NftablesReadOptions): NftablesDump {
  return readNft(text, options);
}
