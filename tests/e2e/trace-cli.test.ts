/**
 * `natdiff trace` and `natdiff diff --verify` as a user runs them (the built bundle): the text
 * table, the JSON contract, one-line errors with exit 2, and --verify's warning and exit 1.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expectOneLineError, natdiff } from '../support/cli';
import { inNetns, netnsUnavailableReason, restore, save, withNetns } from '../support/netns';
import { scratchDir } from '../support/scratch-dir';
import { fixture } from '../support/snapshots';

const F = (...p: string[]): string => join('tests', 'fixtures', ...p);
const CASES = F('hand-made', 'trace-cases.txt');

test('text: the distribution on one screen, then masquerading, paths and assumptions', () => {
  const r = natdiff(['trace', CASES, '--to', '10.96.0.20:80', '--from', '192.168.7.7']);
  expect(r.status).toBe(0);
  expect(r.stderr).toBe('');
  const lines = r.stdout.split('\n');
  expect(lines.slice(0, 5)).toEqual([
    `trace 10.96.0.20:80/tcp from 192.168.7.7 through ${CASES}`,
    '',
    'DESTINATION      PROBABILITY',
    '10.244.2.2:8080          75%',
    '10.244.1.1:8080          25%',
  ]);
  expect(r.stdout).toContain('masquerade: always');
  expect(r.stdout).toContain('     75%  PREROUTING → KUBE-SERVICES → KUBE-SVC-AAAAAAAAAAAAAAAA → KUBE-MARK-MASQ → KUBE-SEP-AAAAAAAAAAAAAAA2 → POSTROUTING → KUBE-POSTROUTING ⇒ 10.244.2.2:8080 (masquerade)');
});

test('text without --from: masquerading for each kind of source, the paths said to be those of a client outside every network the rules name', () => {
  const r = natdiff(['trace', join('snapshots', 'coredns-scale-2to4-after.txt'), '--to', '10.96.0.10:53/udp']);
  expect(r.status).toBe(0);
  const lines = r.stdout.split('\n');
  const at = lines.indexOf('masquerade: sometimes, by source:');
  expect(lines.slice(at + 1, at + 3)).toEqual([
    '  always     a client outside every source network the rules name (the paths below)',
    '  never      a source in 10.244.0.0/16, e.g. --from 10.244.0.1',
  ]);
  expect(lines[at + 3]).toMatch(/^ {2}sometimes {2}a source in 10\.244\.0\.[5-8]\/32, e\.g\. --from 10\.244\.0\.[5-8]$/);
  expect(natdiff(['trace', join('snapshots', 'coredns-scale-2to4-after.txt'), '--to', '10.96.0.10:53/udp', '--from', '10.244.0.1']).stdout).toContain('\nmasquerade: never\n');
});

test('an address and port no rule serves: said in one sentence first, with what the rules do serve there', () => {
  const r = natdiff(['trace', join('snapshots', 'coredns-scale-2to4-after.txt'), '--to', '10.96.0.10:9153/udp']);
  expect(r.status).toBe(0);
  expect(r.stdout.split('\n').slice(2, 4)).toEqual([
    'no rule translates 10.96.0.10:9153/udp: it leaves nat untranslated, still addressed to 10.96.0.10:9153',
    'what the rules do serve: 10.96.0.10:53/tcp (kube-system/kube-dns:dns-tcp), 10.96.0.10:53/udp (kube-system/kube-dns:dns), 10.96.0.10:9153/tcp (kube-system/kube-dns:metrics)',
  ]);
  expect(natdiff(['trace', join('snapshots', 'coredns-scale-2to4-after.txt'), '--to', '10.96.0.99:53/udp']).stdout.split('\n')[2]).toBe('no rule translates 10.96.0.99:53/udp: it leaves nat untranslated, still addressed to 10.96.0.99:53');
});

test('a partial snapshot: the trace says that rules it does not hold may translate what it leaves untranslated', () => {
  const r = JSON.parse(natdiff(['trace', join('snapshots', 'nginx-basic-3-endpoints.txt'), '--to', '192.168.0.10:30207', '--node-ip', '192.168.0.10', '-o', 'json']).stdout);
  expect(r.assumptions[0]).toEqual({ chain: null, line: null, message: expect.stringMatching(/^the snapshot is partial \(holds rule lines without their table \(a pasted fragment\)\): the rules it does not hold are not walked/) });
});

test('-o json is exactly the documented contract', () => {
  const r = natdiff(['trace', CASES, '--to', '192.168.0.10:30080', '-o', 'json']);
  expect(r.status).toBe(0);
  const doc = JSON.parse(r.stdout);
  expect(Object.keys(doc)).toEqual(['formatVersion', 'destinations', 'unmatched', 'masquerade', 'paths', 'assumptions']);
  expect(doc).toMatchObject({ formatVersion: 1, destinations: [], unmatched: 1, masquerade: 'never' });
  expect(doc.assumptions).toEqual([{ chain: 'KUBE-SERVICES', line: 39, message: expect.stringContaining('give --node-ip') }]);
  const withNode = JSON.parse(natdiff(['trace', CASES, '--to', '192.168.0.10:30080', '--node-ip', '192.168.0.10', '-o', 'json']).stdout);
  expect(withNode.destinations).toEqual([{ address: '10.244.2.2:8080', probability: 0.75 }, { address: '10.244.1.1:8080', probability: 0.25 }]);
  expect(withNode.paths[0]).toEqual({ chains: expect.arrayContaining(['KUBE-NODEPORTS']), probability: 0.75, result: '10.244.2.2:8080', masquerade: false });
});

test('-o yaml, from an nftables listing', () => {
  const r = natdiff(['trace', F('nftables', 'k8s-1.30-1.33.list.txt'), '--to', '10.96.0.10:53/udp', '-o', 'yaml']);
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/^formatVersion: 1\ndestinations:\n {2}- address: 10\.244\.1\.2:53\n {4}probability: 0\.5\n/);
});

test.each([
  [['trace', CASES, '--to', '10.96.0.20'], /^natdiff: --to 10\.96\.0\.20: give IP:PORT\[\/PROTO\]/],
  [['trace', CASES, '--to', '10.96.0.20:80', '--from', 'nope'], /^natdiff: --from nope: not an IP address$/],
  [['trace', F('corpus', '01-eks-echoserver-scale-before.txt'), '--to', '10.96.0.1:443'], /does not show enough of the rules to walk them/],
  [['trace', F('hand-made', 'trace-loop.txt'), '--to', '10.96.0.50:80'], /trace-loop\.txt:10: chain loop: KUBE-EXT-LOOPLOOPLOOPLOOP leads back to KUBE-SVC-LOOPLOOPLOOPLOOP/],
  [['trace', F('corpus', '04-k3s-metallb-svc-6pods-etp-local-after.txt'), '--to', '10.43.0.10:53/udp'], /^natdiff: tests\/fixtures\/corpus\/04-k3s-metallb-svc-6pods-etp-local-after\.txt: the snapshot's nat table has neither PREROUTING nor KUBE-SERVICES/],
])('%j: one line on stderr, exit 2', (args, message) => {
  expectOneLineError(natdiff(args as string[]), message);
});

test('diff --verify: a port whose rules send traffic elsewhere than their layout says is a warning, and exit 1', () => {
  const r = natdiff(['diff', CASES, CASES, '--verify', '--all', '-q']);
  expect(r.status).toBe(1);
  const plain = natdiff(['diff', CASES, CASES, '--verify', '--all']);
  expect(plain.stderr).toMatch(/--verify: default\/dns:dns: a trace of 10\.96\.0\.30:53\/udp sends new connections to 10\.244\.4\.4:53 100%, but its rules' layout says 10\.244\.3\.3:53 50%, 10\.244\.4\.4:53 50%/);
  expect(plain.stderr).toMatch(/--verify: default\/hidden:dns: a trace of 10\.96\.0\.40:53\/udp sends new connections to no endpoint 100%/);
  // Without --verify the same diff is clean; a clean --verify stays 0.
  expect(natdiff(['diff', CASES, CASES, '-q']).status).toBe(0);
  expect(natdiff(['diff', F('nftables', 'k8s-1.30-1.33.list.txt'), F('nftables', 'k8s-1.30-1.33.json'), '--verify', '--all', '-q']).status).toBe(0);
});

const unavailable = netnsUnavailableReason();
if (unavailable) console.warn(`skipping the real-iptables trace: ${unavailable}`);

const scratch = scratchDir('natdiff-trace-');

(unavailable ? test.skip : test)('real iptables: a fixture loaded with iptables-restore in a netns and read back with iptables-save traces alike', async () => {
  const saved = await withNetns((ns) => {
    restore(ns, fixture('hand-made', 'trace-cases.txt'));
    expect(inNetns(ns, ['iptables', '-t', 'nat', '-S', 'KUBE-SVC-AAAAAAAAAAAAAAAA']).status).toBe(0);
    return save(ns, ['-t', 'nat']);
  });
  const readBack = join(scratch, 'saved.txt');
  writeFileSync(readBack, saved);
  for (const to of [['10.96.0.20:80', '--affinity-hit', '10.244.1.1:8080'], ['10.96.0.30:53/udp'], ['192.168.0.10:30080', '--node-ip', '192.168.0.10'], ['10.96.0.20:80']]) {
    const fromFile = JSON.parse(natdiff(['trace', CASES, '--to', ...to, '-o', 'json']).stdout);
    const fromKernel = natdiff(['trace', readBack, '--to', ...to, '-o', 'json']);
    expect(fromKernel.status).toBe(0);
    // The kernel's read-back numbers its lines differently: the answer is the same.
    const answer = (doc: { assumptions: { line: number | null }[] }) => ({ ...doc, assumptions: doc.assumptions.map((a) => ({ ...a, line: null })) });
    expect(answer(JSON.parse(fromKernel.stdout))).toEqual(answer(fromFile));
  }
});
