/**
 * The shortcuts that make large diffs fast change no answer: on a generated cluster and its scale
 * event (the benchmark's generator, small), on the noise pair, both in iptables and in nftables
 * mode, on the bundled pairs and on every
 * corpus dump natdiff reads (against itself less a rule, and respelled), the report is the same with
 * the second dump read alike the first, chains written alike skipped and rules compared by their
 * facts where those say everything, or with each dump read alone and every rule compared by its key;
 * and the first pass, which leaves unread what two dumps hold alike (by bytes, or by meaning where
 * they are written differently), answers as a reading with no shortcut at all.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { diffSnapshots } from '../lib/diff/diff-snapshots';
import { InputError } from '../lib/errors';
import { renderJson } from '../lib/report/json';
import { detectReader } from '../lib/parse/registry';
import { loadPair } from '../lib/snapshot/load-pair';
import { parseSnapshot } from '../lib/snapshot/load-snapshot';
import { benchCluster, nftListings, scaleEvent } from './bench/generate';
import { writeRestorePayload } from './support/kube-proxy-writer';
import { noisy } from './support/noise';
import { identicalChainsPair, identicalRulesPair, renamedChainsPair, reweightedRulesPair } from './support/pathological';
import { toSaveFormat } from './support/save-format';
import { bundled, fixture } from './support/snapshots';

const cluster = benchCluster(300, 6, 7);
const before = toSaveFormat(writeRestorePayload(cluster, { seed: 7 }));
const after = toSaveFormat(writeRestorePayload(scaleEvent(cluster, 7), { seed: 14 }));
const payload = writeRestorePayload(cluster, { seed: 3 });

/** The report with every shortcut (the second dump read alike the first, alike chains skipped), or with none. */
const json = (a: string, b: string, noShortcuts: boolean) => {
  const first = parseSnapshot(a, 'a');
  const second = parseSnapshot(b, 'b', noShortcuts ? {} : { alike: first });
  return renderJson(diffSnapshots(first, second, { noShortcuts }), 'test', { all: true });
};

/** The report of a pair through the scale event, the same either way; it shows services that gained or lost two endpoints. */
function expectTheScale(a: string, b: string): void {
  const fast = json(a, b, false);
  expect(fast).toBe(json(a, b, true));
  const changed = JSON.parse(fast).services.filter((s: { status: string }) => s.status !== 'unchanged');
  expect(changed.length).toBeGreaterThan(0);
  expect(changed.every((s: { endpointsAdded: string[]; endpointsRemoved: string[] }) => Math.abs(s.endpointsAdded.length - s.endpointsRemoved.length) === 2)).toBe(true);
}

test('a scale event: the same report either way, and it is the scale', () => {
  expectTheScale(before, after);
});

test('the noise pair (restore payload vs iptables-save): no semantic change either way', () => {
  const fast = json(payload, before, false);
  expect(fast).toBe(json(payload, before, true));
  expect(JSON.parse(fast).summary.changed).toBe(false);
});

test('the noise pair and a scale event written the other way, read narrowed (the first pass, by meaning): the answer with no shortcut at all', () => {
  for (const [a, b] of [
    [payload, before],
    [payload, after],
  ] as const) {
    const [x, y] = loadPair({ source: 'a', bytes: Buffer.from(a) }, { source: 'b', bytes: Buffer.from(b) });
    expect(x.alikeUnread?.servicePorts).toBeGreaterThan(250);
    const narrowed = JSON.parse(renderJson(diffSnapshots(x, y), 'test', { all: true }));
    const reference = JSON.parse(json(a, b, true));
    expect(narrowed.summary).toEqual(reference.summary);
    expect(narrowed.noise).toEqual(reference.noise);
    expect(narrowed.services).toEqual(reference.services.filter((s: { status: string }) => s.status !== 'unchanged'));
  }
});

const nft = nftListings(cluster, 7);

test('nftables mode, a scale event (the node listed before it and after the next sync): the same report either way, and it is the scale', () => {
  expectTheScale(nft.before, nft.after);
});

