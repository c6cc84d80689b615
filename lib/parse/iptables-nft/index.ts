/**
 * natdiff's reader for kube-proxy's iptables mode on the iptables-nft back end, seen through nft:
 * `nft list ruleset`, `nft list table ip nat` (with or without `-a`) and `nft -j list …`. Each rule
 * of the tables iptables-nft manages is translated to the iptables rule iptables-save prints for
 * it, so the result is an IptablesDump: the iptables service model, rule keys and diff apply, and
 * a listing diffs against iptables-save of the same rules as unchanged, but for what nft does not
 * show (comments, the options of some extensions), which is said once per kind as a warning.
 */
export { looksLikeIptablesNft } from './detect';
export { readIptablesNft, type IptablesNftDump, type IptablesNftReadOptions } from './read';
export { describeIptablesNft } from './describe';
export type { XtExtension } from './xt';
