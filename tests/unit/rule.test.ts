import { ruleOf } from '../support/rules';

const key = (line: string) => ruleOf(line).key;

describe('one rule, written two ways, means the same', () => {
  test.each([
    [
      'kube-proxy argument order vs iptables-save order',
      '-A KUBE-SVC-X -m comment --comment "ns/s:p cluster IP" -m tcp -p tcp -d 10.96.0.1 --dport 443 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ',
      '-A KUBE-SVC-X ! -s 10.0.0.0/8 -d 10.96.0.1/32 -p tcp -m comment --comment "ns/s:p cluster IP" -m tcp --dport 443 -j KUBE-MARK-MASQ',
    ],
    ['quoting', '-A X -m comment --comment kube-system/kube-dns:dns -j RETURN', '-A X -m comment --comment "kube-system/kube-dns:dns" -j RETURN'],
    ['probability precision', '-A X -m statistic --mode random --probability 0.3333333333 -j KUBE-SEP-A', '-A X -m statistic --mode random --probability 0.33333333349 -j KUBE-SEP-A'],
    ['host mask', '-A X -d 10.96.0.1 -j RETURN', '-A X -d 10.96.0.1/32 -j RETURN'],
    ['dotted mask', '-A X -s 10.1.2.3/255.255.0.0 -j RETURN', '-A X -s 10.1.0.0/16 -j RETURN'],
    ['implicit -m tcp', '-A X -p tcp --dport 80 -j ACCEPT', '-A X -p tcp -m tcp --dport 80 -j ACCEPT'],
    ['-m tcp without options', '-A KUBE-SEP-A -m tcp -p tcp -j DNAT --to-destination 10.0.0.1:80', '-A KUBE-SEP-A -p tcp -j DNAT --to-destination 10.0.0.1:80'],
    ['protocol number and case', '-A X -p 6 -m tcp --dport 80 -j ACCEPT', '-A X -p TCP -m tcp --dport 80 -j ACCEPT'],
    ['--or-mark', '-A KUBE-MARK-MASQ -j MARK --or-mark 0x00004000', '-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000'],
    ['--xor-mark', '-A KUBE-POSTROUTING -j MARK --xor-mark 0x00004000', '-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0'],
    ['--set-mark', '-A X -j MARK --set-mark 0x10', '-A X -j MARK --set-xmark 0x10/0xffffffff'],
    ['--and-mark', '-A X -j MARK --and-mark 0x4000', '-A X -j MARK --set-xmark 0x0/0xffffbfff'],
    ['mark match width', '-A X -m mark ! --mark 0x00004000/0x00004000 -j RETURN', '-A X -m mark ! --mark 0x4000/0x4000 -j RETURN'],
    [
      'recent defaults iptables-save adds',
      '-A KUBE-SEP-A -m recent --name KUBE-SEP-A --set -m udp -p udp -j DNAT --to-destination 10.244.0.5:53',
      '-A KUBE-SEP-A -p udp -m recent --set --name KUBE-SEP-A --mask 255.255.255.255 --rsource -m udp -j DNAT --to-destination 10.244.0.5:53',
    ],
    [
      'recent check option order',
      '-A KUBE-SVC-X -m recent --name KUBE-SEP-A --rcheck --seconds 10800 --reap -j KUBE-SEP-A',
      '-A KUBE-SVC-X -m recent --rcheck --seconds 10800 --reap --name KUBE-SEP-A --mask 255.255.255.255 --rsource -j KUBE-SEP-A',
    ],
    ['REJECT default reply', '-A X -j REJECT', '-A X -j REJECT --reject-with icmp-port-unreachable'],
    ['REJECT short names', '-A X -j REJECT --reject-with host-unreach', '-A X -j REJECT --reject-with icmp-host-unreachable'],
    ['option after a later -m goes to the module that defines it', '-A X -m tcp -p tcp -m comment --comment x --dport 81 -j ACCEPT', '-A X -p tcp -m tcp --dport 81 -m comment --comment x -j ACCEPT'],
    ['match order', '-A X -m addrtype --dst-type LOCAL -m conntrack --ctstate NEW -j ACCEPT', '-A X -m conntrack --ctstate NEW -m addrtype --dst-type LOCAL -j ACCEPT'],
    ['ctstate list order', '-A X -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT', '-A X -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT'],
    ['long option names', '-A X --protocol tcp --destination 10.0.0.1 --jump ACCEPT', '-A X -p tcp -d 10.0.0.1/32 -j ACCEPT'],
    ['-p all', '-A X -p all -j ACCEPT', '-A X -j ACCEPT'],
    ['LOG default level', '-A X -j LOG --log-level warning --log-prefix "x y"', '-A X -j LOG --log-prefix "x y"'],
    ['counters of -S -v', '-A X -p tcp -m tcp --dport 80 -c 12 3400 -j ACCEPT', '-A X -p tcp -m tcp --dport 80 -j ACCEPT'],
    ['IPv6 forms', '-A X -d fd00:0:0::1 -j DNAT --to-destination [fd00:0::2]:53', '-A X -d fd00::1/128 -j DNAT --to-destination [fd00::2]:53'],
  ])('%s', (_, a, b) => {
    expect(key(a)).toBe(key(b));
    expect(ruleOf(a).transientKey()).toBe(key(b));
  });
});

