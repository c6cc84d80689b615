/**
 * Which parser an input needs, decided from its first lines. Formats natdiff does not read yet
 * are recognised and refused with a message that says what they are and what to capture instead.
 */
export type InputKind =
  | { kind: 'iptables' }
  | { kind: 'kube-proxy-log' }
  | { kind: 'unsupported'; message: string };

const SAMPLE_LINES = 200;

export const KLOG_HEADER = /^[IWEF]\d{4} \d\d:\d\d:\d\d\.\d+\s+\d+\s+\S+:\d+\] /;

const UNSUPPORTED: [RegExp, string][] = [
  [/^Chain \S+ \((?:policy \S+|\d+ references?)/, 'looks like `iptables -L` output, which drops details a diff needs; save the table with `iptables-save -t nat`'],
  [/^(?:table|add table) (?:ip|ip6|inet|arp|bridge|netdev) \S+/, 'looks like `nft list` output (kube-proxy nftables mode, or iptables-nft rules listed by nft); natdiff reads iptables rules for now: save them with `iptables-save -t nat`'],
  [/^(?:IP Virtual Server version|Prot LocalAddress:Port)/, 'looks like `ipvsadm` output (kube-proxy IPVS mode), which natdiff does not read yet; `iptables-save -t nat` still shows the iptables side'],
  [/^-A -[tuf] \S+:\d+/, 'looks like `ipvsadm-save` output (kube-proxy IPVS mode), which natdiff does not read yet'],
  [/^Name: \S+$/, 'looks like `ipset list` output, not an iptables dump'],
  [/^(?:apiVersion|kind):\s/, 'looks like a Kubernetes manifest (YAML), not an iptables dump'],
  [/^<(?:!DOCTYPE|html)/i, 'looks like an HTML page, not an iptables dump'],
];

export function detectFormat(text: string): InputKind {
  let seen = 0;
  let pos = 0;
  while (pos < text.length && seen < SAMPLE_LINES) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    const line = text.slice(pos, Math.min(end, pos + 4096)).trim();
    pos = end + 1;
    if (line === '') continue;
    seen++;
    if (KLOG_HEADER.test(line)) return { kind: 'kube-proxy-log' };
    if (line.startsWith('{') && line.includes('"msg"')) return { kind: 'kube-proxy-log' };
    for (const [pattern, message] of UNSUPPORTED) if (pattern.test(line)) return { kind: 'unsupported', message };
    if (seen === 1 && (line.startsWith('{') || line.startsWith('['))) {
      if (!/^\[\d+:\d+\]/.test(line)) return { kind: 'unsupported', message: 'looks like JSON, not an iptables dump' };
    }
  }
  return { kind: 'iptables' };
}
