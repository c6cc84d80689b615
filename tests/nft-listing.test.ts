/**
 * The listing renderer the benchmark uses instead of the kernel (tests/support/nft-listing.ts)
 * prints what the real nft prints, byte for byte, with and without handles: for the committed
 * fixtures (no root needed), and — loading the writer's transactions with the real `nft -f` into
 * a fresh private network namespace — for generated clusters (node ports, affinity, Local policy,
 * load-balancer IPs and source ranges, ports without endpoints), a wide hand-made one (every
 * protocol, several node IPs, service CIDRs, external IPs, an odd affinity timeout) and the
 * benchmark's own cluster through a scale event synced the way kube-proxy syncs.
 */
import { fc, test } from '@fast-check/jest';
import { NFT_OPTIONS, benchCluster, nftSyncs, scaleEvent } from './bench/generate';
import { cluster } from './support/cluster-arbitrary';
import { FIXTURE_CLUSTER, FIXTURE_NODE_IPS, FIXTURE_SERVICE_CIDRS } from './support/fixture-cluster';
import { writeNftTransaction, type NftWriteOptions } from './support/kube-proxy-nft-writer';
import type { ClusterSpec } from './support/kube-proxy-writer';
import { createNetns, deleteNetns, inNetns, netnsUnavailableReason, run } from './support/netns';
import { NftTable } from './support/nft-listing';
import { fixture } from './support/snapshots';

const FIXTURE_OPTIONS: NftWriteOptions = { nodeIPs: FIXTURE_NODE_IPS, serviceCIDRs: FIXTURE_SERVICE_CIDRS };

test('the fixture cluster: the committed nft list and nft -a list of k8s-1.34-1.35', () => {
  const node = new NftTable().load(writeNftTransaction(FIXTURE_CLUSTER, FIXTURE_OPTIONS).text);
  expect(node.list()).toBe(fixture('nftables', 'k8s-1.34-1.35.list.txt'));
  expect(node.list({ handles: true })).toBe(fixture('nftables', 'k8s-1.34-1.35.list-a.txt'));
});

test('the committed partial sync (two transactions, stale chains flushed): its committed listings', () => {
  const node = new NftTable().load(fixture('nftables', 'k8s-1.34-1.35.nft')).load(fixture('nftables', 'k8s-1.34-1.35-partial-sync.nft'));
  expect(node.list()).toBe(fixture('nftables', 'k8s-1.34-1.35-partial-sync.list.txt'));
  expect(node.list({ handles: true })).toBe(fixture('nftables', 'k8s-1.34-1.35-partial-sync.list-a.txt'));
});

test('a command it does not know is an error, not a guess', () => {
  expect(() => new NftTable().load('add table ip kube-proxy\nadd counter ip kube-proxy c\n')).toThrow('unexpected command');
  expect(() => new NftTable().load('add table ip kube-proxy\nadd chain ip kube-proxy c\nadd rule ip kube-proxy c ip daddr { 1.2.3.4 : 5 } drop\n')).toThrow('unexpected braces');
});

const unavailable = netnsUnavailableReason() ?? (run(['sh', '-c', 'command -v nft']).status === 0 ? null : 'needs nft on PATH (Debian: apt-get install nftables)');
if (unavailable) console.warn(`skipping the listing renderer against the real nft: ${unavailable}`);

/**
 * Loads the transactions in turn into a fresh namespace; after each, what nft lists (plain and
 * with handles) is what the renderer prints for the transactions loaded so far.
 */
function expectSameListings(transactions: string[]): void {
  const ns = createNetns();
  try {
    const list = (args: string[]) => {
      const res = inNetns(ns, ['nft', ...args, 'list', 'table', 'ip', 'kube-proxy']);
      if (res.status !== 0) throw new Error(res.stderr);
      return res.stdout;
    };
    const rendered = new NftTable();
    for (const tx of transactions) {
      const load = inNetns(ns, ['nft', '-f', '-'], tx);
      if (load.status !== 0) throw new Error(load.stderr);
      rendered.load(tx);
      expect(rendered.list()).toBe(list([]));
      expect(rendered.list({ handles: true })).toBe(list(['-a']));
    }
  } finally {
    deleteNetns(ns);
  }
}

(unavailable ? describe.skip : describe)('against the real nft in a private network namespace', () => {
  test.prop([cluster], { numRuns: 12 })('a generated cluster', (c) => {
    expectSameListings([writeNftTransaction(c, FIXTURE_OPTIONS).text]);
  });

  test('a wide cluster: sctp and udp, external and several load-balancer IPs and source ranges, several node IPs and service CIDRs, a day-long affinity', () => {
    const wide: ClusterSpec = {
      podCIDR: '10.244.0.0/16',
      services: [
        ...benchCluster(40, 3, 11).services,
        {
          namespace: 'shop', name: 'mixed', clusterIP: '10.100.3.7', externalIPs: ['192.0.2.7'], loadBalancerIPs: ['198.51.100.9', '198.51.100.3'],
          loadBalancerSourceRanges: ['203.0.113.0/24', '192.0.2.0/25', '10.0.0.0/8'], externalTrafficPolicy: 'Local', affinitySeconds: 90061,
          ports: [
            { name: 'sig', port: 9000, protocol: 'sctp', nodePort: 30500, endpoints: [{ ip: '10.244.9.2', port: 9, local: true }, { ip: '10.244.8.2', port: 9 }] },
            { name: 'dns', port: 53, protocol: 'udp', nodePort: 30053, endpoints: [{ ip: '10.244.8.3', port: 53 }] },
            { name: 'empty', port: 8443, protocol: 'tcp', nodePort: 31000, endpoints: [] },
          ],
        },
      ],
    };
    expectSameListings([writeNftTransaction(wide, { nodeIPs: ['10.0.0.5', '10.0.0.1', '172.16.0.1'], serviceCIDRs: ['10.96.0.0/16', '10.100.0.0/16'] }).text]);
  });

  test("the benchmark's cluster through its scale event: a first sync, the next that flushes the stale chains, the one after that deletes them", () => {
    const before = benchCluster(150, 4, 2);
    const { first, next, stale } = nftSyncs(before, 2);
    expect(stale).toHaveLength(4); // two services scaled down by two endpoints
    const after = writeNftTransaction(scaleEvent(before, 2), { ...NFT_OPTIONS, firstSync: false, deleteStale: stale }).text;
    expectSameListings([first, next, after]);
  });

  test('elements of every key type in many orders: sorted as nft sorts them', () => {
    const random = fc.sample(fc.array(fc.integer({ min: 1, max: 65535 }), { minLength: 40, maxLength: 40 }), { numRuns: 1, seed: 5 })[0] as number[];
    const tx = [
      'add table ip kube-proxy',
      'add set ip kube-proxy a { type ipv4_addr ; }',
      'add map ip kube-proxy m { type ipv4_addr . inet_proto . inet_service : verdict ; }',
      'add map ip kube-proxy n { type inet_proto . inet_service : verdict ; comment "c" ; }',
      ...random.map((n) => `add element ip kube-proxy a { ${n >> 8}.${n & 255}.${n % 7}.${n % 251} }`),
      ...random.map((n, i) => `add element ip kube-proxy m { 10.${n >> 8}.${i}.${n & 255} . ${['tcp', 'udp', 'sctp'][n % 3]} . ${n} : drop }`),
      ...random.map((n) => `add element ip kube-proxy n { ${['tcp', 'udp', 'sctp'][n % 3]} . ${n} : accept }`),
    ].join('\n');
    expectSameListings([`${tx}\n`]);
  });
});
