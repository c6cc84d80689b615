/**
 * Traffic a service's rules send to no endpoint is part of the model: a DROP, a REJECT, a RETURN,
 * an ACCEPT or a jump elsewhere in a load-balancing chain takes its share along the same ladder
 * as the endpoints, and a rule the model cannot read stays a visible rule change. Fixtures are the
 * bundled coredns dumps (real kube-proxy output) with one rule inserted, as an operator would.
 */
import { renderJson } from '../../lib/report/json';
import { renderMarkdown } from '../../lib/report/markdown';
import { renderText } from '../../lib/report/text';
import { otherChanges, summaryLine } from '../../lib/report/view';
import { writeRestorePayload, type ClusterSpec } from '../support/kube-proxy-writer';
import { bundled, diffTexts, modelOf, port } from '../support/snapshots';

const BEFORE = bundled('coredns-scale-2to4-before.txt');
const AFTER = bundled('coredns-scale-2to4-after.txt');
const DNS = 'kube-system/kube-dns:dns/udp';
const DNS_SVC = 'KUBE-SVC-TCOU7JCQXEZGVUNU';

/** The dump with `rule` (after `-A CHAIN`) inserted as the `at`-th rule of the chain. */
function insert(text: string, chain: string, rule: string, at = 0): string {
  const lines = text.split('\n');
  const positions = lines.flatMap((l, i) => (l.startsWith(`-A ${chain} `) ? [i] : []));
  const where = positions[at] ?? (positions[positions.length - 1] as number) + 1;
  lines.splice(where, 0, `-A ${chain} ${rule}`);
  return lines.join('\n');
}

const drop = (p: string) => insert(BEFORE, DNS_SVC, `-m statistic --mode random --probability ${p} -j DROP`);

