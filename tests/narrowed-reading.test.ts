/**
 * Leaving unread what two dumps hold written alike (lib/narrow, the iptables reader's narrow)
 * changes no answer: on generated clusters with random scale events and random rule order, on the
 * benchmark's generator, on the bundled pairs and on every corpus dump, the report read narrowed
 * is the report read whole — the same changed services (field for field), the same chains, noise
 * and summary — except that findings and warnings about what was left unread are not made.
 */
import { fc, test as property } from '@fast-check/jest';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DiffReport } from '../lib/diff/types';
import { InputError } from '../lib/errors';
import { narrowHere } from '../lib/narrow/first-pass';
import { iptablesFirstPass } from '../lib/parse/iptables/narrow';
import { benchCluster, scaleEvent } from './bench/generate';
import { cluster as clusterArbitrary } from './support/cluster-arbitrary';
import type { ClusterSpec } from './support/kube-proxy-writer';
import { writeRestorePayload } from './support/kube-proxy-writer';
import { expectSameAnswer, report } from './support/narrowed-answer';
import { toSaveFormat } from './support/save-format';
import { bundled, fixture } from './support/snapshots';

const dump = (c: ClusterSpec, seed: number) => toSaveFormat(writeRestorePayload(c, { seed }));

describe('a generated cluster (300 services) and its scale event', () => {
  const cluster = benchCluster(300, 6, 7);
  const before = dump(cluster, 7);
  const after = dump(scaleEvent(cluster, 7), 14);

  test('the same answer read narrowed or whole, and it is the scale', () => {
    const r = expectSameAnswer(before, after) as DiffReport;
    expect(r.summary.servicesChanged).toBeGreaterThan(0);
    expect(r.summary.servicesChanged + r.summary.servicesUnchanged).toBe(300);
    expect(r.summary.byService.unchanged).toBe(300 - r.summary.byService.changed);
    expect(r.summary.servicesUnchanged).toBeGreaterThan(r.services.filter((s) => s.status === 'unchanged').length);
  });

  test('only the changed services and what they need are read: a small part of each dump', () => {
    const n = narrowHere(iptablesFirstPass, Buffer.from(before), Buffer.from(after));
    expect(n).not.toBeNull();
    const lines = before.split('\n').length;
    expect(n?.before.lineNumbers.length).toBeLessThan(lines / 5);
    expect(n?.alike.servicePorts).toBeGreaterThan(250);
  });

  test('lines read keep their numbers in the dump: a changed rule is named by its line there', () => {
    const r = report(before, after, true);
    const afterLines = after.split('\n');
    const refs = r.chains.flatMap((c) => c.added);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) expect(afterLines[ref.line - 1]).toContain(ref.text.split(' ')[1] as string);
  });
});

test('the bundled pairs: the same answer read narrowed or whole', () => {
  for (const [a, b] of [['coredns-scale-2to4-before.txt', 'coredns-scale-2to4-after.txt'], ['nginx-basic-2-endpoints.txt', 'nginx-basic-3-endpoints.txt'], ['golang-ex-1-endpoint.txt', 'golang-ex-3-endpoints.txt']] as const) {
    expectSameAnswer(bundled(a), bundled(b));
  }
});

/** The dump without its first rule line, and without the last rule line of its nat table. */
const withoutFirstRule = (text: string) => text.replace(/^(?:\[\d+:\d+\] )?-A .*\n/m, '');
const withoutLastNatRule = (text: string) => {
  const lines = text.split('\n');
  const nat = lines.indexOf('*nat');
  const commit = lines.indexOf('COMMIT', nat);
  const last = lines.slice(0, commit).map((l, i) => [l, i] as const).filter(([l, i]) => i > nat && l.startsWith('-A ')).pop();
  return last ? lines.filter((_, i) => i !== last[1]).join('\n') : text;
};

const corpus = readdirSync(join(__dirname, 'fixtures', 'corpus')).filter((f) => {
  if (!f.endsWith('.txt')) return false;
  try {
    report(fixture('corpus', f), fixture('corpus', f), false);
    return true;
  } catch (e) {
    if (e instanceof InputError) return false; // refused whole too (corpus.test.ts pins why)
    throw e;
  }
});

test.each(corpus)('corpus %s against itself less a rule, and against itself: the same answer read narrowed or whole', (file) => {
  const text = fixture('corpus', file);
  expectSameAnswer(text, text);
  expectSameAnswer(text, withoutFirstRule(text));
  expectSameAnswer(withoutLastNatRule(text), text);
});

test('corpus dumps in iptables-save form are read narrowed (12 has counters on its rules, 18 no kube-proxy iptables-mode services)', () => {
  const narrowed = corpus.filter((f) => narrowHere(iptablesFirstPass, Buffer.from(fixture('corpus', f)), Buffer.from(withoutFirstRule(fixture('corpus', f)))) !== null);
  expect(narrowed).toEqual(['09-k8s-1.6era-docker-externalip-physdev-affinity.txt', '16-cilium-ipvs-leftover-garbled-dnat.txt', '24-kubeadm-2018-weave-docker-iptables-save.txt']);
});

