/**
 * nft statements of iptables-nft tables → the iptables rules iptables-save prints for them.
 * Ground truth: tests/fixtures/iptables-nft/misc.* (one rule per translation, loaded with the real
 * iptables-restore and printed by the real nft and iptables-save), and the forms the corpus holds.
 */
import { parseIptablesDump, type IptablesDump } from '../../lib/parse/iptables/parse-dump';
import type { IptablesRule } from '../../lib/parse/iptables/rule';
import { readIptablesNft } from '../../lib/parse/iptables-nft';
import { fixture } from '../support/snapshots';

/** The iptables rules the reader makes of nft rule lines (in `table ip nat`, chain C). */
function translated(...rules: string[]): string[] {
  const text = `table ip nat {\n\tchain C {\n${rules.map((r) => `\t\t${r}\n`).join('')}\t}\n}\n`;
  const rows = readIptablesNft(text, { source: 't' }).ruleset.tables.get('nat')?.chains.get('C')?.rules ?? [];
  return rows.map((r) => r.raw);
}

function chainRules(dump: IptablesDump, table: string, chain: string): IptablesRule[] {
  return dump.ruleset.tables.get(table)?.chains.get(chain)?.rules ?? [];
}

describe('every rule iptables-nft stores, as nft prints it, reads as the rule iptables-save prints', () => {
  const nft = readIptablesNft(fixture('iptables-nft', 'misc.list.txt'), { source: 'misc.list.txt' });
  const save = parseIptablesDump(fixture('iptables-nft', 'misc.iptables-save.txt'), { source: 'misc.iptables-save.txt' });
  /** What nft does not show, or shows alike for two iptables forms; the key says which. */
  const DIFFER: Record<string, string> = {
    '-m recent --rcheck --seconds 10800 --reap --name KUBE-SEP-X -j RETURN': '-m recent -j RETURN',
    '-m physdev --physdev-is-in -j RETURN': '-m physdev -j RETURN',
    // -m state and -m conntrack --ctstate both print as `ct state new`; kube-proxy writes conntrack
    '-m state --state NEW -j RETURN': '-m conntrack --ctstate NEW -j RETURN',
    // nft prints these in its own syntax, which has no iptables form here: kept as nft text
    '-p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN -j RETURN': '-m nft --expression "/ fin,syn,rst,ack" -m nft --expression "tcp flags syn" -j RETURN',
    '-m limit --limit 5/sec -j LOG --log-prefix "x "': '-m nft --expression "limit rate 5/second" -m nft --expression "log prefix \\"x \\""',
  };

  test.each([
    ['nat', 'MISC'],
    ['filter', 'F'],
  ])('%s %s: rule by rule, the same keys', (table, chain) => {
    const expected = chainRules(save, table, chain).map((r) => DIFFER[r.key] ?? r.key);
    expect(chainRules(nft, table, chain).map((r) => r.key)).toEqual(expected);
  });

  test('what has no iptables form is said once per statement, with its line', () => {
    expect(nft.warnings.filter((w) => w.message.startsWith('nft statement')).map((w) => `${w.line} ${w.message}`)).toEqual([
      '81 nft statement with no iptables form, kept as nft text: tcp flags syn',
      '81 nft statement with no iptables form, kept as nft text: / fin,syn,rst,ack',
      '82 nft statement with no iptables form, kept as nft text: limit rate 5/second',
      '82 nft statement with no iptables form, kept as nft text: log prefix "x "',
    ]);
  });
});

