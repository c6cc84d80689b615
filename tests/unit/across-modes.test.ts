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
import { writeRestorePayload, type ClusterSpec } from '../support/kube-proxy-writer';
import { fixture } from '../support/snapshots';

const CLUSTER: ClusterSpec = {
  podCIDR: '10.244.0.0/16',
  services: [
    { namespace: 'kube-system', name: 'kube-dns', clusterIP: '10.96.0.10', ports: (['dns', 'dns-tcp'] as const).map((name) => ({ name, port: 53, protocol: name === 'dns' ? 'udp' : 'tcp', endpoints: [{ ip: '10.244.1.2', port: 53 }, { ip: '10.244.2.3', port: 53 }] })) },
    { namespace: 'default', name: 'web', clusterIP: '10.96.100.20', affinitySeconds: 10800, ports: [{ name: 'http', port: 80, protocol: 'tcp', nodePort: 30080, endpoints: [{ ip: '10.244.1.10', port: 8080 }, { ip: '10.244.2.11', port: 8080 }] }] },
    { namespace: 'default', name: 'empty', clusterIP: '10.96.100.30', ports: [{ name: 'http', port: 80, protocol: 'tcp', endpoints: [] }] },
    {
      namespace: 'default', name: 'lb-local', clusterIP: '10.96.100.40', loadBalancerIPs: ['203.0.113.50'], externalTrafficPolicy: 'Local',
      ports: [{ name: 'https', port: 443, protocol: 'tcp', nodePort: 31443, endpoints: [{ ip: '10.244.1.20', port: 8443, local: true }, { ip: '10.244.2.21', port: 8443 }] }],
    },
  ],
};

const iptablesMode = (): Snapshot => parseSnapshot(writeRestorePayload(CLUSTER), 'iptables-mode.txt');
const nft = (stem: string, format = 'list.txt'): Snapshot => parseSnapshot(fixture('nftables', `${stem}.${format}`), `${stem}.${format}`);

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

describe('iptables mode against nftables mode, one cluster state', () => {
  test.each(LAYOUTS)('iptables → %s: same service behaviour, different mode (exit 0)', (layout) => {
    const report = diffSnapshots(iptablesMode(), nft(layout));
    expect(report.acrossModes?.kubeProxyChains).toBeGreaterThan(0);
    expect(changedPorts(report)).toEqual([]);
    expect(report.chains).toEqual([]);
    expect(report.warnings).toEqual([]);
    expect(report.summary.changed).toBe(false);
  });

  test.each(LAYOUTS)('%s → iptables, the other way round: the same', (layout) => {
    const report = diffSnapshots(nft(layout), iptablesMode());
    expect(changedPorts(report)).toEqual([]);
    expect(report.summary.changed).toBe(false);
  });

  test('iptables → nftables scaled: kube-dns gained two endpoints, its shares 50% → 25%; no probabilities or buckets compared across modes', () => {
    const report = diffSnapshots(iptablesMode(), nft('k8s-master-scaled'));
    expect(changedPorts(report)).toEqual(['changed kube-system/kube-dns:dns +2 -0 shares', 'changed kube-system/kube-dns:dns-tcp +2 -0 shares']);
    expect(report.summary.changed).toBe(true);
  });

  test('the report says the modes first, and "same service behaviour, different mode" last', () => {
    const text = renderText(diffSnapshots(iptablesMode(), nft('k8s-1.34-1.35')), { color: false, all: false }).split('\n');
    expect(text[2]).toMatch(/^different proxy modes: before is kube-proxy iptables mode, after kube-proxy nftables mode; services are compared by their endpoints and shares where both sides show them; \d+ chains of kube-proxy's differ as the modes do \(not listed\)$/);
    expect(text.filter((l) => l.trim() !== '').at(-1)).toBe('same service behaviour, different mode');
  });
});
