/**
 * One nft rule, as `nft list` prints it or `nft -j` encodes it: statements read into the AST,
 * and a canonical key equal for equal meaning whatever the spelling. The JSON forms below are
 * what nft v1.0.6 prints for the same rules (checked with the real nft).
 */
import type { Statement } from '../../lib/parse/nft/ast';
import { readNft } from '../../lib/parse/nft/read';
import type { NftRule } from '../../lib/parse/nft/rule';

function rules(lines: string[], family = 'ip'): NftRule[] {
  const text = `table ${family} t {\n\tset s {\n\t\ttype ipv4_addr\n\t}\n\n\tchain c {\n${lines.map((l) => `\t\t${l}\n`).join('')}\t}\n}\n`;
  const dump = readNft(text, { source: 'test' });
  expect(dump.warnings).toEqual([]);
  return dump.tables[0]?.chains.get('c')?.rules ?? [];
}

function rule(line: string, family = 'ip'): NftRule {
  return rules([line], family)[0] as NftRule;
}

function jsonRule(expr: unknown[], family = 'ip', comment?: string): NftRule {
  const doc = { nftables: [{ table: { family, name: 't', handle: 1 } }, { chain: { family, table: 't', name: 'c', handle: 1 } }, { rule: { family, table: 't', chain: 'c', handle: 2, ...(comment ? { comment } : {}), expr } }] };
  const dump = readNft(JSON.stringify(doc), { source: 'test.json' });
  expect(dump.warnings).toEqual([]);
  return dump.tables[0]?.chains.get('c')?.rules[0] as NftRule;
}

const payload = (protocol: string, field: string) => ({ payload: { protocol, field } });
const meta = (key: string) => ({ meta: { key } });

describe('statements read from nft text', () => {
  test('a match keeps its field, operator, value and negation', () => {
    expect(rule('ip saddr != 10.244.0.0/16 jump mark-for-masquerade').statements).toEqual<Statement[]>([
      { kind: 'match', op: 'ne', left: { kind: 'payload', protocol: 'ip', field: 'saddr' }, right: { kind: 'value', text: '10.244.0.0/16' } },
      { kind: 'verdict', verdict: 'jump', target: 'mark-for-masquerade' },
    ]);
  });

  test('a flag field compared without an operator is a flag test (nft -j: "in")', () => {
    expect(rule('ct state new jump x').statements[0]).toMatchObject({ kind: 'match', op: 'in', left: { kind: 'ct', key: 'state' } });
    expect(rule('ct state == new jump x').statements[0]).toMatchObject({ op: 'eq' });
    expect(rule('ct state established,related accept').statements[0]).toMatchObject({ op: 'in', right: { kind: 'flags', items: ['established', 'related'] } });
  });

  test('the numgen vmap kube-proxy balances with: buckets to endpoint chains', () => {
    const [s] = rule('numgen random mod 2 vmap { 0 : goto endpoint-A, 1 : goto endpoint-B }').statements;
    expect(s).toMatchObject({ kind: 'vmap', key: { kind: 'numgen', mode: 'random', mod: 2, offset: 0 }, data: { kind: 'set' } });
    expect(s?.kind === 'vmap' && s.data.kind === 'set' && s.data.elements.map((e) => e.data)).toEqual([
      { kind: 'verdict', verdict: 'goto', target: 'endpoint-A' },
      { kind: 'verdict', verdict: 'goto', target: 'endpoint-B' },
    ]);
  });

  test('the 1.36 DNAT map: address and port travel together', () => {
    const [, s] = rule('meta l4proto udp dnat ip to numgen random mod 2 map { 0 : 10.244.1.2 . 53, 1 : 10.244.2.3 . 53 }').statements;
    expect(s).toMatchObject({ kind: 'nat', nat: 'dnat', family: 'ip', port: null, addr: { kind: 'map', key: { kind: 'numgen', mod: 2 } } });
  });

  test('DNAT targets: IPv4 and port, bracketed IPv6 and port, a port alone', () => {
    expect(rule('meta l4proto tcp dnat to 10.244.1.2:53').statements[1]).toMatchObject({ addr: { text: '10.244.1.2' }, port: { text: '53' } });
    expect(rule('meta l4proto tcp dnat to [fd00:10:244:1::2]:53', 'ip6').statements[1]).toMatchObject({ addr: { text: 'fd00:10:244:1::2' }, port: { text: '53' } });
    expect(rule('meta l4proto tcp redirect to :8080').statements[1]).toMatchObject({ nat: 'redirect', addr: null, port: { text: '8080' } });
  });

  test('set lookups, set updates, marks, fib and the hairpin set', () => {
    expect(rule('ip saddr @s goto endpoint-A').statements[0]).toMatchObject({ right: { kind: 'ref', name: 's' } });
    expect(rule('update @s { ip saddr }').statements[0]).toMatchObject({ kind: 'set-op', op: 'update', set: 's', elem: { kind: 'payload', field: 'saddr' } });
    expect(rule('meta mark set meta mark | 0x00004000').statements[0]).toMatchObject({ kind: 'mangle', value: { kind: 'binop', op: '|', right: { text: '16384' } } });
    expect(rule('fib daddr . iif type local accept').statements[0]).toMatchObject({ left: { kind: 'fib', flags: ['daddr', 'iif'], result: 'type' } });
    expect(rule('ct status dnat ip saddr . ip daddr . meta l4proto . th dport @s masquerade fully-random').statements).toHaveLength(3);
  });

  test('what natdiff does not model is kept as text, and the verdict after it is still read', () => {
    expect(rule('log prefix "x y" level info drop').statements).toEqual([
      { kind: 'opaque', text: 'log prefix "x y" level info' },
      { kind: 'verdict', verdict: 'drop', target: null },
    ]);
    expect(rule('xt match "set" counter packets 0 bytes 0 masquerade fully-random').key).toBe('xt match "set" masquerade fully-random');
  });

  test('the comment is the rule\'s, not part of its key', () => {
    const r = rule('fib saddr type local goto service-X comment "short-circuit local traffic"');
    expect(r.comment).toBe('short-circuit local traffic');
    expect(r.key).toBe('fib saddr type local goto service-X');
    expect(r.text).toBe('fib saddr type local goto service-X comment "short-circuit local traffic"');
  });
});

