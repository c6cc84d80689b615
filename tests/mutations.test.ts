/**
 * Never a silent miss: a change to a rule of a kube-proxy service or endpoint chain that alters
 * where some traffic goes is a change (exit 1, something listed), and a respelling is not. Real
 * dumps (the bundled snapshots, the corpus, a captured iptables-save) are edited as an operator
 * or a broken controller would (tests/support/mutations.ts), and diffed as the CLI diffs them.
 */
import { fc, test as prop } from '@fast-check/jest';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { diffSnapshots } from '../lib/diff/diff-snapshots';
import type { DiffReport } from '../lib/diff/types';
import { InputError } from '../lib/errors';
import type { Snapshot } from '../lib/model/snapshot';
import { renderText } from '../lib/report/text';
import { otherChanges, summaryLine } from '../lib/report/view';
import { parseSnapshot } from '../lib/snapshot/load-snapshot';
import { chainNames, CONTROL, FOREIGN_JUMPS, insertRule, NEEDS_REACHABLE, SEMANTIC, serviceRules, type DumpRule, type Mutation } from './support/mutations';
import { writeRestorePayload, type ClusterSpec } from './support/kube-proxy-writer';
import { bundled, fixture } from './support/snapshots';

interface Dump {
  name: string;
  text: string;
  snapshot: Snapshot;
  rules: DumpRule[];
}

function dump(name: string, text: string): Dump | null {
  try {
    return { name, text, snapshot: parseSnapshot(text, name), rules: serviceRules(text) };
  } catch (e) {
    if (e instanceof InputError) return null; // a format natdiff refuses (corpus.test.ts pins the message)
    throw e;
  }
}

const DUMPS: Dump[] = [
  ...['coredns-scale-2to4-before.txt', 'coredns-scale-2to4-after.txt', 'nginx-basic-3-endpoints.txt', 'golang-ex-3-endpoints.txt'].map((f) => dump(f, bundled(f))),
  dump('captured/iptables-save-of-payload.txt', fixture('captured', 'iptables-save-of-payload.txt')),
  ...readdirSync(join(__dirname, 'fixtures', 'corpus'))
    .filter((f) => f.endsWith('.txt'))
    .map((f) => dump(`corpus/${f}`, fixture('corpus', f))),
].filter((d): d is Dump => d !== null && d.rules.length > 0);

/** The dump against its edited self, as `natdiff diff` reads them (the second alike the first). */
function diffEdited(d: Dump, edited: string): DiffReport {
  return diffSnapshots(d.snapshot, parseSnapshot(edited, `${d.name} (edited)`, { alike: d.snapshot }));
}

/** Exit 1, and something on the screen says what changed. */
function expectChange(report: DiffReport): void {
  expect(report.summary.changed).toBe(true);
  expect(summaryLine(report)).not.toMatch(/^no semantic change/);
  expect(report.services.some((s) => s.status !== 'unchanged') || otherChanges(report).length > 0).toBe(true);
}

function expectNoChange(report: DiffReport): void {
  expect(report.services.filter((s) => s.status !== 'unchanged')).toEqual([]);
  expect(report.chains).toEqual([]);
  expect(report.summary.changed).toBe(false);
}

const KINDS: [string, RegExp][] = [['KUBE-SVC', /^KUBE-SVC-/], ['KUBE-SEP', /^KUBE-SEP-/], ['KUBE-SVL/XLB/EXT/FW', /^KUBE-(SVL|XLB|EXT|FW)-/]];

function applies(name: string, mutation: Mutation, d: Dump, rule: DumpRule): string | null {
  return NEEDS_REACHABLE.has(name) && !rule.reachable ? null : mutation(d.text, rule);
}

/** Each mutation on the first rule of each kind of chain it applies to: what it is, and the edited dump. */
function fixedEdits(d: Dump, mutations: Record<string, Mutation>): [string, Dump, string][] {
  return Object.entries(mutations).flatMap(([name, mutation]) =>
    KINDS.flatMap(([kind, pattern]): [string, Dump, string][] => {
      for (const rule of d.rules) {
        if (!pattern.test(rule.chain)) continue;
        const edited = applies(name, mutation, d, rule);
        if (edited !== null) return [[`${name} (${kind})`, d, edited]];
      }
      return [];
    }),
  );
}

