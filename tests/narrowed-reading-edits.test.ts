/**
 * The narrowed reading (lib/narrow) answers as the whole reading for dumps edited anywhere, on one
 * side or on both: kube-proxy's rules respelled, moved, removed, duplicated, pointed elsewhere, and
 * what iptables-save never writes but a person or another tool might (tabs, `--jump`, a quoted
 * target, a comment after the target, two comments, a "has no endpoints" rule with another
 * target), and kube-proxy's restore payload against an iptables-save, whose lines are compared
 * by what they mean. Each case below was once answered otherwise read narrowed; the random edits
 * after them (deterministic seeds) keep looking.
 */
import { narrowHere } from '../lib/narrow/first-pass';
import { iptablesFirstPass } from '../lib/parse/iptables/narrow';
import { editedPair, WRITTEN_DIFFERENTLY } from './support/dump-edits';
import { writeRestorePayload, type ClusterSpec } from './support/kube-proxy-writer';
import { answersDiffer, expectSameAnswer } from './support/narrowed-answer';
import { toSaveFormat } from './support/save-format';

const tiny: ClusterSpec = {
  podCIDR: '10.244.0.0/16',
  services: [
    { namespace: 'ns', name: 'a', clusterIP: '10.96.0.10', ports: [{ name: 'http', port: 80, protocol: 'tcp', nodePort: 30080, endpoints: [{ ip: '10.244.1.2', port: 8080 }] }, { name: 'dns', port: 53, protocol: 'udp', endpoints: [{ ip: '10.244.1.2', port: 53 }] }] },
    { namespace: 'ns', name: 'b', clusterIP: '10.96.0.11', externalIPs: ['192.0.2.7'], externalTrafficPolicy: 'Local', ports: [{ name: 'p', port: 8000, protocol: 'tcp', nodePort: 30800, endpoints: [{ ip: '10.244.2.6', port: 8000 }] }] },
  ],
};
/** A port of ns/a scaled up by one endpoint: ns/a changes, ns/b does not. */
const scaled = (port: string): ClusterSpec => ({
  ...tiny,
  services: tiny.services.map((s) => (s.name === 'a' ? { ...s, ports: s.ports.map((p) => (p.name === port ? { ...p, endpoints: [...p.endpoints, { ip: '10.244.3.3', port: p.endpoints[0]?.port ?? 1 }] } : p)) } : s)),
});
const dump = (c: ClusterSpec) => toSaveFormat(writeRestorePayload(c));
const before = dump(tiny);
const after = dump(scaled('http'));
const afterDns = dump(scaled('dns'));

const NS_A_DNS = 'KUBE-SVC-L6POZHRLQTK5GXSQ';
const NS_B = 'KUBE-SVC-M7WRKUUGGLVBVVX5';

/** The dump with `line` put after the first line that starts with `at`. */
const withLineAfter = (text: string, at: string, line: string) => text.replace(new RegExp(`^(${at}.*)$`, 'm'), `$1\n${line}`);
/** The first line of the nat table that starts with `at` written by `edit`. */
const natLine = (text: string, at: string, edit: (l: string) => string) => {
  const nat = text.indexOf('*nat');
  return text.slice(0, nat) + text.slice(nat).replace(new RegExp(`^${at}.*$`, 'm'), edit);
};
const noNatDeclarationOf = (text: string, chain: string) => natLine(text, `:${chain} `, () => '').replace(/\n\n/, '\n');
/** KUBE-SERVICES's rules moved to the end of the nat table. */
const kubeServicesLast = (text: string) => {
  const rules = text.split('\n').filter((l) => l.startsWith('-A KUBE-SERVICES ') && text.indexOf(l) > text.indexOf('*nat'));
  return natLine(text.replace(rules.join('\n') + '\n', ''), 'COMMIT', () => `${rules.join('\n')}\nCOMMIT`);
};
const withoutChain = (text: string, chain: string) => text.split('\n').filter((l) => !l.startsWith(`:${chain} `) && !l.startsWith(`-A ${chain} `)).join('\n');
/** `before` with counters declared on ns/b's service chain only (and on a built-in chain, by the case). */
const counted = before.replace(/ \[0:0\]$/gm, '').replace(`:${NS_B} -\n`, `:${NS_B} - [0:0]\n`);
const bothEdited = (edit: (t: string) => string, to = after): [string, string] => [edit(before), edit(to)];
/** The first rule that sends a share of a port's traffic to an endpoint (ns/a:http scaled has two). */
const firstShare = (text: string) => text.split('\n').find((l) => l.includes(' --mode random ')) as string;
/** `after` with a second comment on its first share's rule (a rule the diff then reads by its canonical key), and that rule respelled by `respell`. */
const shareRespelled = (respell: (l: string) => string): [string, string] => {
  const twoComments = after.replace(firstShare(after), `${firstShare(after)} -m comment --comment x`);
  return [twoComments, twoComments.replace(firstShare(twoComments), respell(firstShare(twoComments)))];
};