test('nftables mode, the noise pair (nft -a list vs nft list): no semantic change either way', () => {
  const fast = json(nft.beforeHandles, nft.before, false);
  expect(fast).toBe(json(nft.beforeHandles, nft.before, true));
  expect(JSON.parse(fast).summary.changed).toBe(false);
});

test('the bundled pairs: the same report either way', () => {
  for (const [a, b] of [['coredns-scale-2to4-before.txt', 'coredns-scale-2to4-after.txt'], ['nginx-basic-2-endpoints.txt', 'nginx-basic-3-endpoints.txt'], ['golang-ex-1-endpoint.txt', 'golang-ex-3-endpoints.txt']] as const) {
    expect(json(bundled(a), bundled(b), false)).toBe(json(bundled(a), bundled(b), true));
  }
});

describe('pairs shaped to make the diff grow faster than its input: the same report either way', () => {
  const summary = ([a, b]: [string, string]) => {
    const fast = json(a, b, false);
    expect(fast).toBe(json(a, b, true));
    return JSON.parse(fast).summary;
  };

  test('one chain of identical rules, one rule more after: that rule is added', () => {
    expect(summary(identicalRulesPair(500))).toMatchObject({ chainsAdded: 0, rulesAdded: 1, rulesRemoved: 0 });
  });

  test('one chain of identical rules, each re-weighted: each rule changed', () => {
    expect(summary(reweightedRulesPair(500))).toMatchObject({ rulesChanged: 500, rulesAdded: 0, rulesRemoved: 0 });
  });

  test('chains added with identical rules: added, none taken for a rename', () => {
    expect(summary(identicalChainsPair(500))).toMatchObject({ chainsAdded: 500, chainsRenamed: 0 });
  });

  test('chains renamed, each with its own rules: renamed', () => {
    expect(summary(renamedChainsPair(500))).toMatchObject({ chainsRenamed: 500, chainsAdded: 0, chainsRemoved: 0 });
  });
});

/** The dump without its first rule line: most chains alike, one not. */
const withoutFirstRule = (text: string) => text.replace(/^(?:\[\d+:\d+\] )?-A .*\n/m, '');

/** Corpus dumps the iptables reader reads (its shortcuts are what these tests hold to the plain comparison). */
const readable = readdirSync(join(__dirname, 'fixtures', 'corpus')).filter((f) => {
  if (!f.endsWith('.txt')) return false;
  try {
    if (detectReader(fixture('corpus', f), f).name !== 'iptables') return false;
    parseSnapshot(fixture('corpus', f), f);
    return true;
  } catch (e) {
    if (e instanceof InputError) return false; // a format natdiff refuses (corpus.test.ts pins the message)
    throw e;
  }
});

test.each(readable)('corpus %s against itself with one rule gone: the same report either way', (file) => {
  const text = fixture('corpus', file);
  expect(json(text, withoutFirstRule(text), false)).toBe(json(text, withoutFirstRule(text), true));
});

test.each(readable)('corpus %s against itself respelled (rules compared by their facts or by their keys): the same report either way', (file) => {
  const text = fixture('corpus', file);
  const respelled = noisy(text, [0b1111111111, 0b0101010101, 0b1010101010, 0b0000100001], 1);
  expect(json(text, respelled, false)).toBe(json(text, respelled, true));
});

test('the corpus has dumps natdiff reads', () => {
  expect(readable.length).toBeGreaterThan(15);
});

