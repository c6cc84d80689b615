/**
 * The test writer of kube-proxy's nftables transactions (tests/support/kube-proxy-nft-writer.ts),
 * which the fake kube-proxy programs nodes with: it writes the hand-checked fixture for the fixture
 * cluster line for line, and its syncs load with the real nft in a private network namespace, as
 * kube-proxy's do — a chain gone stale is flushed (listed empty, read as dead) and deleted a sync
 * later.
 */
import { parseSnapshot } from '../lib/snapshot/load-snapshot';
import { writeNftTransaction, type NftWriteOptions } from './support/kube-proxy-nft-writer';
import { FIXTURE_CLUSTER, FIXTURE_NODE_IPS, FIXTURE_SERVICE_CIDRS } from './support/fixture-cluster';
import type { ClusterSpec } from './support/kube-proxy-writer';
import { inNetns, netnsUnavailableReason, run, withNetns } from './support/netns';
import { fixture, port } from './support/snapshots';

const OPTIONS: NftWriteOptions = { nodeIPs: FIXTURE_NODE_IPS, serviceCIDRs: FIXTURE_SERVICE_CIDRS };

test('writes tests/fixtures/nftables/k8s-1.34-1.35.nft for the fixture cluster (without its three-line file header)', () => {
  expect(writeNftTransaction(FIXTURE_CLUSTER, OPTIONS).text).toBe(fixture('nftables', 'k8s-1.34-1.35.nft').split('\n').slice(3).join('\n'));
});

const unavailable = netnsUnavailableReason() ?? (run(['sh', '-c', 'command -v nft']).status === 0 ? null : 'needs nft on PATH (Debian: apt-get install nftables)');
if (unavailable) console.warn(`skipping the nftables writer's syncs with the real nft: ${unavailable}`);

(unavailable ? describe.skip : describe)("the writer's syncs with the real nft", () => {
  const dns = (ips: string[]): ClusterSpec => ({
    podCIDR: '10.244.0.0/16',
    services: [{ namespace: 'kube-system', name: 'kube-dns', clusterIP: '10.96.0.10', ports: [{ name: 'dns', port: 53, protocol: 'udp', endpoints: ips.map((ip) => ({ ip, port: 53 })) }] }],
  });

  test('a full sync, a later one that leaves an endpoint chain flushed, and the next that deletes it', () =>
    withNetns((ns) => {
      const sync = (spec: ClusterSpec, options: Partial<NftWriteOptions> = {}) => {
        const r = inNetns(ns, ['nft', '-f', '-'], writeNftTransaction(spec, { ...OPTIONS, ...options }).text);
        if (r.status !== 0) throw new Error(r.stderr);
      };
      const list = () => inNetns(ns, ['nft', 'list', 'table', 'ip', 'kube-proxy']).stdout;
      sync(dns(['10.244.1.2', '10.244.2.3']));
      const wanted = writeNftTransaction(dns(['10.244.1.2']), OPTIONS).chains;
      const stale = writeNftTransaction(dns(['10.244.1.2', '10.244.2.3']), OPTIONS).chains.filter((c) => !wanted.includes(c));
      expect(stale).toEqual(['endpoint-XNQT4B3W-kube-system/kube-dns/udp/dns__10.244.2.3/53']);
      sync(dns(['10.244.1.2']), { firstSync: false, flushStale: stale });
      expect(list()).toContain(`\tchain ${stale[0]} {\n\t}\n`);
      const s = parseSnapshot(list(), 'after the second sync');
      expect(port(s.describe(s.serviceNames()).model, 'kube-system/kube-dns:dns/udp').endpoints.map((e) => e.address)).toEqual(['10.244.1.2:53']);
      sync(dns(['10.244.1.2']), { firstSync: false, deleteStale: stale });
      expect(list()).not.toContain(stale[0]);
    }));
});
