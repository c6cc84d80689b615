/**
 * The `iptables -L` reader line by line: which lines it recognises, how columns and printed
 * matches become the rule iptables-save would write, what it says it cannot show (once per
 * kind), and what it refuses. Lines are as iptables v1.8.9 prints them (see
 * tests/fixtures/iptables-list); the whole listings are in iptables-list-real.test.ts.
 */
import { InputError } from '../../lib/errors';
import { looksLikeIptablesList, readIptablesList, type ReadOptions } from '../../lib/parse/iptables-list';
import type { IptablesDump } from '../../lib/parse/iptables/parse-dump';
import { fixture } from '../support/snapshots';

const TITLE = 'target     prot opt source               destination         ';
const TITLE_V = ' pkts bytes target     prot opt in     out     source               destination         ';

function read(text: string, options: Partial<ReadOptions> = {}): IptablesDump {
  return readIptablesList(text, { source: 'list', ...options });
}

/** The listing's rules as iptables-save would write them, chain by chain. */
function rules(text: string, options: Partial<ReadOptions> = {}): Record<string, string[]> {
  const dump = read(text, options);
  const table = [...dump.ruleset.tables.values()][0];
  return Object.fromEntries([...(table?.chains.values() ?? [])].map((c) => [c.name, c.rules.map((r) => r.text)]));
}

function chain(name: string, lines: string[], header = '(1 references)', title = TITLE): string {
  return [`Chain ${name} ${header}`, title, ...lines, ''].join('\n');
}

function messages(dump: IptablesDump): string[] {
  return dump.warnings.map((w) => w.message);
}