/** A rule of each foreign kind put before the first reachable rule of each kind of chain, at 10% and at 90%. */
function reweightedEdits(d: Dump): [string, Dump, string][] {
  return KINDS.flatMap(([kind, pattern]) => {
    const rule = d.rules.find((r) => r.reachable && pattern.test(r.chain));
    if (!rule) return [];
    return FOREIGN_JUMPS.map((jump): [string, Dump, string] => [`${jump} (${kind})`, dump(d.name, insertRule(jump, '0.1')(d.text, rule) as string) as Dump, insertRule(jump, '0.9')(d.text, rule) as string]);
  });
}

/** The edits whose diff fails `check`, by name (so one test per dump says all that fail). */
function failing(cases: [string, Dump, string][], check: (report: DiffReport) => void): string[] {
  return cases.flatMap(([name, d, edited]) => {
    try {
      check(diffEdited(d, edited));
      return [];
    } catch {
      return [name];
    }
  });
}

test('the dumps hold every kind of service chain, and every edit applies to some', () => {
  expect(DUMPS.length).toBeGreaterThan(18);
  for (const [, pattern] of KINDS) expect(DUMPS.some((d) => d.rules.some((r) => pattern.test(r.chain)))).toBe(true);
  for (const mutations of [SEMANTIC, CONTROL]) {
    const applied = new Set(DUMPS.flatMap((d) => fixedEdits(d, mutations).map(([name]) => name.replace(/ \(.*\)$/, ''))));
    expect(applied).toEqual(new Set(Object.keys(mutations)));
  }
});

describe.each(DUMPS.map((d) => [d.name, d] as const))('%s', (_, d) => {
  test('every edit that changes where traffic goes (a fixed list, on each kind of service chain) is a change', () => {
    expect(failing(fixedEdits(d, SEMANTIC), expectChange)).toEqual([]);
  });

  test('a rule of another kind put in each kind of service chain, then re-weighted from 10% to 90%, is a change', () => {
    expect(failing(reweightedEdits(d), expectChange)).toEqual([]);
  });

  test('edits that only respell a rule are no change', () => {
    expect(failing(fixedEdits(d, CONTROL), expectNoChange)).toEqual([]);
  });
});

const probability = fc.integer({ min: 1, max: 2 ** 31 - 1 }).map((u) => (u / 2 ** 31).toFixed(11));

/** A rule of another kind to put in a service chain: before (or after) which rule, its jump, its probability. */
const insertion = fc.tuple(fc.nat(), fc.constantFrom(...FOREIGN_JUMPS), fc.option(probability, { nil: null }), fc.boolean());

function withInserted(d: Dump, [ri, jump, p, after]: [number, string, string | null, boolean]): string {
  return insertRule(jump, p, after)(d.text, d.rules[ri % d.rules.length] as DumpRule) as string;
}

/** Edit `mi` of `mutations` applied to rule `ri` of the dump, or null when it does not apply. */
function edit(mutations: Record<string, Mutation>, d: Dump, ri: number, mi: number): string | null {
  const name = Object.keys(mutations)[mi % Object.keys(mutations).length] as string;
  return applies(name, mutations[name] as Mutation, d, d.rules[ri % d.rules.length] as DumpRule);
}

/** A scale 2 → 3 of kube-proxy ≥ 1.25's rules (comments that name each endpoint, affinity, policy Local, a load balancer). */
function writtenScale(): [string, string] {
  const at = (ips: string[]): ClusterSpec => ({
    podCIDR: '10.244.0.0/16',
    services: [
      { namespace: 'web', name: 'shop', clusterIP: '10.96.5.5', externalTrafficPolicy: 'Local', affinitySeconds: 600, loadBalancerIPs: ['203.0.113.7'], ports: [{ name: 'http', port: 80, protocol: 'tcp', nodePort: 30080, endpoints: ips.map((ip, i) => ({ ip, port: 8080, local: i % 2 === 0 })) }] },
    ],
  });
  return [writeRestorePayload(at(['10.244.1.5', '10.244.2.6'])), writeRestorePayload(at(['10.244.1.5', '10.244.2.6', '10.244.1.9']))];
}

