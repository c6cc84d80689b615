/**
 * A dispatch rule line read as plain from its text (lib/parse/iptables/plain-selector.ts) selects
 * what the parser says it selects (Rule.selector): two plain lines select alike exactly when the
 * parser's selectors are equal, which is what lets the first pass leave such rules out.
 */
import { fc, test as property } from '@fast-check/jest';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parseIptablesDump } from '../../lib/parse/iptables/parse-dump';
import { readPlainRule } from '../../lib/parse/iptables/plain-selector';

function parsed(rule: string): { selector: string; comment: string | null } {
  const dump = parseIptablesDump(`*nat\n:C - [0:0]\n-A C ${rule}\nCOMMIT\n`, { source: 'test' });
  const r = dump.ruleset.tables.get('nat')?.chains.get('C')?.rules[0];
  const s = r?.selector;
  return { selector: `${s?.protocol}|${s?.port}|${s?.address ?? ''}`, comment: r?.comment ?? null };
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
  const plain = readPlainRule(rule);
  if (plain !== null) expect(plain).toEqual(parsed(rule));
});

test('kube-proxy’s dispatch rules are plain; anything else is not', () => {
  expect(readPlainRule('-d 10.96.0.10/32 -p udp -m comment --comment "kube-system/kube-dns:dns cluster IP" -m udp --dport 53 -j KUBE-SVC-TCOU7JCQXEZGVUNU')).toEqual({ selector: 'udp|53|10.96.0.10/32', comment: 'kube-system/kube-dns:dns cluster IP' });
  expect(readPlainRule('-p tcp -m tcp --dport 30080 -j KUBE-EXT-AAAAAAAAAAAAAAAA')).toEqual({ selector: 'tcp|30080|', comment: null });
  for (const odd of ['! -s 10.64.0.0/10 -d 10.96.0.10/32 -p tcp -m tcp --dport 80 -j KUBE-MARK-MASQ', '-d 10.96.0.10/32 -p tcp -m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable', '-m addrtype --dst-type LOCAL -j KUBE-NODEPORTS', '-d fd00::1/128 -p tcp -m tcp --dport 80 -j KUBE-SVC-X']) {
    expect(readPlainRule(odd)).toBeNull();
  }
});

test('a selector held keeps nothing of the line it was read from (a first pass holds every selector of a chain at once)', () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const line = (i: number) => `-d 10.96.${i >> 7}.${100 + (i & 127)}/32 -p tcp -m comment --comment "team-1/${'s'.repeat(150)}-${i}:http cluster IP" -m tcp --dport 80 -j KUBE-SVC-X`;
  gc();
  const before = process.memoryUsage().heapUsed;
  const selectors = Array.from({ length: 10_000 }, (_, i) => readPlainRule(line(i))?.selector);
  gc();
  expect(selectors[9999]).toBe('tcp|80|10.96.78.115/32');
  // A selector's own characters: its line's (some 250 bytes) are let go.
  expect((process.memoryUsage().heapUsed - before) / selectors.length).toBeLessThan(100);
});
