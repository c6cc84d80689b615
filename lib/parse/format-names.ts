/**
 * What `--format` takes besides `auto`, in the order the readers are tried (registry.ts). Kept
 * apart from the readers so that declaring the option loads none of them.
 */
export const FORMAT_NAMES = ['kube-proxy-log', 'iptables-nft', 'nftables', 'ipvs', 'iptables-list', 'iptables'] as const;

export type FormatName = (typeof FORMAT_NAMES)[number];