describe('what a review of the shortcuts found', () => {
  const dump = (lines: string[]) => `*nat\n${lines.join('\n')}\nCOMMIT\n`;
  const SEP = ':KUBE-SEP-ZZZZZZZZZZZZZZZZ - [0:0]';
  const DNAT = '-A KUBE-SEP-ZZZZZZZZZZZZZZZZ -p tcp -m comment --comment ns/b:http -m tcp -j DNAT --to-destination 10.0.0.1:80';
  const serviceB = [
    '-A KUBE-SERVICES -d 10.96.0.2/32 -p tcp -m comment --comment "ns/b:http cluster IP" -m tcp --dport 80 -j KUBE-SVC-U7OEN5WHHKEPISTZ',
    '-A KUBE-SVC-U7OEN5WHHKEPISTZ -m comment --comment "ns/b:http -> 10.0.0.1:80" -j KUBE-SEP-ZZZZZZZZZZZZZZZZ',
  ];

  test('an endpoint chain two services share: a name finding said for the first is said again where only the second is left', () => {
    const before = dump([
      ':KUBE-SERVICES - [0:0]', ':KUBE-SVC-PDNTG4S5GI55M4RT - [0:0]', ':KUBE-SVC-U7OEN5WHHKEPISTZ - [0:0]', SEP,
      '-A KUBE-SERVICES -d 10.96.0.1/32 -p tcp -m comment --comment "ns/a:http cluster IP" -m tcp --dport 80 -j KUBE-SVC-PDNTG4S5GI55M4RT',
      '-A KUBE-SVC-PDNTG4S5GI55M4RT -m comment --comment "ns/a:http -> 10.0.0.1:80" -j KUBE-SEP-ZZZZZZZZZZZZZZZZ', ...serviceB, DNAT,
    ]);
    const after = dump([':KUBE-SERVICES - [0:0]', ':KUBE-SVC-U7OEN5WHHKEPISTZ - [0:0]', SEP, ...serviceB, DNAT]);
    const fast = json(before, after, false);
    expect(fast).toBe(json(before, after, true));
    expect(JSON.parse(fast).findings.map((f: { side: string }) => f.side)).toEqual(['before', 'after']);
  });

  test('an endpoint chain of the same name in another table too: the one in nat is read', () => {
    const withFilter = (dnat: string) => `*filter\n${SEP}\nCOMMIT\n${dump([':KUBE-SERVICES - [0:0]', ':KUBE-SVC-U7OEN5WHHKEPISTZ - [0:0]', SEP, ...serviceB, dnat])}`;
    const before = withFilter(DNAT);
    const after = withFilter(DNAT.replace('10.0.0.1:80', '10.0.0.9:80'));
    const fast = json(before, after, false);
    expect(fast).toBe(json(before, after, true));
    expect(JSON.parse(fast).services[0]).toMatchObject({ status: 'changed', endpointsAdded: ['10.0.0.9:80'], endpointsRemoved: ['10.0.0.1:80'] });
  });

  // The reorder of a chain is judged on its pairs of rules before their keys (orderEffectOfPairs).
  const dispatch = (ip: string, port: number, chain: string) => `-A KUBE-SERVICES -d ${ip}/32 -p tcp -m comment --comment "ns/${chain}:http cluster IP" -m tcp --dport ${port} -j KUBE-MARK-MASQ`;
  const rules = [dispatch('10.96.0.1', 80, 'a'), dispatch('10.96.0.2', 80, 'b'), dispatch('10.96.0.3', 443, 'c')] as const;
  const wildcard = '-A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS';
  const declared = [':KUBE-SERVICES - [0:0]', ':KUBE-MARK-MASQ - [0:0]', ':KUBE-NODEPORTS - [0:0]'];

  test.each([
    ['rules for other addresses reshuffled: no effect', [...rules, wildcard], [rules[2], rules[0], rules[1], wildcard], 'none'],
    ['a rule moved past the rule every packet may match: an effect', [...rules, wildcard], [rules[0], wildcard, rules[1], rules[2]], 'possible'],
    ['two rules of one meaning written differently, swapped: the order of meanings is unchanged', [rules[0], rules[0].replace(' -p tcp', ' -p 6'), wildcard], [rules[0].replace(' -p tcp', ' -p 6'), rules[0], wildcard], null],
  ])('%s, with and without shortcuts', (_, b, a, effect) => {
    const fast = json(dump([...declared, ...(b as string[])]), dump([...declared, ...(a as string[])]), false);
    expect(fast).toBe(json(dump([...declared, ...(b as string[])]), dump([...declared, ...(a as string[])]), true));
    const report = JSON.parse(fast) as { noise: { reorderedNoEffect: string[] }; chains: { name: string; reordered: string | null }[] };
    expect(report.noise.reorderedNoEffect.includes('KUBE-SERVICES')).toBe(effect === 'none');
    expect(report.chains.find((c) => c.name === 'KUBE-SERVICES')?.reordered ?? null).toBe(effect === 'possible' ? 'possible' : null);
  });
});
