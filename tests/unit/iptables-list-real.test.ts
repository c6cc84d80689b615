/**
 * Listings printed by the real iptables (tests/fixtures/iptables-list, made by its capture.sh)
 * against iptables-save of the same rules: the same service model, and no change in the diff
 * where the listing can show the rule. As root the fixtures are made again in private network
 * namespaces and the same checks run on what this machine's iptables prints.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diffSnapshots } from '../../lib/diff/diff-snapshots';
import type { Snapshot } from '../../lib/model/snapshot';
import type { IptablesRule } from '../../lib/parse/iptables/rule';
import { listingSnapshot, modelOfSnapshot } from '../support/listing';
import { netnsUnavailableReason, run } from '../support/netns';
import { FIXTURES, fixture, port, snapshotOf } from '../support/snapshots';

const FIXTURE_DIR = join(FIXTURES, 'iptables-list');
const CAPTURE = join(FIXTURE_DIR, 'capture.sh');
/** The iptables the fixtures were printed with (README.md). */
const FIXTURE_IPTABLES = 'iptables v1.8.9 (nf_tables)';
const KUBE_PROXY_LISTINGS = ['kube-proxy-nat-L-n.txt', 'kube-proxy-nat-L-n-v.txt', 'kube-proxy-nat-L-n-v-x-line-numbers.txt'];

const unavailable = netnsUnavailableReason();
if (unavailable) console.warn(`iptables -L fixtures are checked but not printed again: ${unavailable}`);

const live = { dir: '' };
const sources: [string, () => string][] = [['fixtures', () => FIXTURE_DIR], ...(unavailable ? [] : [['this machine\'s iptables', () => live.dir] as [string, () => string]])];

beforeAll(() => {
  if (unavailable) return;
  live.dir = mkdtempSync(join(tmpdir(), 'natdiff-list-'));
  const res = run(['bash', CAPTURE, live.dir]);
  if (res.status !== 0) throw new Error(`capture.sh failed: ${res.stderr}`);
});

afterAll(() => {
  if (live.dir) rmSync(live.dir, { recursive: true, force: true });
});

function rulesByChain(s: Snapshot, table: string): Map<string, string[]> {
  return new Map([...(s.ruleset.tables.get(table)?.chains.values() ?? [])].map((c) => [c.name, c.rules.map((r) => r.key)]));
}

describe.each(sources)('listings printed by %s', (_by, dir) => {
  const text = (name: string) => readFileSync(join(dir(), name), 'utf8');
  const listing = (name: string) => listingSnapshot(text(name), name);
  const saved = (name: string) => snapshotOf(text(name), name);

  test.each(KUBE_PROXY_LISTINGS)('%s gives the model of iptables-save', (name) => {
    const model = modelOfSnapshot(listing(name));
    expect(model).toEqual(modelOfSnapshot(saved('kube-proxy-nat-save.txt')));
    expect(port(model, 'default/kubernetes:https/tcp').affinitySeconds).toBe(10800);
    expect(port(model, 'shop/frontend:http/tcp')).toMatchObject({ nodePorts: [30080], loadBalancerIPs: ['203.0.113.10'] });
    expect(port(model, 'shop/frontend:http/tcp').localEndpoints?.map((e) => e.share)).toEqual([0.5, 0.5]);
    expect(port(model, 'kube-system/kube-dns:dns/udp').endpoints.map((e) => e.share)).toEqual([0.333333333, 0.333333333, 0.333333333]);
  });

  test.each(KUBE_PROXY_LISTINGS.slice(1))('%s against iptables-save: no change at all', (name) => {
    const report = diffSnapshots(listing(name), saved('kube-proxy-nat-save.txt'));
    expect(report.summary.changed).toBe(false);
    expect(report.chains).toEqual([]);
    expect(report.services.every((s) => s.status === 'unchanged')).toBe(true);
    // Written otherwise (addresses without /32, protocols as numbers…), meaning the same.
    expect(report.noise.formattingOnly).toBeGreaterThan(0);
  });

  test('-L -n against iptables-save: a change only in the rule that matches an interface, which it cannot show', () => {
    const report = diffSnapshots(listing('kube-proxy-nat-L-n.txt'), saved('kube-proxy-nat-save.txt'));
    expect(report.services.every((s) => s.status === 'unchanged')).toBe(true);
    expect(report.chains.map((c) => ({ chain: c.name, removed: c.removed.map((r) => r.text), added: c.added.map((r) => r.text) }))).toEqual([
      { chain: 'POSTROUTING', removed: ['-A POSTROUTING -s 172.17.0.0/16 -j MASQUERADE'], added: ['-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE'] },
    ]);
    expect(report.warnings.map((w) => w.message)).toContain('listed without -v: there are no in/out interface columns, so a rule that matches an interface reads as if it matched any (list with -v to compare interfaces)');
  });

  test('counters: none without -v; with -v (346K, 21M) and with -x they are there, and never compared', () => {
    expect(KUBE_PROXY_LISTINGS.map((name) => listing(name).hadCounters)).toEqual([false, true, true]);
  });

  test('the filter table (iptables -L -n -v): read as filter, the "has no endpoints" REJECT gives the same model', () => {
    const s = listing('kube-proxy-filter-L-n-v.txt');
    expect(s.assumedTable).toBe('filter');
    expect(modelOfSnapshot(s)).toEqual(modelOfSnapshot(saved('kube-proxy-filter-save.txt')));
    expect(port(modelOfSnapshot(s), 'kube-system/kube-dns:metrics/tcp').noEndpoints).toBe('reject');
    expect(diffSnapshots(s, saved('kube-proxy-filter-save.txt'), { table: 'filter' }).summary.changed).toBe(false);
  });

  test('ip6tables -t nat -L -n -v: IPv6, the same model, no change', () => {
    const s = listing('kube-proxy-ip6-nat-L-n-v.txt');
    expect(s.family).toBe('ipv6');
    const model = modelOfSnapshot(s);
    expect(model).toEqual(modelOfSnapshot(saved('kube-proxy-ip6-nat-save.txt')));
    expect(port(model, 'shop/web:http/tcp')).toMatchObject({ nodePorts: [30080], affinitySeconds: 600 });
    expect(diffSnapshots(s, saved('kube-proxy-ip6-nat-save.txt')).summary.changed).toBe(false);
  });

  test('IPVS mode\'s nat rules (ipset matches): read as IPVS mode, like iptables-save', () => {
    const s = listing('ipvs-mode-nat-L-n-v.txt');
    expect(modelOfSnapshot(s)).toEqual(modelOfSnapshot(saved('ipvs-mode-nat-save.txt')));
    expect(modelOfSnapshot(s).mode).toBe('ipvs');
    expect(diffSnapshots(s, saved('ipvs-mode-nat-save.txt')).chains).toEqual([]);
  });

  test('node rules (Docker, flannel, AWS SNAT, old kube-proxy layouts): each reads as iptables-save writes it, but for the text no reader knows', () => {
    const list = listing('matches-L-n-v.txt');
    const save = rulesByChain(saved('matches-save.txt'), 'nat');
    const differ = [...rulesByChain(list, 'nat')].flatMap(([chain, keys]) => keys.filter((k, i) => k !== save.get(chain)?.[i]).map((k) => `${chain} ${k}`));
    expect(differ).toEqual([
      'MARKS -m connmark --mark 0x1 -m listed --text "CONNMARK set 0x2" -j CONNMARK',
      'NODE-MISC -p icmp -m listed --text "icmptype 8" -j RETURN',
      'NODE-MISC -m listed --text "source IP range 10.0.0.1-10.0.0.9" -j RETURN',
      'NODE-MISC -m listed --text "LOG flags 0 level 6 prefix \\"natdiff: \\"" -j LOG',
    ]);
    expect([...rulesByChain(list, 'nat').keys()]).toEqual([...save.keys()]);
    expect(list.warnings.map((w) => w.message)).toContain('4 rules print text natdiff cannot read back into iptables options (first: CONNMARK set 0x2); it is kept as printed, so such a rule compares equal only to one listed alike, never to an iptables-save');
  });
});