describe('dumps that cannot be split exactly are read whole', () => {
  const cluster = benchCluster(5, 2, 1);
  const before = dump(cluster, 1);

  test.each([
    ['counters on rules (iptables-save -c)', before.replace(/^-A /gm, '[3:180] -A ')],
    ['cut short (no newline at the end)', before.slice(0, -1)],
    ['another format (iptables -S)', before.replace(/^:(\S+) - \[0:0\]$/gm, '-N $1')],
    ['a port whose name no comment says', before.replace(/ -m comment --comment "[^"]*cluster IP"/g, '').replace(/ -m comment --comment "?[a-z0-9-]+\/[^ ]*"?/g, '')],
  ])('%s', (_, after) => {
    expect(narrowHere(iptablesFirstPass, Buffer.from(before), Buffer.from(after))).toBeNull();
  });
});

describe('dumps written differently (a restore payload against an iptables-save of the same rules: no line alike)', () => {
  const cluster = benchCluster(300, 6, 7);
  const payload = writeRestorePayload(cluster, { seed: 7 });
  const saved = toSaveFormat(payload);
  const scaledSave = dump(scaleEvent(cluster, 7), 14);

  test('the same state: read narrowed, nothing of it read but the rest, every rule counted as written differently', () => {
    const n = narrowHere(iptablesFirstPass, Buffer.from(payload), Buffer.from(saved));
    expect(n?.alike.servicePorts).toBe(300);
    expect(n?.before.lineNumbers.length).toBeLessThan(payload.split('\n').length / 5);
    const r = expectSameAnswer(payload, saved) as DiffReport;
    expect(r.summary.changed).toBe(false);
    expect(r.noise.formattingOnly).toBeGreaterThan(1000);
    expect(r.noise.declarationOrder).toBe(true);
  });

  test('a scale event written the other way: the same answer read narrowed or whole, the unchanged services left unread', () => {
    const n = narrowHere(iptablesFirstPass, Buffer.from(payload), Buffer.from(scaledSave));
    expect(n?.alike.servicePorts).toBeGreaterThan(250);
    const r = expectSameAnswer(payload, scaledSave) as DiffReport;
    expect(r.summary.servicesChanged).toBeGreaterThan(0);
  });

  test('dispatch rules written differently (their chain and services alike): read and counted as noise, as the whole reading counts them, never left out', () => {
    const saved = dump(cluster, 7);
    const respelled = saved.replace(/^(-A KUBE-SERVICES -d .* --dport )(\d+) /gm, '$10$2 ');
    expect(respelled).not.toBe(saved);
    const n = narrowHere(iptablesFirstPass, Buffer.from(saved), Buffer.from(respelled));
    expect(n?.alike.servicePorts).toBe(300);
    const r = expectSameAnswer(saved, respelled) as DiffReport;
    expect(r.noise.formattingOnly).toBeGreaterThanOrEqual(300);
  });

  test('chains declared in another order: read narrowed, the order told as noise as the whole reading tells it', () => {
    const small = dump(benchCluster(5, 2, 1), 1);
    const reordered = small.replace(/^(:KUBE-SVC-\S+ - \[0:0\])\n(:KUBE-SVC-\S+ - \[0:0\])$/m, '$2\n$1');
    expect(narrowHere(iptablesFirstPass, Buffer.from(small), Buffer.from(reordered))).not.toBeNull();
    expect((expectSameAnswer(small, reordered) as DiffReport).noise.declarationOrder).toBe(true);
  });
});

/** A scale event on a generated cluster: each port may gain or lose endpoints, a service may go. */
const scaled = (c: ClusterSpec) =>
  fc.tuple(fc.array(fc.integer({ min: -2, max: 2 }), { minLength: 12, maxLength: 12 }), fc.option(fc.nat(4), { nil: undefined })).map(([moves, gone]): ClusterSpec => {
    let k = 0;
    let pod = 0;
    const services = c.services
      .filter((_, i) => i !== gone)
      .map((s) => ({
        ...s,
        ports: s.ports.map((p) => {
          const move = moves[k++ % moves.length] as number;
          const eps = move < 0 ? p.endpoints.slice(0, Math.max(0, p.endpoints.length + move)) : [...p.endpoints, ...Array.from({ length: move }, () => ({ ip: `10.250.0.${++pod}`, port: 8080, local: false }))];
          return { ...p, endpoints: eps };
        }),
      }));
    return { ...c, services };
  });

test('generated clusters and scale events are mostly read narrowed, a restore payload against a save too (so the properties below hold the narrowing to the whole reading)', () => {
  const pairs = fc.sample(clusterArbitrary.chain((c) => fc.tuple(fc.constant(c), scaled(c))), { numRuns: 30, seed: 42 });
  const narrowed = pairs.filter(([c, next]) => narrowHere(iptablesFirstPass, Buffer.from(dump(c, 1)), Buffer.from(dump(next, 2))) !== null);
  expect(narrowed.length).toBeGreaterThan(20);
  const payloadFirst = pairs.filter(([c, next]) => narrowHere(iptablesFirstPass, Buffer.from(writeRestorePayload(c, { seed: 1 })), Buffer.from(dump(next, 2))) !== null);
  expect(payloadFirst.length).toBeGreaterThan(20);
});

property.prop([clusterArbitrary.chain((c) => fc.tuple(fc.constant(c), scaled(c))), fc.nat(1000), fc.nat(1000)], { numRuns: 60 })(
  'any cluster, any scale event, any rule order: the same answer read narrowed or whole',
  ([c, next], seedBefore, seedAfter) => {
    expectSameAnswer(dump(c, seedBefore), dump(next, seedAfter));
  },
);

property.prop([clusterArbitrary.chain((c) => fc.tuple(fc.constant(c), scaled(c))), fc.nat(1000), fc.nat(1000), fc.boolean()], { numRuns: 40 })(
  'any cluster, any scale event, one side a restore payload: the same answer read narrowed or whole',
  ([c, next], seedBefore, seedAfter, payloadFirst) => {
    const payload = writeRestorePayload(payloadFirst ? c : next, { seed: payloadFirst ? seedBefore : seedAfter });
    if (payloadFirst) expectSameAnswer(payload, dump(next, seedAfter));
    else expectSameAnswer(dump(c, seedBefore), payload);
  },
);
