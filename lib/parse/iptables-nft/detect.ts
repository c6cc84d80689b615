/**
 * Whether an input is iptables-nft's tables printed by nft, from its first lines: `nft list` text
 * or `nft -j` JSON with an `ip`/`ip6` table named as an iptables table (`nat`, `filter`, `mangle`,
 * `raw`, `security`) holding iptables-named chains (`KUBE-…`, `PREROUTING`…) or xt expressions, or
 * nft's `# Warning: table ip nat is managed by iptables-nft` line. kube-proxy's nftables-mode table
 * (`table ip kube-proxy`) is natdiff's nftables reader's: a listing holding it is this reader's
 * only when its iptables-nft tables hold kube-proxy's iptables-mode chains (`KUBE-…`).
 */
const TABLES = '(?:filter|nat|mangle|raw|security)';
const MANAGED_WARNING = new RegExp(`^# Warning: table ip6? ${TABLES} is managed by iptables-nft`, 'm');
const TEXT_TABLE = new RegExp(`^[ \\t]*table[ \\t]+ip6?[ \\t]+${TABLES}[ \\t]*\\{`, 'm');
const TEXT_IPTABLES_CHAIN = /^[ \t]*chain[ \t]+(?:KUBE-\S+|PREROUTING|INPUT|FORWARD|OUTPUT|POSTROUTING)[ \t]*\{/m;
const TEXT_XT = /(?:^|\s)xt[ \t]+(?:match|target)[ \t]/m;
const TEXT_KUBE_CHAIN = /^[ \t]*chain[ \t]+KUBE-/m;
const TEXT_KUBE_PROXY_TABLE = /^[ \t]*table[ \t]+ip6?[ \t]+"?kube-proxy"?[ \t]*\{/m;

const JSON_DOCUMENT = /^\s*\{\s*"nftables"\s*:/;
const JSON_OBJECT = /"(table|chain)"\s*:\s*\{([^{}]*)\}/g;
const JSON_FAMILY = /"family"\s*:\s*"ip6?"/;
const JSON_IPTABLES_TABLE = new RegExp(`"(?:name|table)"\\s*:\\s*"${TABLES}"`);
const JSON_IPTABLES_CHAIN = /"name"\s*:\s*"(?:KUBE-[^"]*|PREROUTING|INPUT|FORWARD|OUTPUT|POSTROUTING)"/;
const JSON_KUBE_CHAIN = /"name"\s*:\s*"KUBE-/;
const JSON_KUBE_PROXY_TABLE = /"name"\s*:\s*"kube-proxy"/;

interface Signs {
  /** An iptables-nft table with iptables-named chains or xt expressions. */
  iptablesNft: boolean;
  kubeChains: boolean;
  kubeProxyTable: boolean;
}

function textSigns(sample: string): Signs {
  const table = TEXT_TABLE.test(sample);
  return {
    iptablesNft: MANAGED_WARNING.test(sample) || (table && (TEXT_IPTABLES_CHAIN.test(sample) || TEXT_XT.test(sample))),
    kubeChains: TEXT_KUBE_CHAIN.test(sample),
    kubeProxyTable: TEXT_KUBE_PROXY_TABLE.test(sample),
  };
}

function jsonSigns(sample: string): Signs {
  const signs: Signs = { iptablesNft: false, kubeChains: false, kubeProxyTable: false };
  let table = false;
  let chain = false;
  for (const m of sample.matchAll(JSON_OBJECT)) {
    const body = m[2] as string;
    if (!JSON_FAMILY.test(body)) continue;
    if (m[1] === 'table') {
      if (JSON_KUBE_PROXY_TABLE.test(body)) signs.kubeProxyTable = true;
      else if (JSON_IPTABLES_TABLE.test(body)) table = true;
    } else if (JSON_IPTABLES_TABLE.test(body) && JSON_IPTABLES_CHAIN.test(body)) {
      chain = true;
      if (JSON_KUBE_CHAIN.test(body)) signs.kubeChains = true;
    }
  }
  signs.iptablesNft = table && (chain || /"xt"\s*:/.test(sample));
  return signs;
}

export function looksLikeIptablesNft(sample: string): boolean {
  const signs = JSON_DOCUMENT.test(sample) ? jsonSigns(sample) : textSigns(sample);
  return signs.iptablesNft && (!signs.kubeProxyTable || signs.kubeChains);
}