describe('rules that mean different things stay different', () => {
  test.each([
    ['another probability', '-A X -m statistic --mode random --probability 0.5 -j KUBE-SEP-A', '-A X -m statistic --mode random --probability 0.25 -j KUBE-SEP-A'],
    ['a negation', '-A X -s 10.0.0.0/8 -j RETURN', '-A X ! -s 10.0.0.0/8 -j RETURN'],
    ['another target', '-A X -j KUBE-SEP-A', '-A X -j KUBE-SEP-B'],
    ['another DNAT destination', '-A X -p tcp -j DNAT --to-destination 10.0.0.1:80', '-A X -p tcp -j DNAT --to-destination 10.0.0.1:81'],
    ['another mark mask', '-A X -j MARK --set-xmark 0x4000/0x4000', '-A X -j MARK --set-xmark 0x4000/0x0'],
    ['a recent list on the other side', '-A X -m recent --set --name A -j ACCEPT', '-A X -m recent --set --name A --rdest -j ACCEPT'],
    ['jump vs goto', '-A X -j Y', '-A X -g Y'],
  ])('%s', (_, a, b) => {
    expect(key(a)).not.toBe(key(b));
  });
});

describe('what a rule carries besides its key', () => {
  test('the comment is not part of the key, but is kept and shown', () => {
    const a = ruleOf('-A X -m comment --comment "ns/s:p -> 10.0.0.1:80" -j KUBE-SEP-A');
    const b = ruleOf('-A X -j KUBE-SEP-A');
    expect(a.key).toBe(b.key);
    expect(a.comment).toBe('ns/s:p -> 10.0.0.1:80');
    expect(a.text).toBe('-A X -m comment --comment "ns/s:p -> 10.0.0.1:80" -j KUBE-SEP-A');
  });

  test('canonical text reads like iptables-save output', () => {
    const r = ruleOf('-A KUBE-SERVICES -m comment --comment "ns/s:p cluster IP" -m tcp -p tcp -d 10.96.0.1 --dport 443 -j KUBE-SVC-X');
    expect(r.text).toBe('-A KUBE-SERVICES -d 10.96.0.1/32 -p tcp -m comment --comment "ns/s:p cluster IP" -m tcp --dport 443 -j KUBE-SVC-X');
  });

  test('a rule without a target (KUBE-FW final rule) is a rule', () => {
    const r = ruleOf('-A KUBE-FW-X -m comment --comment "other traffic to ns/s:p will be dropped by KUBE-PROXY-FIREWALL"');
    expect(r.facts.target).toBeNull();
    expect(r.text).toContain('other traffic');
  });

  test('load-balancing facts', () => {
    const r = ruleOf('-A KUBE-SVC-X -m statistic --mode random --probability 0.25000000000 -j KUBE-SEP-A');
    expect(r.facts.probability).toBe(0x20000000);
    expect(r.facts.target).toBe('KUBE-SEP-A');
    expect(r.pairKey).toBe(ruleOf('-A KUBE-SVC-X -j KUBE-SEP-A').key);
  });

  test('a DNAT printed as [unsupported revision] is kept and flagged', () => {
    const r = ruleOf('-A KUBE-SEP-A -p tcp -m tcp -j DNAT [unsupported revision]');
    expect(r.facts.unsupportedRevision).toBe(true);
    expect(r.facts.dnat).toEqual({ address: null });
  });

  test('a garbled DNAT is kept with an unknown destination', () => {
    const r = ruleOf('-A KUBE-SEP-A -p tcp -m tcp -j DNAT --to-destination  --random --to-destination  --random --to-destination 0.0.0.0:0');
    expect(r.facts.dnat).toEqual({ address: null });
  });

  test('an unknown match and target are opaque but normalised tokens', () => {
    expect(key('-A X -m foo --b 2 --a 1 -j BAR --y 1 --x 2')).toBe(key('-A X -m foo --a 1 --b 2 -j BAR --x 2 --y 1'));
  });
});