describe('a share of a service dropped, rejected or sent elsewhere', () => {
  test('10% → 90% of kube-dns dropped: the service changed, each endpoint keeps 90% (10%) × its share', () => {
    const report = diffTexts(drop('0.1'), drop('0.9'));
    const s = report.services.find((x) => x.key === DNS);
    expect(s?.status).toBe('changed');
    expect(s?.before?.diverted).toEqual([{ list: 'cluster', action: 'drop', probability: 0.10000000009, share: 0.1, ref: null }]);
    expect(s?.after?.diverted).toEqual([{ list: 'cluster', action: 'drop', probability: 0.89999999991, share: 0.9, ref: null }]);
    expect(s?.before?.endpoints.map((e) => e.share)).toEqual([0.45, 0.45]);
    expect(s?.after?.endpoints.map((e) => e.share)).toEqual([0.05, 0.05]);
    expect(report.summary.changed).toBe(true);
    expect(summaryLine(report)).toBe('1 service changed · 1 rule changed');
  });

  test('the rule appearing in an unchanged service: the service changed, shares of the rest', () => {
    const report = diffTexts(BEFORE, drop('0.1'));
    const s = report.services.find((x) => x.key === DNS);
    expect(s?.changes.map((c) => c.field)).toEqual(['shares', 'diverted']);
    expect(s?.after?.endpoints.map((e) => e.share)).toEqual([0.45, 0.45]);
  });

  test.each([
    ['-j REJECT', { action: 'reject', ref: null }],
    ['-j RETURN', { action: 'return', ref: null }],
    ['-j ACCEPT', { action: 'accept', ref: null }],
    ['-j KUBE-MARK-DROP', { action: 'drop', ref: null }],
    ['-j KUBE-SVC-ERIFXISQEP7F7OF4', { action: 'other', ref: 'KUBE-SVC-ERIFXISQEP7F7OF4' }],
    ['-g KUBE-MARK-MASQ', { action: 'other', ref: 'KUBE-MARK-MASQ' }],
  ])('%s takes its share too', (jump, diversion) => {
    const model = modelOf(insert(BEFORE, DNS_SVC, `-m statistic --mode random --probability 0.25 ${jump}`, 1));
    const dns = port(model, DNS);
    // After the first endpoint's 50%, a quarter of the other half.
    expect(dns.diverted).toEqual([{ list: 'cluster', probability: 0.25, share: 0.125, ...diversion }]);
    expect(dns.endpoints.map((e) => e.share)).toEqual([0.5, 0.375]);
  });

  test('an unconditional DROP first: everything dropped, the endpoint rules can never match', () => {
    const text = insert(BEFORE, DNS_SVC, '-j DROP');
    const dns = port(modelOf(text), DNS);
    expect(dns.diverted).toEqual([{ list: 'cluster', action: 'drop', probability: null, share: 1, ref: null }]);
    expect(dns.endpoints.map((e) => e.share)).toEqual([0, 0]);
  });

  test('a rule that marks some traffic and lets it go on changes no share, and stays a visible rule change', () => {
    const mark = (p: string) => insert(BEFORE, DNS_SVC, `-m statistic --mode random --probability ${p} -j MARK --set-xmark 0x8000/0x8000`);
    expect(port(modelOf(mark('0.1')), DNS).endpoints.map((e) => e.share)).toEqual([0.5, 0.5]);
    const report = diffTexts(mark('0.1'), mark('0.9'));
    expect(report.services.find((x) => x.key === DNS)?.status).toBe('unchanged');
    expect(report.chains.map((c) => [c.name, c.changed.length])).toEqual([[DNS_SVC, 1]]);
    expect(report.summary.changed).toBe(true);
    expect(otherChanges(report).map((o) => o.chain.name)).toEqual([DNS_SVC]);
  });

  test('a rule the model does not read, in the chain of a service that changed anyway (a scale event), is still shown', () => {
    const report = diffTexts(BEFORE, insert(AFTER, DNS_SVC, '-s 10.0.0.0/8 -j DROP', 2));
    expect(report.services.find((x) => x.key === DNS)?.endpointsAdded).toHaveLength(2);
    const shown = otherChanges(report);
    expect(shown.map((o) => [o.chain.name, o.added.map((r) => r.text)])).toEqual([[DNS_SVC, [`-A ${DNS_SVC} -s 10.0.0.0/8 -j DROP`]]]);
  });

  test('a new endpoint whose chain masquerades more than its own hairpin traffic: the mark is shown', () => {
    const after = AFTER.replace('-A KUBE-SEP-232DQYSHL5HNRYWJ -s 10.244.0.7/32', '-A KUBE-SEP-232DQYSHL5HNRYWJ ! -s 10.244.0.7/32');
    expect(after).not.toBe(AFTER);
    const shown = otherChanges(diffTexts(BEFORE, after));
    expect(shown.map((o) => [o.chain.name, o.chain.status, o.added.map((r) => r.text)])).toEqual([
      ['KUBE-SEP-232DQYSHL5HNRYWJ', 'added', ['-A KUBE-SEP-232DQYSHL5HNRYWJ ! -s 10.244.0.7/32 -m comment --comment "kube-system/kube-dns:dns" -j KUBE-MARK-MASQ']],
    ]);
  });

  test('an endpoint chain that lost its DNAT, in a service that changed anyway: the endpoint says its destination is unknown', () => {
    const c = (ips: string[]): ClusterSpec => ({ podCIDR: '10.244.0.0/16', services: [{ namespace: 'kube-system', name: 'kube-dns', clusterIP: '10.96.0.10', ports: [{ name: 'dns', port: 53, protocol: 'udp', endpoints: ips.map((ip) => ({ ip, port: 53 })) }] }] });
    const before = writeRestorePayload(c(['10.244.0.5', '10.244.0.6']));
    const after = writeRestorePayload(c(['10.244.0.5', '10.244.0.6', '10.244.0.7'])).replace(/^-A \S+ .*--to-destination 10\.244\.0\.5:53\n/m, '');
    const dns = diffTexts(before, after).services.find((x) => x.key === DNS);
    expect(dns?.endpointsAdded).toEqual(['10.244.0.7:53']);
    expect(dns?.after?.endpoints.find((e) => e.address === '10.244.0.5:53')?.issues).toEqual(['unknown-destination']);
  });

  test('an endpoint that lost its affinity rule, in a service that changed anyway: its row says so', () => {
    const c = (ips: string[]): ClusterSpec => ({ podCIDR: '10.244.0.0/16', services: [{ namespace: 'web', name: 'shop', clusterIP: '10.96.5.5', affinitySeconds: 600, ports: [{ name: 'http', port: 80, protocol: 'tcp', endpoints: ips.map((ip) => ({ ip, port: 8080 })) }] }] });
    const before = writeRestorePayload(c(['10.244.1.5', '10.244.2.6']));
    const after = writeRestorePayload(c(['10.244.1.5', '10.244.2.6', '10.244.1.9'])).replace(/^-A KUBE-SVC-\S+ .*-> 10\.244\.1\.5:8080.* --rcheck .*\n/m, '');
    const report = diffTexts(before, after);
    expect(report.services[0]?.after?.endpoints.map((e) => [e.address, e.issues])).toEqual([
      ['10.244.1.5:8080', ['no-affinity']],
      ['10.244.1.9:8080', []],
      ['10.244.2.6:8080', []],
    ]);
    expect(renderText(report, { color: false, all: false })).toMatch(/10\.244\.1\.5:8080 +50% → 33\.3% +\(no-affinity\)/);
  });

  test('the scale event itself: every rule it adds is told by the services (nothing under "Other changes")', () => {
    expect(otherChanges(diffTexts(BEFORE, AFTER))).toEqual([]);
  });

  test('every report shows it', () => {
    const report = diffTexts(drop('0.1'), drop('0.9'));
    expect(renderText(report, { color: false, all: false })).toContain('    not sent to endpoints: 10% dropped → 90% dropped\n');
    expect(renderMarkdown(report, { all: false, toolVersion: 't' })).toContain('- **not sent to endpoints**: `10% dropped → 90% dropped`');
    const json = JSON.parse(renderJson(report, 't', { all: false }));
    const dns = json.services.find((s: { key: string }) => s.key === DNS);
    expect(dns.after.diverted).toEqual([{ list: 'cluster', action: 'drop', probability: 0.89999999991, share: 0.9, ref: null }]);
    expect(dns.changes).toContainEqual({ field: 'diverted', before: 'cluster drop 0.10000000009=0.1', after: 'cluster drop 0.89999999991=0.9' });
  });
});
