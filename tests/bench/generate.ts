/**
 * Synthetic kube-proxy dumps for the benchmark: a cluster of N services with E endpoints each
 * (some with node ports and session affinity, real chain-name hashes), the same node after a
 * scale event (1% of the services gain two endpoints, 0.2% lose two), and the same "before" rules
 * printed another way (a pair that differs only in noise) — in iptables mode (the >= 1.25 layout;
 * the noise is kube-proxy's restore payload against iptables-save) and in nftables mode (the
 * 1.34–1.35 layout as `nft list table ip kube-proxy` prints it; the noise is `nft -a list`, the
 * same listing with handles). Deterministic for a seed.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeNftTransaction, type NftWriteOptions } from '../support/kube-proxy-nft-writer';
import { mulberry32 as rng, shuffled, writeRestorePayload, type ClusterSpec, type EndpointSpec, type ServiceSpec } from '../support/kube-proxy-writer';
import { NftTable } from '../support/nft-listing';
import { toSaveFormat } from '../support/save-format';

function ipOf(base: number, k: number): string {
  const n = base + k;
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

const POD_BASE = (10 << 24) | (64 << 16);
const SERVICE_BASE = (10 << 24) | (96 << 16);

export function benchCluster(services: number, endpoints: number, seed: number): ClusterSpec {
  const random = rng(seed);
  let pod = 0;
  // Node ports are unique in a cluster (the API server allocates them); past the default range
  // (30000-32767) as a cluster of this size configures one.
  let nodePorts = 0;
  const spec: ServiceSpec[] = [];
  for (let i = 0; i < services; i++) {
    const eps: EndpointSpec[] = Array.from({ length: endpoints }, () => ({ ip: ipOf(POD_BASE, pod++), port: 8080 }));
    spec.push({
      namespace: `team-${i % 100}`,
      name: `svc-${i}`,
      clusterIP: ipOf(SERVICE_BASE, i + 1),
      affinitySeconds: random() < 0.05 ? 10800 : undefined,
      ports: [{ name: 'http', port: 80, protocol: 'tcp', nodePort: random() < 0.1 ? 30000 + nodePorts++ : undefined, endpoints: eps }],
    });
  }
  return { podCIDR: '10.64.0.0/10', services: spec };
}

/** 1% of the services scaled up by two endpoints, 0.2% scaled down by two. */
export function scaleEvent(cluster: ClusterSpec, seed: number): ClusterSpec {
  const random = rng(seed + 1);
  let pod = 1 << 20;
  const services = cluster.services.map((s) => {
    const r = random();
    const [port] = s.ports;
    if (!port) return s;
    if (r < 0.01) return { ...s, ports: [{ ...port, endpoints: [...port.endpoints, { ip: ipOf(POD_BASE, pod++), port: 8080 }, { ip: ipOf(POD_BASE, pod++), port: 8080 }] }] };
    if (r < 0.012 && port.endpoints.length > 2) return { ...s, ports: [{ ...port, endpoints: port.endpoints.slice(0, -2) }] };
    return s;
  });
  return { ...cluster, services };
}

export interface GeneratedPair {
  services: number;
  endpoints: number;
  /** iptables-save of the node before and after the scale event. */
  before: string;
  after: string;
  /** kube-proxy's restore payload for the "before" state (same rules as `before`, other formatting). */
  beforePayload: string;
}

export function generatePair(dir: string, services: number, endpoints: number, seed = 42): GeneratedPair {
  const cluster = benchCluster(services, endpoints, seed);
  const payload = writeRestorePayload(cluster, { seed });
  const paths = { before: join(dir, `${services}-before.txt`), after: join(dir, `${services}-after.txt`), beforePayload: join(dir, `${services}-before-payload.txt`) };
  writeFileSync(paths.beforePayload, payload);
  writeFileSync(paths.before, toSaveFormat(payload));
  writeFileSync(paths.after, toSaveFormat(writeRestorePayload(scaleEvent(cluster, seed), { seed: seed + 7 })));
  return { services, endpoints, ...paths };
}

/** The node's addresses and service CIDR in nftables mode. */
export const NFT_OPTIONS: NftWriteOptions = { nodeIPs: ['10.0.0.1'], serviceCIDRs: ['10.96.0.0/16'] };

export interface NftSyncs {
  /** kube-proxy's first sync of the cluster (services in Go's map order). */
  first: string;
  /** Its next sync, after the scale event: the chains of endpoints gone are flushed, not yet deleted. */
  next: string;
  /** Those chains (kube-proxy deletes them a sync later). */
  stale: string[];
}

/** The `nft -f` transactions of a cluster and its scale event in nftables mode. */
export function nftSyncs(cluster: ClusterSpec, seed: number): NftSyncs {
  const scaled = scaleEvent(cluster, seed);
  const scaledAt = new Set(cluster.services.flatMap((s, i) => (s === scaled.services[i] ? [] : [i])));
  const changed = (c: ClusterSpec): ClusterSpec => ({ ...c, services: c.services.filter((_, i) => scaledAt.has(i)) });
  const wanted = new Set(writeNftTransaction(changed(scaled), NFT_OPTIONS).chains);
  const stale = writeNftTransaction(changed(cluster), NFT_OPTIONS).chains.filter((c) => !wanted.has(c));
  return {
    first: writeNftTransaction({ ...cluster, services: shuffled(cluster.services, seed) }, NFT_OPTIONS).text,
    next: writeNftTransaction({ ...scaled, services: shuffled(scaled.services, seed + 7) }, { ...NFT_OPTIONS, firstSync: false, flushStale: stale }).text,
    stale,
  };
}

export interface NftListings {
  /** `nft list table ip kube-proxy` of the node before the scale event, and after kube-proxy's next sync. */
  before: string;
  after: string;
  /** `nft -a list table ip kube-proxy` of the "before" state: the same listing with handles. */
  beforeHandles: string;
}

/** What nft lists of the node through a cluster's scale event in nftables mode. */
export function nftListings(cluster: ClusterSpec, seed: number): NftListings {
  const { first, next } = nftSyncs(cluster, seed);
  const node = new NftTable().load(first);
  const before = node.list();
  const beforeHandles = node.list({ handles: true });
  return { before, beforeHandles, after: node.load(next).list() };
}

/** The files generateNftPair wrote the listings to, by listing. */
export type GeneratedNftPair = { services: number; endpoints: number } & Record<keyof NftListings, string>;

export function generateNftPair(dir: string, services: number, endpoints: number, seed = 42): GeneratedNftPair {
  const listings = nftListings(benchCluster(services, endpoints, seed), seed);
  const paths = { before: join(dir, `${services}-nft-before.txt`), after: join(dir, `${services}-nft-after.txt`), beforeHandles: join(dir, `${services}-nft-before-handles.txt`) };
  for (const key of ['before', 'after', 'beforeHandles'] as const) writeFileSync(paths[key], listings[key]);
  return { services, endpoints, ...paths };
}