describe('dumps edited where the narrowed reading once answered otherwise', () => {
  test.each<[string, [string, string]]>([
    [
      'a "has no endpoints" rule the model does not read (it ACCEPTs, or is for ICMP) is no service port',
      bothEdited((t) => withLineAfter(withLineAfter(t, '-A KUBE-EXTERNAL-SERVICES .*--dport 30800', '-A KUBE-EXTERNAL-SERVICES -d 10.96.0.12/32 -p tcp -m comment --comment "ns/c:p has no endpoints" -m tcp --dport 80 -j ACCEPT'), '-A KUBE-EXTERNAL-SERVICES .*--dport 30800', '-A KUBE-EXTERNAL-SERVICES -d 10.96.0.13/32 -p icmp -m comment --comment "ns/d:p has no endpoints" -j REJECT')),
    ],
    ['a NodePort rule whose comment names another service (the filter table, with its "no local endpoints" rules, first)', [before, natLine(before, '-A KUBE-NODEPORTS -p tcp -m comment --comment "ns/b:p"', (l) => l.replace('"ns/b:p"', '"ns/a:dns"'))]],
    ['KUBE-NODEPORTS filled after KUBE-SERVICES though declared before it (its comments name the port first)', [before, natLine(before, '-A KUBE-NODEPORTS -p tcp -m comment --comment "ns/b:p"', (l) => l.replace('"ns/b:p"', '"ns/a:dns"')).replace(/^(-A KUBE-NODEPORTS .*\n)((?:-A KUBE-(?:POSTROUTING|SEP|SERVICES).*\n)+)/m, '$2$1')]],
    ['a chain made by its first rule rather than declared, its rules last (chains in another order)', [before, kubeServicesLast(noNatDeclarationOf(before, 'KUBE-SERVICES'))]],
    ['a dispatch rule to a service chain the table does not hold', bothEdited((t) => withLineAfter(t, '-A KUBE-SERVICES .*ns/b:p external IP', '-A KUBE-SERVICES -d 10.96.0.99/32 -p tcp -m comment --comment "ns/b:gone cluster IP" -m tcp --dport 81 -j KUBE-SVC-AAAAAAAAAAAAAAAA'))],
    ['a service chain jumping to an endpoint chain the dump does not hold', bothEdited((t) => withoutChain(t, 'KUBE-SEP-ZUKCDR5ZUBUQ2JMT'))],
    ['an endpoint chain jumping to a kube-proxy chain the dump does not hold', bothEdited((t) => natLine(t, '-A KUBE-SEP-ZUKCDR5ZUBUQ2JMT ', (l) => l.replace('KUBE-MARK-MASQ', 'KUBE-MARK-GONE')))],
    [
      'a service chain of the filter table jumping to an endpoint chain of nat (the full reading finds a jump\'s chain in any table)',
      [before, withLineAfter(withLineAfter(before, ':KUBE-FORWARD', ':KUBE-SVL-FILTERAAAAAAAAAA - [0:0]'), '-A KUBE-FORWARD .*conntrack rule', '-A KUBE-SVL-FILTERAAAAAAAAAA -m comment --comment "ns/z:p" -j KUBE-SEP-UP5P32COJXIRUDPY')],
    ],
    ['a rule of the filter table jumping to a service chain of nat', [before, withLineAfter(before, '-A KUBE-FORWARD .*conntrack rule', '-A KUBE-FORWARD -m comment --comment "ns/a:http" -j KUBE-SVC-PDNTG4S5GI55M4RT')]],
    [
      'an endpoint chain no service chain jumps to (the rest\'s), jumping to a kube-proxy chain the dump does not hold',
      bothEdited((t) => natLine(withLineAfter(t, ':KUBE-SERVICES', ':KUBE-SEP-ORPHANAAAAAAAAAA - [0:0]'), 'COMMIT', () => '-A KUBE-SEP-ORPHANAAAAAAAAAA -j KUBE-MARK-GONE\nCOMMIT')),
    ],
    [
      'a load-balancing chain that sends a share to a chain of the rest, whose DNAT changes',
      [before, after].map((t, k) => natLine(withLineAfter(withLineAfter(t, `-A ${NS_B} `, `-A ${NS_B} -m statistic --mode random --probability 0.5 -j MY-DNAT`), ':KUBE-SVC-PDNT', ':MY-DNAT - [0:0]'), 'COMMIT', () => `-A MY-DNAT -p tcp -j DNAT --to-destination 10.9.9.${k}:80\nCOMMIT`)) as [string, string],
    ],
    ['a dispatch rule with a tab before its target, whose cluster IP changes', [natLine(before, '-A KUBE-SERVICES -d 10.96.0.11/32', (l) => l.replace(' -j ', '\t-j ')), natLine(before, '-A KUBE-SERVICES -d 10.96.0.11/32', (l) => l.replace(' -j ', '\t-j ').replace('10.96.0.11', '10.96.0.12'))]],
    [
      'a dispatch rule with a comment after its target (holding " -j …"), whose cluster IP changes',
      [natLine(before, '-A KUBE-SERVICES -d 10.96.0.11/32', (l) => `${l} -m comment --comment "not -j KUBE-MARK-MASQ"`), natLine(before, '-A KUBE-SERVICES -d 10.96.0.11/32', (l) => `${l.replace('10.96.0.11', '10.96.0.12')} -m comment --comment "not -j KUBE-MARK-MASQ"`)],
    ],
    ['a dispatch rule with two comments (the model reads the last)', bothEdited((t) => natLine(t, '-A KUBE-SERVICES -d 10.96.0.10/32 -p udp', (l) => l.replace('--comment "ns/a:dns cluster IP"', '--comment "ns/c:dns cluster IP" -m comment --comment "ns/a:dns cluster IP"')))],
    ['a dispatch rule with two spaces before its target, whose cluster IP changes', [natLine(before, '-A KUBE-SERVICES -d 10.96.0.11/32', (l) => l.replace(' -j ', ' -j  ')), natLine(before, '-A KUBE-SERVICES -d 10.96.0.11/32', (l) => l.replace(' -j ', ' -j  ').replace('10.96.0.11', '10.96.0.12'))]],
    ['a rule with two spaces before its chain name', bothEdited((t) => natLine(t, `-A ${NS_B} `, (l) => l.replace('-A ', '-A  ')))],
    ['a dispatch rule written with --jump whose cluster IP changes', [natLine(before, '-A KUBE-SERVICES -d 10.96.0.11/32', (l) => l.replace(' -j ', ' --jump ')), natLine(before, '-A KUBE-SERVICES -d 10.96.0.11/32', (l) => l.replace(' -j ', ' --jump ').replace('10.96.0.11', '10.96.0.12'))]],
    ['a dispatch rule whose target is quoted, whose cluster IP changes', [natLine(before, '-A KUBE-SERVICES -d 10.96.0.11/32', (l) => l.replace(/-j (\S+)$/, '-j "$1"')), natLine(before, '-A KUBE-SERVICES -d 10.96.0.11/32', (l) => l.replace(/-j (\S+)$/, '-j "$1"').replace('10.96.0.11', '10.96.0.12'))]],
    ['two ports of one name (the comments of one naming another) in both dumps', bothEdited((t) => t.replaceAll('ns/b:p', 'ns/a:http'), before)],
    ['a "has no endpoints" rule in the chain of another service', bothEdited((t) => withLineAfter(t, `-A ${NS_B} `, `-A ${NS_B} -p udp -m comment --comment "ns/a:dns has no endpoints" -j REJECT`), afterDns)],
    [
      'a service chain of the same name in two tables (the model reads the later one)',
      bothEdited((t) =>
        withLineAfter(withLineAfter(natLine(t, '-A KUBE-SERVICES -d 10.96.0.10/32 -p udp', (l) => l.replace('-m comment --comment "ns/a:dns cluster IP" ', '')), '-A KUBE-FORWARD .*conntrack rule', `-A ${NS_A_DNS} -m comment --comment "ns/c:x" -j ACCEPT`), ':KUBE-SERVICES', `:${NS_A_DNS} - [0:0]`),
      ),
    ],
    [
      'a load-balancing rule written otherwise that the rule diff takes for the same rule but the service model reads otherwise (`--mode` without its value)',
      shareRespelled((l) => l.replace('--mode random', '--mode')),
    ],
    [
      'a rule whose comment and another whose target hold the meaning hash\'s separators (NUL bytes), so that their texts hashed would be one',
      [natLine(before, '-A KUBE-SEP-', (l) => l.replace(' -j KUBE-MARK-MASQ', ' -j Q\u0000FKUBE-MARK-MASQ')), natLine(before, '-A KUBE-SEP-', (l) => l.replace(/--comment "([^"]*)"/, '--comment "$1\u0000FQ"'))],
    ],
    [
      'a service chain declared twice, its first declaration giving it another policy in each dump (the full reading keeps the policy a later declaration leaves as it is)',
      [withLineAfter(before, `:${NS_B} `, `:${NS_B} - [0:0]`).replace(`:${NS_B} - [0:0]`, `:${NS_B} DROP [0:0]`), withLineAfter(before, `:${NS_B} `, `:${NS_B} - [0:0]`).replace(`:${NS_B} - [0:0]`, `:${NS_B} ACCEPT [0:0]`)],
    ],
    ['a rule of a service chain written again with the chain\'s name quoted (the full reading reads the name unquoted)', [before, natLine(before, `-A ${NS_B} `, (l) => `${l}\n${l.replace(`-A ${NS_B}`, `-A "${NS_B}"`)}`)]],
    ['a service chain declared with counters in both dumps (the full reading says the dumps have counters)', bothEdited((t) => t.replace(`:${NS_B} - [0:0]`, `:${NS_B} - [5:300]`), before)],
    [
      'a built-in chain\'s counters declared after a service chain\'s, in one dump (the full reading finds the counters in another order)',
      [counted.replace(':PREROUTING ACCEPT', ':PREROUTING ACCEPT [7:420]'), natLine(counted, ':PREROUTING ', () => '').replace(`:${NS_B} - [0:0]`, `:${NS_B} - [0:0]\n:PREROUTING ACCEPT [7:420]`).replace(/^\n/m, '')],
    ],
    [
      'a service chain\'s declaration the full reading does not read (no policy), where it stands in the declarations moved (the full reading makes the chain at its first rule)',
      [natLine(before, `:${NS_B} `, () => `:${NS_B}`), natLine(natLine(before, `:${NS_B} `, () => ''), ':KUBE-SERVICES ', (l) => `${l}\n:${NS_B}`).replace(/\n\n/, '\n')],
    ],
    [
      'KUBE-SERVICES and KUBE-NODEPORTS declared in another order, a node port rule of another protocol than its port\'s cluster IP rule (the full reading takes a port\'s protocol from the chain made first)',
      ((udpNodePort: string): [string, string] => [udpNodePort, natLine(natLine(udpNodePort, ':KUBE-NODEPORTS ', () => ''), ':KUBE-SERVICES ', (l) => `${l}\n:KUBE-NODEPORTS - [0:0]`).replace(/\n\n/, '\n')])(
        natLine(before, '-A KUBE-NODEPORTS -p tcp -m comment --comment "ns/a:http"', (l) => l.replace(/tcp/g, 'udp')),
      ),
    ],
    [
      'a restore payload against its iptables-save (a port\'s own chains declared in another order), a port with no cluster IP rule whose external chain masquerades another cluster IP',
      ((payload: string): [string, string] => [payload, toSaveFormat(payload)])(
        writeRestorePayload(tiny)
          .replace(/^-A KUBE-SERVICES .*"ns\/a:http cluster IP".*\n/m, '')
          .replace(/^(-A (KUBE-EXT-\w+) .*ns\/a:http.*)$/m, '-A $2 -d 10.9.9.9/32 -p tcp -m tcp --dport 80 -j KUBE-MARK-MASQ\n$1'),
      ),
    ],
    [
      'a port without endpoints whose "has no endpoints" rules of two chains drop and reject, the two chains declared in another order (the full reading keeps what the chain read last says)',
      ((dropping: string): [string, string] => [dropping, dropping.replace(':KUBE-EXTERNAL-SERVICES - [0:0]\n', '').replace(':KUBE-SERVICES - [0:0]\n', ':KUBE-SERVICES - [0:0]\n:KUBE-EXTERNAL-SERVICES - [0:0]\n')])(
        dump({ ...tiny, services: [...tiny.services, { namespace: 'ns', name: 'e', clusterIP: '10.96.0.12', externalIPs: ['192.0.2.8'], ports: [{ name: 'p', port: 9000, protocol: 'tcp', endpoints: [] }] }] }).replace(
          /^(-A KUBE-EXTERNAL-SERVICES .*)-j REJECT --reject-with icmp-port-unreachable$/gm,
          '$1-j DROP',
        ),
      ),
    ],
    ['a line longer than the full reading reads, in a service chain of both dumps (the full reading refuses the input)', bothEdited((t) => natLine(t, `-A ${NS_B} `, (l) => l.replace(/--comment "([^"]*)"/, `--comment "$1${'x'.repeat(70_000)}"`)), before)],
    [
      'a rule line the full reading does not read, the first of an undeclared chain in one dump (the full reading makes the chain at its next rule, after another)',
      [withLineAfter(before, ':POSTROUTING ', ''), withLineAfter(before, ':POSTROUTING ', '-A MY-CHAIN -m comment --comment "unterminated')].map((t) =>
        natLine(t, 'COMMIT', () => '-A MY-OTHER-CHAIN -j ACCEPT\n-A MY-CHAIN -j ACCEPT\nCOMMIT').replace(/\n\n/, '\n'),
      ) as [string, string],
    ],
    [
      'a second `# Generated by` header of another back end before the nat table (the full reading reads no further: a second dump follows)',
      [before, before.replace(/(# Generated by iptables-save v1\.8\.9 )\(nf_tables\)( on .*\n\*nat)/, '$1(legacy)$2')],
    ],
    [
      'iptables-nft\'s warning about legacy tables printed at the end of a rule of one service, before a rule of another that changes (the full reading joins the two lines in one)',
      ((warned: string): [string, string] => [warned, natLine(warned, '-A KUBE-SEP-ZUKCDR5ZUBUQ2JMT -s', (l) => l.replace('10.244.2.6/32', '10.244.2.7/32'))])(
        natLine(before, '-A KUBE-SEP-UP5P32COJXIRUDPY -p', (l) => `${l}# Warning: iptables-legacy tables present, use iptables-legacy to see them`),
      ),
    ],
    [
      'a port named by its own chains only (no comment on its dispatch rules), its external chain naming another service (the service model reads the service chain first)',
      bothEdited(
        (t) =>
          natLine(t, '-A KUBE-EXT-PDNTG4S5GI55M4RT -m comment', (l) => l.replace('ns/a:http', 'ns/zzz:http'))
            .replace(/^(-A KUBE-(?:SERVICES|NODEPORTS) .*) -m comment --comment "ns\/a:http(?: cluster IP)?"/gm, '$1'),
        afterDns,
      ),
    ],
    [
      'more chains than a quarter of the lines (chains declared and left empty): the first pass makes room for them as it meets them',
      bothEdited((t) => natLine(t, ':POSTROUTING ', (l) => [l, ...Array.from({ length: 3000 }, (_, i) => `:EMPTY-${i} - [0:0]`)].join('\n'))),
    ],
  ])('%s', (_, [b, a]) => {
    expectSameAnswer(b, a);
  });
});

describe.each([
  ['generated and real dumps', 400, undefined],
  ['a restore payload against an iptables-save (rules written differently, compared by what they mean)', 160, WRITTEN_DIFFERENTLY],
])('random edits (tests/support/dump-edits.ts) of %s, one side or both', (_, count, from) => {
  const pairs = Array.from({ length: count }, (_, seed) => editedPair(seed, from));

  test('the same answer read narrowed or whole', () => {
    const differ = pairs.filter((p) => answersDiffer(p.before, p.after));
    // The first pair that differs, shown field by field.
    if (differ[0]) expectSameAnswer(differ[0].before, differ[0].after);
    expect(differ.map((p) => `seed ${p.seed} (${p.base}): ${p.edits.join(', ')}`)).toEqual([]);
  });

  test('most of them are read narrowed (so the test above holds the narrowing to the whole reading)', () => {
    const narrowed = pairs.filter((p) => narrowHere(iptablesFirstPass, Buffer.from(p.before), Buffer.from(p.after)) !== null);
    expect(narrowed.length).toBeGreaterThan(pairs.length / 2);
  });
});
