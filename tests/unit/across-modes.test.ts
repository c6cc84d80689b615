/**
 * `natdiff diff` between kube-proxy layouts and modes: every pair of inputs of one cluster state
 * (tests/fixtures/nftables/README.md) is "same service behaviour" with exit 0, however its rules
 * are written; a scale event between them is a change of that service alone. Across modes the
 * services are compared by endpoints and shares, never by each mode's own terms (probabilities,
 * numgen buckets), and kube-proxy's own chains are counted, not listed.
 */
import { diffSnapshots } from '../../lib/diff/diff-snapshots';
import type { DiffReport } from '../../lib/diff/types';
import type { Snapshot } from '../../lib/model/snapshot';
import { renderText } from '../../lib/report/text';
import { parseSnapshot } from '../../lib/snapshot/load-snapshot';
import { FIXTURE_CLUSTER, FIXTURE_NODE_IPS } from '../support/fixture-cluster';
import { ipvsVirtualServices } from '../support/kube-proxy-ipvs-writer';
import { writeRestorePayload, type ClusterSpec } from '../support/kube-proxy-writer';
import { ipvsadmList } from '../support/ipvsadm-writer';
import { fixture } from '../support/snapshots';

/** The fixture cluster with kube-dns scaled 2 → 4, as k8s-master-scaled holds it. */
const SCALED: ClusterSpec = {
  ...FIXTURE_CLUSTER,
  services: FIXTURE_CLUSTER.services.map((svc) =>
    svc.name !== 'kube-dns' ? svc : { ...svc, ports: svc.ports.map((p) => ({ ...p, endpoints: [...p.endpoints, { ip: '10.244.1.4', port: 53, local: true }, { ip: '10.244.2.5', port: 53 }] })) },
  ),
};

const iptablesMode = (cluster = FIXTURE_CLUSTER): Snapshot => parseSnapshot(writeRestorePayload(cluster), 'iptables-mode.txt');
const nft = (stem: string, format = 'list.txt'): Snapshot => parseSnapshot(fixture('nftables', `${stem}.${format}`), `${stem}.${format}`);
/** IPVS mode as `ipvsadm -Ln` prints it, with no snapshot metadata: no names, no node addresses. */
const ipvsMode = (cluster = FIXTURE_CLUSTER): Snapshot => parseSnapshot(ipvsadmList(ipvsVirtualServices(cluster, FIXTURE_NODE_IPS)), 'ipvsadm-Ln.txt');

const LAYOUTS = ['k8s-1.29', 'k8s-1.30-1.33', 'k8s-1.34-1.35', 'k8s-1.36', 'k8s-master'];

/** The ports that differ, each with its changed fields. */
function changedPorts(report: DiffReport): string[] {
  return report.services.filter((s) => s.status !== 'unchanged').map((s) => `${s.status} ${s.label} +${s.endpointsAdded.length} -${s.endpointsRemoved.length} ${s.changes.map((c) => c.field).join(',')}`);
}

describe('nftables mode against nftables mode', () => {
  test('compared by default in the tables kube-proxy writes (ip kube-proxy), not nat', () => {
    const report = diffSnapshots(nft('k8s-master'), nft('k8s-master-scaled'));
    expect(report.table).toBe('ip kube-proxy');
    expect(report.acrossModes).toBeNull();
  });

  test('kube-dns scaled 2 → 4: endpoints and shares, with numgen buckets beside them', () => {
    const report = diffSnapshots(nft('k8s-master'), nft('k8s-master-scaled'));
    expect(changedPorts(report)).toEqual(['changed kube-system/kube-dns:dns +2 -0 shares,balancing', 'changed kube-system/kube-dns:dns-tcp +2 -0 shares,balancing']);
    const dns = report.services.find((s) => s.key === 'kube-system/kube-dns:dns/udp');
    expect(dns?.changes.find((c) => c.field === 'balancing')).toEqual({ field: 'balancing', before: 'numgen random mod 2, buckets 1/1', after: 'numgen random mod 4, buckets 1/1/1/1' });
    expect(report.summary.changed).toBe(true);
  });

  test.each(LAYOUTS.flatMap((a, i) => LAYOUTS.slice(i + 1).map((b) => [a, b])))('%s → %s: no service changed (the buckets written another way change nothing alone)', (a, b) => {
    const report = diffSnapshots(nft(a as string), nft(b as string));
    expect(changedPorts(report)).toEqual([]);
  });
});

/** One cluster state in each mode, and the same cluster scaled, for every pair of modes in both directions. */
const MODES: Record<string, { same: () => Snapshot; scaled: () => Snapshot }> = {
  iptables: { same: () => iptablesMode(), scaled: () => iptablesMode(SCALED) },
  nftables: { same: () => nft('k8s-master'), scaled: () => nft('k8s-master-scaled') },
  ipvs: { same: () => ipvsMode(), scaled: () => ipvsMode(SCALED) },
};
const PAIRS = Object.keys(MODES).flatMap((a) => Object.keys(MODES).filter((b) => b !== a).map((b) => [a, b] as const));

describe('across modes, one cluster state', () => {
  test.each(PAIRS)('%s → %s: same service behaviour, different mode (exit 0)', (a, b) => {
    const report = diffSnapshots((MODES[a] as (typeof MODES)[string]).same(), (MODES[b] as (typeof MODES)[string]).same());
    expect(report.acrossModes?.kubeProxyChains).toBeGreaterThan(0);
    expect(changedPorts(report)).toEqual([]);
    expect(report.chains).toEqual([]);
    expect(report.summary.changed).toBe(false);
  });

  test.each(PAIRS)('%s → %s scaled: kube-dns gained two endpoints, shares 50%% → 25%%, and nothing else (exit 1)', (a, b) => {
    const report = diffSnapshots((MODES[a] as (typeof MODES)[string]).same(), (MODES[b] as (typeof MODES)[string]).scaled());
    expect(changedPorts(report)).toEqual(['changed kube-system/kube-dns:dns +2 -0 shares', 'changed kube-system/kube-dns:dns-tcp +2 -0 shares']);
    expect(report.summary.changed).toBe(true);
  });

  test.each(LAYOUTS)('iptables → nftables %s, and back: the same, whatever the layout', (layout) => {
    expect(changedPorts(diffSnapshots(iptablesMode(), nft(layout)))).toEqual([]);
    expect(changedPorts(diffSnapshots(nft(layout), iptablesMode()))).toEqual([]);
  });

  test('an IPVS listing without names or node addresses takes the other input\'s ports: its NodePort and load-balancer virtual services fold into them', () => {
    const report = diffSnapshots(iptablesMode(), ipvsMode());
    expect(report.services.map((s) => s.label)).toEqual(['default/empty:http', 'default/lb-local:https', 'default/web:http', 'kube-system/kube-dns:dns', 'kube-system/kube-dns:dns-tcp']);
    expect(report.warnings).toEqual([]);
  });

  test('the report says the modes first, and "same service behaviour, different mode" last', () => {
    const text = renderText(diffSnapshots(iptablesMode(), nft('k8s-1.34-1.35')), { color: false, all: false }).split('\n');
    expect(text[2]).toMatch(/^different proxy modes: before is kube-proxy iptables mode, after kube-proxy nftables mode; services are compared by their endpoints and shares where both sides show them; \d+ chains of kube-proxy's differ as the modes do \(not listed\)$/);
    expect(text.filter((l) => l.trim() !== '').at(-1)).toBe('same service behaviour, different mode');
  });
});