const describeRoot = unavailable ? describe.skip : describe;

describeRoot('with real iptables', () => {
  test('capture.sh prints what the fixtures hold (iptables-save\'s dated # lines aside)', () => {
    const version = run(['iptables', '--version']).stdout.trim();
    if (version !== FIXTURE_IPTABLES) {
      console.warn(`fixtures not compared with this machine's output: they were printed by ${FIXTURE_IPTABLES}, this is ${version}`);
      return;
    }
    const undated = (t: string) => t.replace(/^#.*\n/gm, '');
    for (const name of [...KUBE_PROXY_LISTINGS, 'kube-proxy-nat-save.txt', 'kube-proxy-filter-L-n-v.txt', 'kube-proxy-ip6-nat-L-n-v.txt', 'matches-L-n-v.txt', 'ipvs-mode-nat-L-n-v.txt']) {
      expect([name, undated(readFileSync(join(live.dir, name), 'utf8'))]).toEqual([name, undated(fixture('iptables-list', name))]);
    }
  });

  test('corpus 28 loaded into iptables and saved: that iptables-save of 06\'s state gives 28\'s model, and no change', () => {
    const nvl = listingSnapshot(fixture('corpus', '28-kubeadm-flannel-nodeport-nvL-counters-same-state-as-06.txt'), '28');
    const ns = `natdiff-list-28-${process.pid}`;
    run(['ip', 'netns', 'add', ns]);
    try {
      const loaded = run(['ip', 'netns', 'exec', ns, 'iptables-restore'], restorePayload(nvl));
      expect(loaded.stderr).toBe('');
      const save = snapshotOf(run(['ip', 'netns', 'exec', ns, 'iptables-save', '-t', 'nat']).stdout, 'save of 06\'s state');
      expect(modelOfSnapshot(save)).toEqual(modelOfSnapshot(nvl));
      expect(modelOfSnapshot(save)).toEqual(modelOfSnapshot(listingSnapshot(fixture('corpus', '06-kubeadm-flannel-nodeport-create-after.txt'), '06')));
      const report = diffSnapshots(nvl, save);
      expect(report.summary.changed).toBe(false);
      expect(report.chains).toEqual([]);
    } finally {
      run(['ip', 'netns', 'del', ns]);
    }
  });
});

/** A listing's nat table as an iptables-restore input: chains with their policies, then the rules as read. */
function restorePayload(s: Snapshot): string {
  const chains = [...(s.ruleset.tables.get('nat')?.chains.values() ?? [])];
  return [
    '*nat',
    ...chains.map((c) => `:${c.name} ${c.policy ?? '-'} [0:0]`),
    ...chains.flatMap((c) => c.rules.map((r) => (r as IptablesRule).text)),
    'COMMIT',
    '',
  ].join('\n');
}
