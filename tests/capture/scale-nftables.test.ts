/**
 * `natdiff scale` with kube-proxy in nftables mode: the fake kube-proxy programs each node's
 * network namespace with real `nft -f` transactions in kube-proxy's 1.34–1.35 layout
 * (tests/support/kube-proxy-nft-writer.ts), its ConfigMap says `mode: nftables`, and natdiff finds
 * the mode there, captures `nft list table ip kube-proxy` through the kube-proxy pod, and waits for
 * the same service model to converge as in iptables mode.
 */
import { readFileSync } from 'node:fs';
import { parseSnapshot } from '../../lib/snapshot/load-snapshot';
import { natdiffAsync } from '../support/cli';
import { clusterUnavailableReason, withTestCluster, type TestCluster } from '../support/fake-cluster';
import { run } from '../support/netns';

const unavailable = clusterUnavailableReason() ?? (run(['sh', '-c', 'command -v nft']).status === 0 ? null : 'needs nft on PATH (Debian: apt-get install nftables)');
if (unavailable) console.warn(`skipping natdiff scale tests in nftables mode: ${unavailable}`);
const describeCluster = unavailable ? describe.skip : describe;

/** A hang guard, not a deadline any assertion depends on. */
const HANG_MS = 150_000;
jest.setTimeout(HANG_MS + 30_000);

const NFTABLES = { kubeProxy: { mode: 'nftables' as const } };
const scale = (t: TestCluster, dir: string, args: string[]) => natdiffAsync(['scale', '--dir', dir, '--interval', '200ms', ...args], { env: t.env, timeoutMs: HANG_MS });
const written = (stderr: string, what: string) => new RegExp(`natdiff: ${what}: (\\S+)`).exec(stderr)?.[1] ?? '';

describeCluster('natdiff scale, kube-proxy in nftables mode (real kubectl, fake API server, real nft on the node)', () => {
  test('coredns 2 → 4: the mode from the ConfigMap, read once and kept for every reading; converged, and the diff shows each endpoint going from 50% to 25%', () =>
    withTestCluster(async (t, dir) => {
      const r = await scale(t, dir, ['deployment/coredns', '--replicas', '4', '-n', 'kube-system', '--node', 'node-a']);
      expect(r.status).toBe(0);
      expect(r.stderr).toContain("natdiff: kube-proxy mode nftables: kube-proxy's ConfigMap kube-system/kube-proxy says mode: nftables\n");
      expect(r.stdout).toMatch(/^kube-proxy converged \d+\.\d s after the scale/m);
      // Decided once, for the before snapshot: every later reading keeps that mode.
      expect(t.cluster.requests.filter((q) => q.method === 'GET' && q.path.includes('/configmaps/kube-proxy'))).toHaveLength(1);
      expect(r.stdout.match(/^ {8}10\.244\.\d+\.\d+:53 +50% → 25%/gm)).toHaveLength(4);
      expect(r.stdout.match(/^ {6}\+ 10\.244\.\d+\.\d+:53 +— → 25% +coredns-/gm)).toHaveLength(4);
      for (const file of [written(r.stderr, 'before snapshot'), written(r.stderr, 'after snapshot')]) {
        const s = parseSnapshot(readFileSync(file, 'utf8'), file);
        expect([s.format, s.metadata?.kubeProxyMode, s.metadata?.parts?.map((p) => p.name)]).toEqual(['natdiff snapshot (nft list)', 'nftables', ['nftables ip']]);
      }
    }, NFTABLES));

  test("EKS's layout: the mode from the ConfigMap the pod's --config file is mounted from (kube-proxy-config, key config)", () =>
    withTestCluster(async (t, dir) => {
      const r = await scale(t, dir, ['deployment/coredns', '--replicas', '3', '-n', 'kube-system', '--node', 'node-a']);
      expect(r.status).toBe(0);
      expect(r.stderr).toContain("natdiff: kube-proxy mode nftables: kube-proxy's ConfigMap kube-system/kube-proxy-config says mode: nftables\n");
      expect(t.cluster.requests.filter((q) => q.method === 'GET' && q.path.includes('/configmaps/kube-proxy-config'))).toHaveLength(1);
      expect(t.cluster.requests.filter((q) => q.method === 'GET' && q.path.endsWith('/configmaps/kube-proxy'))).toHaveLength(0);
    }, { kubeProxy: { mode: 'nftables', layout: 'eks' } }));

  test('coredns 2 → 1 and back to 3 (stale endpoint chains flushed, then deleted, between the two): each scale converges and its diff counts the endpoints', () =>
    withTestCluster(async (t, dir) => {
      const down = JSON.parse((await scale(t, dir, ['deployment/coredns', '--replicas', '1', '-n', 'kube-system', '--node', 'node-b', '-o', 'json'])).stdout);
      expect(down.scale).toMatchObject({ outcome: 'converged', fromReplicas: 2, toReplicas: 1 });
      expect(down.diff.summary).toMatchObject({ servicesChanged: 3, endpointsRemoved: 3, endpointsAdded: 0 });
      const up = JSON.parse((await scale(t, dir, ['deployment/coredns', '--replicas', '3', '-n', 'kube-system', '--node', 'node-b', '-o', 'json'])).stdout);
      expect(up.scale).toMatchObject({ outcome: 'converged', fromReplicas: 1, toReplicas: 3 });
      expect(up.diff.summary).toMatchObject({ servicesChanged: 3, endpointsRemoved: 0, endpointsAdded: 6 });
    }, NFTABLES));
});
