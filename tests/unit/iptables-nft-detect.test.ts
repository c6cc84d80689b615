/**
 * Which reader an nft listing is for, from its first lines: iptables-nft's tables (kube-proxy's
 * iptables mode on the nf_tables back end) are this reader's; kube-proxy's nftables-mode table is
 * the nftables reader's, also beside iptables-nft tables that hold no kube-proxy chains.
 */
import { looksLikeIptablesNft } from '../../lib/parse/iptables-nft';
import { looksLikeNftables } from '../../lib/parse/nftables';
import { fixture } from '../support/snapshots';

/** What a format detector is handed: the first lines. */
function head(text: string, lines = 200): string {
  return text.split('\n').slice(0, lines).join('\n');
}

const ipt = (...parts: string[]) => fixture('iptables-nft', ...parts);

describe('iptables-nft listings', () => {
  test.each([
    ['nft list ruleset 2>&1 (the managed-by warning first)', ipt('cluster.list.txt')],
    ['nft -a list ruleset', ipt('cluster.list-a.txt')],
    ['nft list table ip nat', ipt('cluster.nat.txt')],
    ['nft -j list ruleset', ipt('cluster.json')],
    ['IPv6', ipt('cluster-ipv6.nat.txt')],
    ['corpus 22 (calico, counters)', fixture('corpus', '22-kubeadm-calico-iptables-nft-nft-list-ruleset-nat-worker01.txt')],
    ['the captured payload (no warning line, filter table first)', fixture('nftables', 'iptables-nft-kube-proxy-payload.ruleset.txt')],
    ['a table of CNI chains only, known by its xt expressions', 'table ip nat {\n\tchain cali-nat-outgoing {\n\t\txt match "set" masquerade\n\t}\n}\n'],
  ])('%s: iptables-nft, not nftables mode', (_, text) => {
    expect(looksLikeIptablesNft(head(text))).toBe(true);
    expect(looksLikeNftables(head(text))).toBe(false);
  });
});

describe('other inputs', () => {
  test.each([
    ['kube-proxy nftables mode (text)', fixture('nftables', 'k8s-1.34-1.35.list.txt')],
    ['kube-proxy nftables mode (JSON)', fixture('nftables', 'k8s-1.34-1.35.json')],
    ['both kube-proxy tables and a host firewall', fixture('nftables', 'ruleset-both-families.list.txt')],
    ['a hand-written nft nat table (lower-case chains)', 'table ip nat {\n\tchain postrouting {\n\t\ttype nat hook postrouting priority srcnat; policy accept;\n\t\toifname "eth0" masquerade\n\t}\n}\n'],
    ['iptables-save', ipt('cluster.iptables-save.txt')],
    ['a restore payload', ipt('cluster.payload.txt')],
  ])('%s: not iptables-nft', (_, text) => {
    expect(looksLikeIptablesNft(head(text))).toBe(false);
  });

  test('kube-proxy\'s nftables table beside calico\'s iptables-nft tables is the nftables reader\'s; beside kube-proxy\'s iptables-mode chains, this one\'s', () => {
    const calico = 'table ip nat {\n\tchain cali-POSTROUTING {\n\t\txt match "set" masquerade\n\t}\n}\n';
    const kubeProxyNft = fixture('nftables', 'k8s-1.34-1.35.list.txt');
    expect(looksLikeIptablesNft(calico + kubeProxyNft)).toBe(false);
    expect(looksLikeNftables(calico + kubeProxyNft)).toBe(true);
    expect(looksLikeIptablesNft(head(ipt('cluster.list.txt')) + kubeProxyNft)).toBe(true);
  });
});
