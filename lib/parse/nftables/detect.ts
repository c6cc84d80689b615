/**
 * Whether an input is kube-proxy's nftables-mode tables, from its first lines: `nft list` text with
 * `table ip kube-proxy {` / `table ip6 kube-proxy {` (alone or in a ruleset with other tables), or
 * `nft -j` JSON naming that table. iptables-nft rules seen through nft (`table ip nat { chain
 * KUBE-SERVICES …`) are kube-proxy's iptables mode: not this reader's.
 */
const TEXT_TABLE = /^[ \t]*table[ \t]+(?:ip|ip6)[ \t]+(?:kube-proxy|"kube-proxy")[ \t]*\{/m;
const JSON_DOCUMENT = /^\s*\{\s*"nftables"\s*:/;
const JSON_TABLE = /"table"\s*:\s*\{([^{}]*)\}/g;

function jsonNamesKubeProxyTable(sample: string): boolean {
  for (const m of sample.matchAll(JSON_TABLE)) {
    const body = m[1] as string;
    if (/"name"\s*:\s*"kube-proxy"/.test(body) && /"family"\s*:\s*"ip6?"/.test(body)) return true;
  }
  return false;
}

export function looksLikeNftables(sample: string): boolean {
  return JSON_DOCUMENT.test(sample) ? jsonNamesKubeProxyTable(sample) : TEXT_TABLE.test(sample);
}