/** Events, each side as it was captured (and one as kube-proxy writes it): a scale, a policy switch, affinity switched off, two nodes of a Local service. */
const EVENTS: [string, string][] = [
  writtenScale(),
  [bundled('coredns-scale-2to4-before.txt'), bundled('coredns-scale-2to4-after.txt')],
  [fixture('corpus', '03-k3s-metallb-svc-3pods-etp-cluster-before.txt'), fixture('corpus', '04-k3s-metallb-svc-6pods-etp-local-after.txt')],
  [fixture('corpus', '10-affinity-clientip-nodeport-3ep-before.txt'), fixture('corpus', '11-affinity-none-nodeport-3ep-after.txt')],
  [fixture('corpus', '25-aks-2019-xlb-local-affinity-node1-no-local-ep.txt'), fixture('corpus', '26-aks-2019-xlb-local-affinity-node2-has-local-ep.txt')],
];

/** The text report without its summary line (whose rule counts change with any edit): what is listed. */
function listed(before: string, after: string): string {
  const first = parseSnapshot(before, 'before');
  return renderText(diffSnapshots(first, parseSnapshot(after, 'after', { alike: first })), { color: false, all: false }).trimEnd().split('\n').slice(0, -1).join('\n');
}

describe('properties', () => {
  prop.prop([fc.nat(EVENTS.length - 1), fc.boolean(), fc.nat(), fc.nat()], { numRuns: 100 })(
    'an edit that changes where traffic goes, on either side of a real event where services change anyway, shows in the report',
    (ei, onAfter, ri, mi) => {
      const [before, after] = EVENTS[ei] as [string, string];
      const side = dump('side', onAfter ? after : before) as Dump;
      const other = dump('other', onAfter ? before : after) as Dump;
      const edited = edit(SEMANTIC, side, ri, mi);
      fc.pre(edited !== null);
      // A chain one side lacks is told whole by its service: what it should hold besides is kube-proxy's to say (a
      // deleted masquerade mark cannot be told from the rules), and when either side is part of a dump it is not
      // compared at all (and said so). Edit chains both sides hold, and insert anywhere else.
      const partial = side.snapshot.partial !== null || other.snapshot.partial !== null;
      const bothHold = chainNames(other.text).includes((side.rules[ri % side.rules.length] as DumpRule).chain);
      fc.pre(bothHold || (!partial && Object.keys(SEMANTIC)[mi % Object.keys(SEMANTIC).length]?.startsWith('insert') === true));
      const report = listed(before, after);
      expect(onAfter ? listed(before, edited as string) : listed(edited as string, after)).not.toBe(report);
    },
  );

  prop.prop([fc.nat(DUMPS.length - 1), fc.option(insertion, { nil: null }), fc.nat(), fc.nat()], { numRuns: 200 })(
    'an edit that changes where traffic goes is a change (of a dump, or of one with a rule of another kind in a service chain)',
    (di, inserted, ri, mi) => {
      const original = DUMPS[di] as Dump;
      const d = inserted === null ? original : (dump(original.name, withInserted(original, inserted)) as Dump);
      const edited = edit(SEMANTIC, d, ri, mi);
      fc.pre(edited !== null);
      expectChange(diffEdited(d, edited as string));
    },
  );

  prop.prop([fc.nat(DUMPS.length - 1), insertion], { numRuns: 100 })('a rule put anywhere in a service chain, with or without a probability, is a change', (di, inserted) => {
    const d = DUMPS[di] as Dump;
    expectChange(diffEdited(d, withInserted(d, inserted)));
  });

  prop.prop([fc.nat(DUMPS.length - 1), fc.nat(), fc.nat()], { numRuns: 100 })('an edit that only respells a rule is no change', (di, ri, mi) => {
    const d = DUMPS[di] as Dump;
    const edited = edit(CONTROL, d, ri, mi);
    fc.pre(edited !== null);
    expectNoChange(diffEdited(d, edited as string));
  });
});
