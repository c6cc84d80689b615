/**
 * `natdiff drift --all-nodes` through the real kubectl against the fake API server: every node
 * captured (exec into its kube-proxy pod, iptables-save in the namespace standing for it) and held
 * to the others and to the EndpointSlices. A node is left stale by freezing its fake kube-proxy
 * while a Deployment is scaled: it is named stale whether it is one of two nodes (a tie between
 * the nodes, which the slices settle) or the only node.
 */
import { execFile } from 'node:child_process';
import { natdiffAsync } from '../support/cli';
import { clusterUnavailableReason, withTestCluster, type TestCluster } from '../support/fake-cluster';

const unavailable = clusterUnavailableReason();
if (unavailable) console.warn(`skipping drift --all-nodes tests: ${unavailable}`);
const describeCluster = unavailable ? describe.skip : describe;

/** A hang guard, not a deadline any assertion depends on. */
jest.setTimeout(180_000);

function kubectl(t: TestCluster, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('kubectl', args, { env: { ...process.env, ...t.env }, timeout: 60_000 }, (e, stdout, stderr) => (e ? reject(new Error(`kubectl ${args.join(' ')}: ${stderr}`)) : resolve(stdout)));
  });
}

/** The ready endpoint addresses of default/web's slices. */
async function webSliceAddresses(t: TestCluster): Promise<string[]> {
  const slices = JSON.parse(await kubectl(t, ['get', 'endpointslices', '-n', 'default', '-l', 'kubernetes.io/service-name=web', '-o', 'json'])) as { items: { endpoints?: { addresses: string[]; conditions?: { ready?: boolean } }[] }[] };
  return slices.items.flatMap((s) => (s.endpoints ?? []).filter((e) => e.conditions?.ready !== false).flatMap((e) => e.addresses)).sort();
}

/**
 * Scales deployment/web to `replicas` while `frozen` keeps its old rules, and returns once the
 * slices list that many ready endpoints and every other node has been reprogrammed from them.
 */
async function scaleWithStaleNode(t: TestCluster, frozen: string, replicas: number): Promise<string[]> {
  t.cluster.freezeRules(frozen, true);
  await kubectl(t, ['scale', 'deployment/web', '-n', 'default', `--replicas=${replicas}`]);
  let ready: string[] = [];
  // Driven by what the cluster says, polled until it says it (the test's timeout is the hang guard).
  while ((ready = await webSliceAddresses(t)).length !== replicas) await new Promise((r) => setTimeout(r, 100));
  await t.cluster.programNow();
  return ready;
}

const drift = (t: TestCluster, args: string[]) => natdiffAsync(['drift', '--all-nodes', ...args], { env: t.env, timeoutMs: 150_000 });

interface Doc {
  formatVersion: number;
  services: { name: string; status: string; outliers: string[]; tie: boolean; nodes: Record<string, { endpoints: string[] }>; expected: string[]; stale: string[] }[];
  summary: { staleNodes: string[]; drifting: number };
}

describeCluster('natdiff drift --all-nodes (real kubectl, fake API server, real iptables on the nodes)', () => {
  test('every node agrees with the others and with the EndpointSlices: exit 0, each port listed with --all with what is expected', () =>
    withTestCluster(async (t) => {
      const r = await drift(t, ['-o', 'json', '--all']);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const doc = JSON.parse(r.stdout) as Doc;
      const web = doc.services.find((s) => s.name === 'default/web:http');
      expect(web).toMatchObject({ status: 'consistent', outliers: [], stale: [], expected: await webSliceAddresses(t).then((ips) => ips.map((ip) => `${ip}:8080`)) });
      expect(Object.keys(web?.nodes ?? {})).toEqual(['node-a', 'node-b']);
    }));

  test('one of two nodes left stale: the nodes tie, and the EndpointSlices name the stale one; exit 1', () =>
    withTestCluster(async (t) => {
      const ready = await scaleWithStaleNode(t, 'node-b', 2);
      const r = await drift(t, ['-o', 'json', '--concurrency', '1']);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(1);
      const doc = JSON.parse(r.stdout) as Doc;
      expect(doc.formatVersion).toBe(1);
      expect(doc.services.map((s) => s.name)).toEqual(['default/web:http']);
      const [web] = doc.services;
      expect(web).toMatchObject({ status: 'drift', tie: true, outliers: ['node-a', 'node-b'], expected: ready.map((ip) => `${ip}:8080`), stale: ['node-b'] });
      expect(web?.nodes['node-a']?.endpoints).toEqual(ready.map((ip) => `${ip}:8080`));
      expect(web?.nodes['node-b']?.endpoints).toHaveLength(1);
      expect(doc.summary.staleNodes).toEqual(['node-b']);
      const text = await drift(t, []);
      expect(text.status).toBe(1);
      expect(text.stdout).toMatch(/^~ default\/web:http {2}tcp {2}tie: .*; stale: node-b$/m);
      expect(text.stdout).toMatch(/^ {4}EndpointSlices: [\d.:, ]+\n {4}node-b: lacks [\d.]+:8080$/m);
      expect(text.stdout).toMatch(/stale against the EndpointSlices: node-b\n$/);
    }));

  test('a node that cannot be captured is named on stderr and the others are compared; exit 2, the answer being incomplete', () =>
    withTestCluster(
      async (t) => {
        const r = await drift(t, ['-o', 'json']);
        expect(r.stderr).toMatch(/^natdiff: node node-c: no kube-proxy pod is running on node node-c .*try --via debug\n$/);
        expect(r.status).toBe(2);
        expect((JSON.parse(r.stdout) as Doc).summary.drifting).toBe(0);
      },
      { nodeWithoutKubeProxy: true },
    ));

  test('a one-node cluster whose only node is stale: named stale, though there is no other node to compare with', () =>
    withTestCluster(
      async (t) => {
        const ready = await scaleWithStaleNode(t, 'node-a', 2);
        const r = await drift(t, ['-o', 'json']);
        expect(r.status).toBe(1);
        const doc = JSON.parse(r.stdout) as Doc;
        expect(doc.services).toEqual([expect.objectContaining({ name: 'default/web:http', status: 'drift', outliers: [], tie: false, expected: ready.map((ip) => `${ip}:8080`), stale: ['node-a'] })]);
      },
      { singleNode: true },
    ));
});