describe('canonical keys: one spelling per meaning', () => {
  const same: [string, string, string?][] = [
    ['meta mark set mark or 0x4000', 'meta mark set meta mark | 0x00004000'],
    ['meta mark and 0x4000 == 0x0 return', 'meta mark & 0x00004000 == 0x00000000 return'],
    ['ip saddr != { 198.51.100.0/24 } drop', 'ip saddr != 198.51.100.0/24 drop'],
    ['ip daddr 10.96.0.10/32 drop', 'ip daddr 10.96.0.10 drop'],
    ['tcp dport 0x50 accept', 'tcp dport 80 accept'],
    ['ip daddr 10.0.0.1 tcp dport 80 accept', 'tcp dport 80 ip daddr 10.0.0.1 accept'],
    ['ip saddr { 10.0.0.2, 10.0.0.1 } drop', 'ip saddr { 10.0.0.1, 10.0.0.2 } drop'],
    ['ct state related,established accept', 'ct state established,related accept'],
    ['reject with icmp type port-unreachable', 'reject'],
    ['reject with icmpv6 port-unreachable', 'reject', 'ip6'],
    ['reject with icmpx port-unreachable', 'reject', 'inet'],
    ['meta l4proto udp dnat ip addr . port to numgen random mod 2 map { 0 : 10.244.1.2 . 53 , 1 : 10.244.2.3 . 53 }', 'meta l4proto udp dnat ip to numgen random mod 2 map { 0 : 10.244.1.2 . 53, 1 : 10.244.2.3 . 53 }'],
    ['numgen random mod 2 vmap { 1 : goto b , 0 : goto a }', 'numgen random mod 2 vmap { 0 : goto a, 1 : goto b }'],
    ['ip daddr 10.0.0.1 counter packets 7 bytes 420 accept', 'ip daddr 10.0.0.1 counter accept'],
    ['ip6 daddr fd00:0:0::0001 drop', 'ip6 daddr fd00::1 drop', 'ip6'],
    ['update @s { ip saddr timeout 10800s }', 'update @s { ip saddr timeout 3h }'],
  ];
  test.each(same)('%s = %s', (a, b, family = 'ip') => {
    expect(rule(a, family).key).toBe(rule(b, family).key);
  });

  const different: [string, string][] = [
    ['ip saddr 10.0.0.1 drop', 'ip saddr != 10.0.0.1 drop'],
    ['ct state new accept', 'ct state == new accept'],
    ['numgen random mod 2 vmap { 0 : goto a, 1 : goto b }', 'numgen random mod 2 vmap { 0 : goto b, 1 : goto a }'],
    ['reject', 'reject with icmp host-unreachable'],
    ['meta l4proto tcp dnat to 10.0.0.1:80', 'meta l4proto tcp dnat to 10.0.0.1:81'],
    ['jump a', 'goto a'],
  ];
  test.each(different)('%s ≠ %s', (a, b) => {
    expect(rule(a).key).not.toBe(rule(b).key);
  });

  test('a load-balancing rule re-weighted keeps its pairKey', () => {
    const two = rule('numgen random mod 2 vmap { 0 : goto a, 1 : goto b }');
    const four = rule('numgen random mod 4 vmap { 0 : goto a, 1 : goto c, 2 : goto b, 3 : goto d }');
    expect(two.key).not.toBe(four.key);
    expect(two.pairKey).toBe(four.pairKey);
    const map2 = rule('meta l4proto udp dnat ip to numgen random mod 2 map { 0 : 10.244.1.2 . 53, 1 : 10.244.2.3 . 53 }');
    const map1 = rule('meta l4proto udp dnat ip to numgen random mod 1 map { 0 : 10.244.1.2 . 53 }');
    expect(map2.pairKey).toBe(map1.pairKey);
  });

  test('nft -j gives the key nft list gives', () => {
    const pairs: [NftRule, NftRule][] = [
      [rule('ct state new jump firewall-check'), jsonRule([{ match: { op: 'in', left: { ct: { key: 'state' } }, right: 'new' } }, { jump: { target: 'firewall-check' } }])],
      [rule('meta mark & 0x00004000 == 0x00000000 return'), jsonRule([{ match: { op: '==', left: { '&': [meta('mark'), 16384] }, right: 0 } }, { return: null }])],
      [rule('ip saddr != 198.51.100.0/24 drop'), jsonRule([{ match: { op: '!=', left: payload('ip', 'saddr'), right: { prefix: { addr: '198.51.100.0', len: 24 } } } }, { drop: null }])],
      [rule('tcp dport 1000-2000 drop'), jsonRule([{ match: { op: '==', left: payload('tcp', 'dport'), right: { range: [1000, 2000] } } }, { drop: null }])],
      [rule('reject'), jsonRule([{ reject: { type: 'icmp', expr: 'port-unreachable' } }])],
      [rule('meta l4proto tcp dnat to 10.244.1.20:8443'), jsonRule([{ match: { op: '==', left: meta('l4proto'), right: 'tcp' } }, { dnat: { addr: '10.244.1.20', port: 8443 } }])],
      [rule('masquerade random,persistent'), jsonRule([{ masquerade: { flags: ['random', 'persistent'] } }])],
      [rule('iifname "lo" accept'), jsonRule([{ match: { op: '==', left: meta('iifname'), right: 'lo' } }, { accept: null }])],
      [rule('update @s { ip saddr timeout 10s }'), jsonRule([{ set: { op: 'update', elem: { elem: { val: payload('ip', 'saddr'), timeout: 10 } }, set: '@s' } }])],
      [rule('jhash ip saddr mod 2 seed 0xdeadbeef vmap { 0 : accept, 1 : drop }'), jsonRule([{ vmap: { key: { jhash: { mod: 2, seed: 3735928559, expr: payload('ip', 'saddr') } }, data: { set: [[0, { accept: null }], [1, { drop: null }]] } } }])],
      [rule('ct original ip saddr 1.2.3.4 counter packets 0 bytes 0 drop'), jsonRule([{ match: { op: '==', left: { ct: { key: 'ip saddr', dir: 'original' } }, right: '1.2.3.4' } }, { counter: { packets: 0, bytes: 0 } }, { drop: null }])],
    ];
    for (const [text, json] of pairs) expect(json.key).toBe(text.key);
  });
});

describe('what a rule names and selects', () => {
  test('refs: chains it jumps to (also inside vmaps) and the sets and maps it looks up, as the view names them', () => {
    expect(rule('ip saddr @s goto endpoint-A').refs).toEqual(['endpoint-A', 'set s']);
    expect(rule('numgen random mod 2 vmap { 0 : goto a, 1 : goto b }').refs).toEqual(['a', 'b']);
  });

  test('selector: a single destination address, protocol and port', () => {
    expect(rule('ip daddr 10.96.0.10 tcp dport 53 ip saddr != 10.244.0.0/16 jump x').selector).toEqual({ address: '10.96.0.10/32', protocol: 'tcp', port: '53' });
    expect(rule('ip daddr 10.96.0.0/16 drop').selector).toEqual({ address: null, protocol: null, port: null });
    expect(rule('meta l4proto udp th dport 53 accept').selector).toEqual({ address: null, protocol: 'udp', port: '53' });
  });
});