describe('the translations kube-proxy and CNI rules need', () => {
  test.each([
    ['meta random & 2147483647 < 1073741824 counter packets 0 bytes 0 jump KUBE-SEP-A', '-m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-A'],
    ['meta random & 2147483647 < 715827883 jump KUBE-SEP-A', '-m statistic --mode random --probability 0.33333333349 -j KUBE-SEP-A'],
    ['meta random & 2147483647 >= 536870912 return', '-m statistic --mode random ! --probability 0.25000000000 -j RETURN'],
    ['meta l4proto tcp ip saddr != 10.244.0.0/16 ip daddr 10.96.0.10  tcp dport 53 counter packets 0 bytes 0 jump KUBE-MARK-MASQ', '! -s 10.244.0.0/16 -d 10.96.0.10/32 -p tcp -m tcp --dport 53 -j KUBE-MARK-MASQ'],
    ['udp dport 53 accept', '-p udp -m udp --dport 53 -j ACCEPT'],
    [' fib daddr type local counter packets 50 bytes 3000 jump KUBE-NODEPORTS', '-m addrtype --dst-type LOCAL -j KUBE-NODEPORTS'],
    [' fib saddr type local counter packets 0 bytes 0 jump KUBE-MARK-MASQ', '-m addrtype --src-type LOCAL -j KUBE-MARK-MASQ'],
    ['oifname "vxlan.calico"  fib saddr . oif type != local fib saddr type local counter packets 0 bytes 0 masquerade fully-random', '-o vxlan.calico -m addrtype ! --src-type LOCAL --limit-iface-out -m addrtype --src-type LOCAL -j MASQUERADE --random-fully'],
    ['iifname "cali*" drop', '-i cali+ -j DROP'],
    ['meta mark & 0x00004000 != 0x00004000 counter packets 802 bytes 49669 return', '-m mark ! --mark 0x4000/0x4000 -j RETURN'],
    ['mark and 0x4000 != 0x4000 return', '-m mark ! --mark 0x4000/0x4000 -j RETURN'],
    ['counter packets 9 bytes 540 meta mark set mark or 0x4000', '-j MARK --set-xmark 0x4000/0x4000'],
    ['counter packets 9 bytes 540 meta mark set mark xor 0x4000', '-j MARK --set-xmark 0x4000/0x0'],
    ['meta mark set mark and 0xffffbfff', '-j MARK --set-xmark 0x0/0x4000'],
    ['meta mark set mark and 0xfffffff0 xor 0x1', '-j MARK --set-xmark 0x1/0xf'],
    [' counter packets 9 bytes 540 masquerade fully-random', '-j MASQUERADE --random-fully'],
    ['meta l4proto tcp   counter packets 0 bytes 0 dnat to 172.17.2.11:53', '-p tcp -j DNAT --to-destination 172.17.2.11:53'],
    ['ip daddr 10.85.0.0/16  counter packets 0 bytes 0 accept', '-d 10.85.0.0/16 -j ACCEPT'],
    ['ip daddr != 224.0.0.0/4  counter packets 0 bytes 0 masquerade', '! -d 224.0.0.0/4 -j MASQUERADE'],
    ['goto KUBE-X', '-g KUBE-X'],
    ['return', '-j RETURN'],
    ['counter packets 0 bytes 0 reject', '-j REJECT'],
    ['reject with icmp type host-prohibited', '-j REJECT --reject-with icmp-host-prohibited'],
    ['counter packets 0 bytes 0', ''],
  ])('%s', (nft, spec) => {
    expect(translated(nft)).toEqual([spec === '' ? '-A C' : `-A C ${spec}`]);
  });

  test('extensions nft shows by name only are kept by name, quoted or not, text or JSON', () => {
    expect(translated('xt match recent counter packets 0 bytes 0 jump KUBE-SEP-A', ' xt match "set" xt match "set" counter packets 0 bytes 0 masquerade fully-random', 'meta l4proto tcp xt match "comment" xt target "DNAT"')).toEqual([
      '-A C -m recent -j KUBE-SEP-A',
      '-A C -m set -m set -j MASQUERADE --random-fully',
      '-A C -p tcp -j DNAT',
    ]);
  });

  test('a comment nft prints at the end of the rule is the iptables comment', () => {
    expect(translated('meta l4proto tcp ip daddr 10.96.0.1 tcp dport 443 jump KUBE-SVC-A comment "default/kubernetes:https cluster IP"')).toEqual([
      '-A C -d 10.96.0.1/32 -p tcp -m comment --comment "default/kubernetes:https cluster IP" -m tcp --dport 443 -j KUBE-SVC-A',
    ]);
  });

  test('a port nft -S printed by its service name is kept as nft text, with a hint', () => {
    const dump = readIptablesNft('table ip nat {\n\tchain C {\n\t\tmeta l4proto tcp ip daddr 10.96.0.1 tcp dport "https" jump KUBE-SVC-A\n\t}\n}\n', { source: 's.txt' });
    expect(dump.ruleset.tables.get('nat')?.chains.get('C')?.rules.map((r) => r.raw)).toEqual(['-A C -d 10.96.0.1/32 -p tcp -m nft --expression "tcp dport https" -j KUBE-SVC-A']);
    expect(dump.warnings.map((w) => w.message)).toContain('nft statement with no iptables form, kept as nft text (a port printed by its service name: list without nft -S): tcp dport https');
  });

  test('values that could read as options or split a word are quoted', () => {
    expect(translated('iifname "-x" jump "a b"')).toEqual(['-A C -i "-x" -j "a b"']);
  });
});
