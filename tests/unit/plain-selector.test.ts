/**
 * A dispatch rule line read as plain from its bytes (lib/parse/iptables/plain-selector.ts) selects
 * what the parser says it selects (Rule.selector): two plain lines select alike exactly when the
 * parser's selectors are equal, which is what lets the first pass leave such rules out.
 */
import { fc, test as property } from '@fast-check/jest';
import { parseIptablesDump } from '../../lib/parse/iptables/parse-dump';
import type { IptablesRule } from '../../lib/parse/iptables/rule';
import { factsSelector, NOT_PLAIN, PLAIN_PROTOCOLS, plainSelector, selectorKey, withAnyAddress } from '../../lib/parse/iptables/plain-selector';

function ruleOf(rule: string): IptablesRule | undefined {
  const dump = parseIptablesDump(`*nat\n:C - [0:0]\n-A C ${rule}\nCOMMIT\n`, { source: 'test' });
  return dump.ruleset.tables.get('nat')?.chains.get('C')?.rules[0] as IptablesRule | undefined;
}

function parsed(rule: string): { selector: number; comment: string | null } {
  const r = ruleOf(rule);
  const s = r?.selector;
  const address = s?.address ? s.address.replace('/32', '').split('.').reduce((n, octet) => n * 256 + Number(octet), 0) : null;
  return { selector: selectorKey(PLAIN_PROTOCOLS.indexOf(s?.protocol as 'tcp') + 1, Number(s?.port), address), comment: r?.comment ?? null };
}

/** A rule read as plain from its bytes, with its comment; null when it is not plain. */
function readPlain(rule: string): { selector: number; comment: string | null } | null {
  const bytes = Buffer.from(rule);
  const comment = new Int32Array(2);
  const selector = plainSelector(bytes, 0, bytes.length, comment);
  return selector === NOT_PLAIN ? null : { selector, comment: comment[0] === -1 ? null : bytes.toString('utf8', comment[0], comment[1]) };
}

const word = fc.constantFrom('-d', '10.96.0.10/32', '10.96.0.010/32', '10.96.0.10', '10.96.0.0/24', '256.1.1.1/32', '-p', 'tcp', 'udp', 'TCP', '6', 'sctp', '-m', 'comment', '--comment', '"ns/svc:dns cluster IP"', '"a\\"b"', '--dport', '53', '053', '65536', '53:54', '!', '-s', '-j', 'KUBE-SVC-X', '--protocol', 'multiport', '--dports');
const plainLike = fc
  .record({
    d: fc.constantFrom('', '-d 10.96.0.10/32 ', '-d 10.96.0.1/32 ', '-d 10.96.0.010/32 '),
    p: fc.constantFrom('tcp', 'udp', 'TCP', '6'),
    c: fc.constantFrom('', '-m comment --comment "ns/svc:p" ', '-m comment --comment "" ', '-m comment --comment "a b -j X cluster IP" ', '-m comment --comment "a\\"b" '),
    m: fc.constantFrom('tcp', 'udp'),
    port: fc.constantFrom('53', '80', '053', '0'),
  })
  .map(({ d, p, c, m, port }) => `${d}-p ${p} ${c}-m ${m} --dport ${port} -j KUBE-SVC-X`);

property.prop([fc.oneof(plainLike, fc.array(word, { maxLength: 12 }).map((w) => w.join(' ')))], { numRuns: 2000 })('a line read as plain selects what the parser reads it to select, and says what its comment says', (rule) => {
  const plain = readPlain(rule);
  if (plain !== null) expect(plain).toEqual(parsed(rule));
});

/** How kube-proxy's restore payloads write a dispatch rule: matches in another order, the address without its mask. */
const payloadLike = fc
  .record({
    c: fc.constantFrom('', '-m comment --comment "ns/svc:p cluster IP" ', '-m comment --comment ns/svc:p '),
    m: fc.constantFrom('tcp', 'udp', 'sctp'),
    p: fc.constantFrom('tcp', 'udp', 'sctp', 'TCP', '6', 'all'),
    d: fc.constantFrom('', '-d 10.96.0.10 ', '-d 10.96.0.10/32 ', '-d 10.96.0.010 ', '-d 10.96.0.0/24 ', '-d fd00::1 ', '! -d 10.96.0.10 '),
    port: fc.constantFrom('53', '80', '053', '0', '53:54', 'domain', '65535', '65536'),
  })
  .map(({ c, m, p, d, port }) => `${c}-m ${m} -p ${p} ${d}--dport ${port} -j KUBE-SVC-X`);
const anyLine = fc.oneof(plainLike, payloadLike, fc.array(word, { maxLength: 12 }).map((w) => w.join(' ')));
const selectorText = (r: IptablesRule | undefined) => JSON.stringify(r?.selector ?? null);

property.prop([anyLine, anyLine], { numRuns: 2000 })('a rule read whole numbers its selector as a plain line does, and two such rules are numbered alike exactly when the parser’s selectors are equal', (x, y) => {
  const [rx, ry] = [ruleOf(x), ruleOf(y)];
  const [sx, sy] = [rx ? factsSelector(rx.facts) : NOT_PLAIN, ry ? factsSelector(ry.facts) : NOT_PLAIN];
  const plain = readPlain(x);
  if (plain !== null) expect(sx).toBe(plain.selector);
  if (sx !== NOT_PLAIN && sy !== NOT_PLAIN) expect(sx === sy).toBe(selectorText(rx) === selectorText(ry));
});

test('kube-proxy’s dispatch rules are plain; anything else is not', () => {
  expect(readPlain('-d 10.96.0.10/32 -p udp -m comment --comment "kube-system/kube-dns:dns cluster IP" -m udp --dport 53 -j KUBE-SVC-TCOU7JCQXEZGVUNU')).toEqual({ selector: selectorKey(2, 53, (((10 * 256 + 96) * 256 + 0) * 256) + 10), comment: 'kube-system/kube-dns:dns cluster IP' });
  expect(readPlain('-p tcp -m tcp --dport 30080 -j KUBE-EXT-AAAAAAAAAAAAAAAA')).toEqual({ selector: selectorKey(1, 30080, null), comment: null });
  for (const odd of ['! -s 10.64.0.0/10 -d 10.96.0.10/32 -p tcp -m tcp --dport 80 -j KUBE-MARK-MASQ', '-d 10.96.0.10/32 -p tcp -m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable', '-m addrtype --dst-type LOCAL -j KUBE-NODEPORTS', '-d fd00::1/128 -p tcp -m tcp --dport 80 -j KUBE-SVC-X']) {
    expect(readPlain(odd)).toBeNull();
  }
});

test('a selector with an address, and without: one protocol and port, told apart (0.0.0.0 is an address)', () => {
  const none = selectorKey(1, 80, null);
  expect(withAnyAddress(selectorKey(1, 80, 0))).toBe(none);
  expect(withAnyAddress(selectorKey(1, 80, 2 ** 32 - 1))).toBe(none);
  expect(new Set([none, selectorKey(1, 80, 0), selectorKey(2, 80, null), selectorKey(1, 81, null), selectorKey(3, 65535, 2 ** 32 - 1)]).size).toBe(5);
});