function refusal(text: string, options: Partial<ReadOptions> = {}): InputError {
  try {
    read(text, options);
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('read without an error');
}

describe('recognising a listing from its first line', () => {
  test.each([
    ['a chain with its policy', 'Chain PREROUTING (policy ACCEPT)\n'],
    ['a chain with counters (-v)', 'Chain PREROUTING (policy ACCEPT 0 packets, 0 bytes)\n'],
    ['a user chain', 'Chain KUBE-SVC-6ZVPY37LGINYSSPR (1 references)\n'],
    ['the column titles', `${TITLE}\n`],
    ['the column titles with -v --line-numbers', 'num      pkts      bytes target     prot opt in     out     source               destination\n'],
    ['a rule line picked out with grep (corpus 20)', fixture('corpus', '20-minikube-10ep-svc-chain-list-uneven.txt')],
    ['a -v rule line', '    0     0 KUBE-SERVICES  0    --  *      *       0.0.0.0/0            0.0.0.0/0            /* kubernetes service portals */\n'],
    ['a rule without a target', '           0    --  1.2.3.4              0.0.0.0/0\n'],
  ])('%s', (_what, text) => {
    expect(looksLikeIptablesList(text)).toBe(true);
  });

  test.each([
    ['iptables-save', fixture('captured', 'iptables-save-of-payload.txt')],
    ['iptables -S', fixture('corpus', '27-gke-2018-iptables-S-nat-loadbalancer-kube-fw.txt')],
    ['ipvsadm -Ln', fixture('corpus', '14-kubeadm-ipvsadm-Ln-4ep-rr.txt')],
    ['nft list', fixture('corpus', '07-k3s-nft-kube-proxy-table-9ep-nodeport.txt')],
    ['YAML', 'apiVersion: v1\nkind: Service\n'],
    ['nothing', '\n\n'],
  ])('not %s', (_what, text) => {
    expect(looksLikeIptablesList(text)).toBe(false);
  });
});

describe('columns', () => {
  test('-L -n, -L -n -v and -L -n -v -x --line-numbers of one rule read as one rule', () => {
    const plain = chain('CUSTOM', ['KUBE-MARK-MASQ  6    -- !10.244.0.0/16        10.96.0.1            /* default/kubernetes:https cluster IP */ tcp dpt:443']);
    const verbose = chain('CUSTOM', ['    0     0 KUBE-MARK-MASQ  6    --  *      *      !10.244.0.0/16        10.96.0.1            /* default/kubernetes:https cluster IP */ tcp dpt:443'], '(1 references)', TITLE_V);
    const numbered = chain('CUSTOM', ['1           0        0 KUBE-MARK-MASQ  6    --  *      *      !10.244.0.0/16        10.96.0.1            /* default/kubernetes:https cluster IP */ tcp dpt:443'], '(1 references)', 'num      pkts      bytes target     prot opt in     out     source               destination         ');
    const expected = { 'CUSTOM': ['-A CUSTOM ! -s 10.244.0.0/16 -d 10.96.0.1/32 -p tcp -m comment --comment "default/kubernetes:https cluster IP" -m tcp --dport 443 -j KUBE-MARK-MASQ'] };
    expect(rules(plain)).toEqual(expected);
    expect(rules(verbose)).toEqual(expected);
    expect(rules(numbered)).toEqual(expected);
  });

  test('-v shows interfaces: `*` is any, `!docker0` is negated, `eth+` a wildcard', () => {
    const text = chain('POSTROUTING', [
      '    3   180 MASQUERADE  0    --  *      !docker0  172.17.0.0/16        0.0.0.0/0           ',
      '    0     0 RETURN     0    --  docker0 *       0.0.0.0/0            0.0.0.0/0           ',
      '    0     0 MASQUERADE  6    --  *      eth+    10.0.0.0/8           0.0.0.0/0            masq ports: 1024-65535 random',
    ], '(policy ACCEPT 0 packets, 0 bytes)', TITLE_V);
    expect(rules(text).POSTROUTING).toEqual([
      '-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE',
      '-A POSTROUTING -i docker0 -j RETURN',
      '-A POSTROUTING -s 10.0.0.0/8 -o eth+ -p tcp -j MASQUERADE --random --to-ports 1024-65535',
    ]);
  });

  test('a rule without a target, a negated protocol, a fragment match, a goto', () => {
    const text = chain('NODE-MISC', [
      '           0    --  1.2.3.4              0.0.0.0/0           ',
      'RETURN    !6    --  0.0.0.0/0            0.0.0.0/0           ',
      'RETURN     0    -f  0.0.0.0/0            0.0.0.0/0           ',
      'MARKS      6    --  0.0.0.0/0            0.0.0.0/0           [goto]  tcp flags:0x17/0x02',
    ]);
    expect(rules(text)['NODE-MISC']).toEqual([
      '-A NODE-MISC -s 1.2.3.4/32',
      '-A NODE-MISC ! -p tcp -j RETURN',
      '-A NODE-MISC -f -j RETURN',
      '-A NODE-MISC -p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN -g MARKS',
    ]);
  });

  test('protocols print as names in older iptables and as numbers in newer: both read alike', () => {
    const names = chain('X', ['DNAT       tcp  --  0.0.0.0/0            0.0.0.0/0            tcp to:10.244.0.5:53', 'RETURN     all  --  0.0.0.0/0            0.0.0.0/0']);
    const numbers = chain('X', ['DNAT       6    --  0.0.0.0/0            0.0.0.0/0            tcp to:10.244.0.5:53', 'RETURN     0    --  0.0.0.0/0            0.0.0.0/0']);
    expect(rules(names)).toEqual(rules(numbers));
    expect(rules(names).X).toEqual(['-A X -p tcp -j DNAT --to-destination 10.244.0.5:53', '-A X -j RETURN']);
  });
});

describe('printed matches and targets read back into options', () => {
  test.each([
    ['a comment with spaces, quotes and /* inside', 'RETURN     0    --  0.0.0.0/0            0.0.0.0/0            /* a  comment with  "quotes" and a /* inside */', '-A X -m comment --comment "a  comment with  \\"quotes\\" and a /* inside" -j RETURN'],
    ['an empty comment', 'RETURN     0    --  0.0.0.0/0            0.0.0.0/0            /*  */', '-A X -m comment --comment "" -j RETURN'],
    ['ports and ranges', 'DNAT       17   --  0.0.0.0/0            0.0.0.0/0            udp spts:1000:2000 dpt:53 to:172.17.0.3', '-A X -p udp -m udp --sport 1000:2000 --dport 53 -j DNAT --to-destination 172.17.0.3'],
    ['a negated port', 'RETURN     6    --  0.0.0.0/0            0.0.0.0/0            tcp dpt:!22 flags:0x17/0x02', '-A X -p tcp -m tcp ! --dport 22 --tcp-flags FIN,SYN,RST,ACK SYN -j RETURN'],
    ['multiport', 'REDIRECT   6    --  0.0.0.0/0            0.0.0.0/0            multiport dports 80,443,8000:8080 redir ports 3128', '-A X -p tcp -m multiport --dports 80,443,8000:8080 -j REDIRECT --to-ports 3128'],
    ['a probability', 'KUBE-SEP-Y  0    --  0.0.0.0/0            0.0.0.0/0            statistic mode random probability 0.33333333349', '-A X -m statistic --mode random --probability 0.33333333349 -j KUBE-SEP-Y'],
    ['a negated probability', 'RETURN     0    --  0.0.0.0/0            0.0.0.0/0            statistic mode random ! probability 0.25000000000', '-A X -m statistic --mode random ! --probability 0.25000000000 -j RETURN'],
    ['every nth packet', 'RETURN     0    --  0.0.0.0/0            0.0.0.0/0            statistic mode nth every 3 packet 1', '-A X -m statistic --mode nth --every 3 --packet 1 -j RETURN'],
    ['affinity (recent CHECK)', 'KUBE-SEP-Y  0    --  0.0.0.0/0            0.0.0.0/0            recent: CHECK seconds: 10800 reap name: KUBE-SEP-Y side: source mask: 255.255.255.255', '-A X -m recent --rcheck --seconds 10800 --reap --name KUBE-SEP-Y -j KUBE-SEP-Y'],
    ['recent SET before the DNAT', 'DNAT       6    --  0.0.0.0/0            0.0.0.0/0            recent: SET name: KUBE-SEP-Y side: source mask: 255.255.255.255 tcp to:172.18.0.2:6443', '-A X -p tcp -m recent --set --name KUBE-SEP-Y -j DNAT --to-destination 172.18.0.2:6443'],
    ['a negated recent UPDATE on the destination', 'RETURN     0    --  0.0.0.0/0            0.0.0.0/0            ! recent: UPDATE seconds: 60 hit_count: 3 TTL-Match name: W side: dest mask: 255.255.0.0', '-A X -m recent ! --update --seconds 60 --hitcount 3 --rttl --name W --mask 255.255.0.0 --rdest -j RETURN'],
    ['address types', 'KUBE-NODEPORTS  0    --  0.0.0.0/0            0.0.0.0/0            ADDRTYPE match src-type !UNICAST,LOCAL dst-type LOCAL limit-in', '-A X -m addrtype --dst-type LOCAL --limit-iface-in ! --src-type UNICAST,LOCAL -j KUBE-NODEPORTS'],
    ['a negated mark', 'RETURN     0    --  0.0.0.0/0            0.0.0.0/0            mark match ! 0x4000/0x4000', '-A X -m mark ! --mark 0x4000/0x4000 -j RETURN'],
    ['conntrack', 'RETURN     0    --  0.0.0.0/0            0.0.0.0/0            ! ctstate INVALID ctdir REPLY', '-A X -m conntrack --ctdir REPLY ! --ctstate INVALID -j RETURN'],
    ['an ipset', 'KUBE-MARK-MASQ  0    -- !10.244.0.0/16        0.0.0.0/0            match-set KUBE-CLUSTER-IP dst,dst', '-A X ! -s 10.244.0.0/16 -m set --match-set KUBE-CLUSTER-IP dst,dst -j KUBE-MARK-MASQ'],
    ['physdev', 'RETURN     0    --  0.0.0.0/0            0.0.0.0/0            PHYSDEV match ! --physdev-is-in ADDRTYPE match src-type !LOCAL', '-A X -m addrtype ! --src-type LOCAL -m physdev ! --physdev-is-in -j RETURN'],
    ['a limit with the default burst', 'RETURN     0    --  0.0.0.0/0            0.0.0.0/0            limit: avg 10/sec burst 5', '-A X -m limit --limit 10/sec -j RETURN'],
    ['MARK or', 'MARK       0    --  0.0.0.0/0            0.0.0.0/0            MARK or 0x4000', '-A X -j MARK --set-xmark 0x4000/0x4000'],
    ['MARK xset after a mark match', 'MARK       0    --  0.0.0.0/0            0.0.0.0/0            mark match 0x1/0xff MARK xset 0x10/0xf0', '-A X -m mark --mark 0x1/0xff -j MARK --set-xmark 0x10/0xf0'],
    ['SNAT to a range, persistent', 'SNAT       17   --  10.1.0.0/16          0.0.0.0/0            to:192.168.1.1-192.168.1.5:1000-2000 persistent', '-A X -s 10.1.0.0/16 -p udp -j SNAT --to-source 192.168.1.1-192.168.1.5:1000-2000 --persistent'],
    ['MASQUERADE random-fully after a comment', 'MASQUERADE  0    --  0.0.0.0/0            0.0.0.0/0            /* kubernetes service traffic requiring SNAT */ random-fully', '-A X -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully'],
    ['REJECT', 'REJECT     6    --  0.0.0.0/0            10.96.0.10           tcp dpt:9153 reject-with icmp-port-unreachable', '-A X -d 10.96.0.10/32 -p tcp -m tcp --dport 9153 -j REJECT'],
  ])('%s', (_what, line, expected) => {
    const dump = read(chain('X', [line]));
    expect(dump.ruleset.tables.get('nat')?.chains.get('X')?.rules.map((r) => r.text)).toEqual([expected]);
    expect(messages(dump).filter((m) => !m.startsWith('listed without -v'))).toEqual([]);
  });

  test('an IPv6 listing reads as IPv6, with [address]:port DNATs', () => {
    const text = chain('KUBE-SEP-Y', ['    0     0 DNAT       17   --  *      *       ::/0                 ::/0                 /* kube-system/kube-dns:dns */ udp to:[fd00:10:244::5]:53'], '(1 references)', TITLE_V);
    const dump = read(text);
    expect(dump.family).toBe('ipv6');
    expect(dump.ruleset.tables.get('nat')?.chains.get('KUBE-SEP-Y')?.rules[0]?.facts.dnat).toEqual({ address: '[fd00:10:244::5]:53' });
  });
});

describe('what a listing cannot show is said once per kind', () => {
  test('no -v: interfaces unknown, said once for the whole listing', () => {
    const dump = read(chain('A', ['RETURN     0    --  0.0.0.0/0            0.0.0.0/0', 'RETURN     0    --  0.0.0.0/0            0.0.0.0/0']) + chain('B', ['RETURN     0    --  0.0.0.0/0            0.0.0.0/0']));
    expect(dump.warnings).toEqual([{ source: 'list', line: 3, message: expect.stringMatching(/^listed without -v: there are no in\/out interface columns/) }]);
  });

  test('text no reader knows is kept as printed, so two listings still compare; said once with a count', () => {
    const text = chain('X', [
      '    0     0 RETURN     1    --  *      *       0.0.0.0/0            0.0.0.0/0            icmptype 8',
      '    0     0 RETURN     0    --  *      *       0.0.0.0/0            0.0.0.0/0            source IP range 10.0.0.1-10.0.0.9 /* kept */ tcp dpt:80',
      '    0     0 LOG        0    --  *      *       0.0.0.0/0            0.0.0.0/0            LOG flags 0 level 6 prefix "natdiff: "',
    ], '(0 references)', TITLE_V);
    const dump = read(text);
    expect(dump.ruleset.tables.get('nat')?.chains.get('X')?.rules.map((r) => r.text)).toEqual([
      '-A X -p icmp -m listed --text "icmptype 8" -j RETURN',
      '-A X -m comment --comment kept -m listed --text "source IP range 10.0.0.1-10.0.0.9" -m tcp --dport 80 -j RETURN',
      '-A X -m listed --text "LOG flags 0 level 6 prefix \\"natdiff: \\"" -j LOG',
    ]);
    expect(dump.warnings).toEqual([
      { source: 'list', line: 3, message: '3 rules print text natdiff cannot read back into iptables options (first: icmptype 8); it is kept as printed, so such a rule compares equal only to one listed alike, never to an iptables-save' },
    ]);
    const again = read(text);
    const [a, b] = [dump, again].map((d) => d.ruleset.tables.get('nat')?.chains.get('X')?.rules.map((r) => r.key));
    expect(a).toEqual(b);
  });

  test('probabilities with 6 decimals (iptables before 1.4.11) are read as printed and said to be approximate', () => {
    const dump = read(chain('KUBE-SVC-X', [
      'KUBE-SEP-A  all  --  0.0.0.0/0            0.0.0.0/0            statistic mode random probability 0.333330',
      'KUBE-SEP-B  all  --  0.0.0.0/0            0.0.0.0/0            statistic mode random probability 0.500000',
      'KUBE-SEP-C  all  --  0.0.0.0/0            0.0.0.0/0           ',
    ]));
    expect(messages(dump)).toContain('2 probabilities are printed with fewer than 11 decimals (first: 0.333330; iptables before 1.4.11 printed 6): the shares read from them are approximate, and their rules do not compare equal to an iptables-save of the same rules');
    expect(dump.ruleset.tables.get('nat')?.chains.get('KUBE-SVC-X')?.rules[0]?.facts.probability).toBe(Math.round(0.33333 * 2 ** 31));
  });

  test('kube-proxy chains without a single comment: names unknown, said once', () => {
    const dump = read(chain('KUBE-SVC-ZFAVNEBGNVMBQPKH', ['KUBE-SEP-CGOC76OYFGADJSOI  all  --  0.0.0.0/0            0.0.0.0/0']));
    expect(messages(dump)).toContain('no rule carries a comment: the service port names kube-proxy writes in comments are unknown, so service ports are named by cluster IP, port and protocol unless the other snapshot names their chains');
  });

  test('rule lines before any Chain line (grep output) are left out, and said so', () => {
    const grep = 'KUBE-SVC-6ZVPY37LGINYSSPR  tcp  --  0.0.0.0/0            10.99.85.244         /* default/httpenv cluster IP */ tcp dpt:8888\n';
    const dump = read(grep + chain('KUBE-SVC-6ZVPY37LGINYSSPR', ['KUBE-SEP-GPWR3APAVUJOODXU  all  --  0.0.0.0/0            0.0.0.0/0            /* default/httpenv -> 172.17.0.10:8888 */']));
    expect([...(dump.ruleset.tables.get('nat')?.chains.keys() ?? [])]).toEqual(['KUBE-SVC-6ZVPY37LGINYSSPR']);
    expect(dump.warnings[0]).toEqual({ source: 'list', line: 1, message: '1 rule line comes before any `Chain` line (grep output?): the chain it belongs to is unknown, so it is left out' });
  });
});

describe('the table, the family, the counters', () => {
  test('a listing never names its table: nat unless its built-in chains say otherwise, or --table says', () => {
    const filter = chain('INPUT', [], '(policy ACCEPT)') + chain('FORWARD', [], '(policy DROP)') + chain('OUTPUT', [], '(policy ACCEPT)');
    expect(read(filter).assumedTable).toBe('filter');
    expect(read(filter).ruleset.tables.get('filter')?.chains.get('FORWARD')?.policy).toBe('DROP');
    expect(read(chain('DOCKER', [])).assumedTable).toBe('nat');
    expect(read(chain('DOCKER', []), { assumeTable: 'filter' }).assumedTable).toBe('filter');
  });

  test('counters: all zero is no counters; abbreviated (346K) and policy counters are counters', () => {
    const zero = chain('X', ['    0     0 RETURN     0    --  *      *       0.0.0.0/0            0.0.0.0/0'], '(0 references)', TITLE_V);
    expect(read(zero).hadCounters).toBe(false);
    expect(read(zero.replace('    0     0 RETURN', ' 346K   21M RETURN')).hadCounters).toBe(true);
    expect(read(chain('PREROUTING', [], '(policy ACCEPT 41 packets, 2460 bytes)', TITLE_V)).hadCounters).toBe(true);
  });
});

describe('refused, with the line', () => {
  test('a listing without -n (names)', () => {
    const e = refusal(chain('X', ['RETURN     all  --  anywhere             anywhere']));
    expect(e.message).toBe('list:3: `iptables -L` without `-n` prints names (`anywhere`, host and service names) that cannot be compared with addresses: list with `iptables -t nat -L -n`');
  });

  test('a chain listed twice (two listings in one file)', () => {
    expect(refusal(chain('PREROUTING', [], '(policy ACCEPT)') + chain('PREROUTING', [], '(policy ACCEPT)')).message).toBe(
      'list:3: chain PREROUTING is listed a second time (first on line 1): several listings in one file? Compare them one by one',
    );
  });

  test('only lines picked out with grep: the chain is unknown', () => {
    expect(refusal('KUBE-SVC-6ZVPY37LGINYSSPR  tcp  --  0.0.0.0/0            10.99.85.244         tcp dpt:8888\n').message).toMatch(/^list:1: holds rule lines of an `iptables -L` listing but no `Chain` line/);
  });

  test('not a listing', () => {
    expect(refusal('hello\nworld\n').message).toBe('list:1: not a line of an `iptables -L` listing; no `iptables -L` listing found');
    expect(refusal('').message).toBe('list: no `iptables -L` listing found');
    expect(refusal(chain('X', ['a', 'b', 'c'])).message).toBe('list:3: not a line of an `iptables -L` listing (and 2 more lines like it): this does not look like an `iptables -L` listing');
  });

  test('a line too long to be a listing', () => {
    expect(refusal(`Chain X (1 references)\n${'x'.repeat(70_000)}\n`).message).toBe('list:2: line is 70000 characters long (the limit is 65536); this is not an `iptables -L` listing');
  });
});

describe('a listing cut short', () => {
  const whole = [
    chain('PREROUTING', ['KUBE-SERVICES  0    --  0.0.0.0/0            0.0.0.0/0            /* kubernetes service portals */'], '(policy ACCEPT)'),
    chain('INPUT', [], '(policy ACCEPT)'),
    chain('OUTPUT', [], '(policy ACCEPT)'),
    chain('POSTROUTING', [], '(policy ACCEPT)'),
    chain('KUBE-NODEPORTS', [], '(1 references)'),
    chain('KUBE-SEP-A', ['DNAT       6    --  0.0.0.0/0            0.0.0.0/0            tcp to:10.244.0.5:53'], '(1 references)'),
    chain('KUBE-SERVICES', ['KUBE-SVC-X  6    --  0.0.0.0/0            10.96.0.10           tcp dpt:53', 'KUBE-NODEPORTS  0    --  0.0.0.0/0            0.0.0.0/0            ADDRTYPE match dst-type LOCAL'], '(1 references)'),
    chain('KUBE-SVC-X', ['KUBE-SEP-A  0    --  0.0.0.0/0            0.0.0.0/0'], '(1 references)'),
  ].join('\n');

  test('a whole listing that is not cut reads without complaint', () => {
    const dump = read(whole);
    expect(dump.cutShort).toBe(false);
    expect(messages(dump)).toEqual([expect.stringMatching(/^listed without -v/)]);
  });

  test.each([
    ['in the middle of its last line', whole.slice(0, -12), 'list:28: the input ends in the middle of this line (no newline after it): the listing looks cut, and the line is left out'],
    ['after a Chain line', whole.slice(0, whole.indexOf('Chain KUBE-SVC-X')) + 'Chain KUBE-SVC-X (1 references)\n', "list:26: the listing ends after chain KUBE-SVC-X's `Chain` line, before its column titles: it looks cut after line 26"],
    ['before the rules of a kube-proxy chain rules jump to', whole.slice(0, whole.lastIndexOf('KUBE-SEP-A  0')), 'list:27: the listing ends with chain KUBE-SVC-X, which lists no rule, although kube-proxy never leaves it empty while rules jump to it: it looks cut after line 27'],
    ['before the built-in chains end', whole.slice(0, whole.indexOf('Chain OUTPUT')), 'list:6: a listing of the whole nat table shows its built-in chains PREROUTING, INPUT, OUTPUT, POSTROUTING, but this one has no OUTPUT: it looks cut after line 6'],
    ['before the chains its rules jump to', whole.slice(0, whole.indexOf('Chain KUBE-SEP-A')) + whole.slice(whole.indexOf('Chain KUBE-SERVICES'), whole.indexOf('Chain KUBE-SVC-X')), 'list:20: rules jump to KUBE-SVC-X, which the listing does not show: it looks cut after line 20'],
  ])('%s: refused', (_where, text, message) => {
    expect(refusal(text).message).toBe(`${message}; pass --allow-truncated to diff what is there`);
  });

  test('a chain with more references than rules jumping to it', () => {
    const text = whole.replace('Chain KUBE-SEP-A (1 references)', 'Chain KUBE-SEP-A (2 references)');
    expect(refusal(text).message).toBe('list:28: chain KUBE-SEP-A has 2 references, but the listing shows 1 rule jumping to it: rules are missing, the listing looks cut after line 28; pass --allow-truncated to diff what is there');
  });

  test.each([
    ['a service chain before its last endpoint (corpus 20 cut after 5 of 10)', fixture('corpus', '20-minikube-10ep-svc-chain-list-uneven.txt').split('\n').slice(0, 9), 'list:9: the listing ends inside chain KUBE-SVC-6ZVPY37LGINYSSPR before the jump to its last endpoint (no probability), the rule kube-proxy ends it with: it looks cut after line 9'],
    ['a service chain after its masquerade rule, before any endpoint (corpus 20 cut after line 4)', fixture('corpus', '20-minikube-10ep-svc-chain-list-uneven.txt').split('\n').slice(0, 4), 'list:4: the listing ends inside chain KUBE-SVC-6ZVPY37LGINYSSPR before the jump to its last endpoint (no probability), the rule kube-proxy ends it with: it looks cut after line 4'],
    ['an endpoint chain before its DNAT', chain('KUBE-SEP-A', ['KUBE-MARK-MASQ  0    --  10.244.0.5           0.0.0.0/0']).split('\n').slice(0, 3), 'list:3: the listing ends inside chain KUBE-SEP-A before its DNAT rule, the rule kube-proxy ends it with: it looks cut after line 3'],
    ['KUBE-SERVICES before the jump to KUBE-NODEPORTS', chain('KUBE-SERVICES', ['KUBE-SVC-X  6    --  0.0.0.0/0            10.96.0.10           tcp dpt:53']).split('\n').slice(0, 3), 'list:3: the listing ends inside chain KUBE-SERVICES before the jump to KUBE-NODEPORTS, the rule kube-proxy ends it with: it looks cut after line 3'],
  ])('inside a kube-proxy chain: %s', (_where, lines, message) => {
    expect(refusal(`${lines.join('\n')}\n`).message).toBe(`${message}; pass --allow-truncated to diff what is there`);
  });

  test('rule numbers that skip (--line-numbers)', () => {
    const text = chain('X', ['1    RETURN     0    --  0.0.0.0/0            0.0.0.0/0', '3    RETURN     0    --  0.0.0.0/0            0.0.0.0/0'], '(0 references)', 'num  target     prot opt source               destination');
    expect(refusal(text).message).toBe('list:4: chain X lists rule 3 after rule 1 (--line-numbers): rules are missing from the listing; pass --allow-truncated to diff what is there');
  });

  test('with --allow-truncated the chain where it was cut is left out, the rest is read', () => {
    const dump = read(whole.slice(0, -12), { allowTruncated: true });
    expect(dump.cutShort).toBe(true);
    expect([...(dump.ruleset.tables.get('nat')?.chains.keys() ?? [])]).toEqual(['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING', 'KUBE-NODEPORTS', 'KUBE-SEP-A', 'KUBE-SERVICES']);
    expect(messages(dump)).toContain('the input ends in the middle of this line (no newline after it): the listing looks cut, and the line is left out; chain KUBE-SVC-X is left out (its rules are unknown)');
  });

  test('not cut: one chain listed alone, and a stale empty chain nothing jumps to at the end', () => {
    expect(read(chain('KUBE-SVC-X', ['KUBE-SEP-A  0    --  0.0.0.0/0            0.0.0.0/0'])).cutShort).toBe(false);
    expect(read(whole + chain('KUBE-SVC-ZZZZ', [], '(0 references)')).cutShort).toBe(false);
  });
});
