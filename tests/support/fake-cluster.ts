/** A small cluster on the fake API server: nodes backed by fresh network namespaces, coredns and a web app. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeApiServer, type FakeCluster, type FakeKubeProxyOptions, type FakeServiceOptions, type FakeTimingOptions } from './fake-apiserver';
import { createNetns, deleteNetns, netnsUnavailableReason } from './netns';

export const FORBIDDEN_TOKEN = 'natdiff-forbidden-token';

/** Why cluster tests cannot run here (no root, no kubectl, no openssl), or null. */
export function clusterUnavailableReason(): string | null {
  const netns = netnsUnavailableReason();
  if (netns) return netns;
  for (const cmd of ['kubectl', 'openssl']) {
    if (spawnSync('sh', ['-c', 'command -v "$1"', 'sh', cmd], { timeout: 5_000 }).status !== 0) return `needs ${cmd} on PATH`;
  }
  return null;
}

export interface TestCluster {
  cluster: FakeCluster;
  netns: Record<string, string>;
  /** Environment for a natdiff child: KUBECONFIG of the fake cluster. */
  env: Record<string, string>;
  close(): Promise<void>;
}

export interface TestClusterOptions {
  timing?: FakeTimingOptions;
  nodeWithoutKubeProxy?: boolean;
  kubeProxy?: FakeKubeProxyOptions;
  /** Services besides kube-dns and web. */
  moreServices?: FakeServiceOptions[];
  /** node-a only (a one-node cluster). */
  singleNode?: boolean;
}

export async function startTestCluster(options: TestClusterOptions = {}): Promise<TestCluster> {
  const netns: Record<string, string> = {};
  const deleteAll = () => {
    for (const name of Object.values(netns)) deleteNetns(name);
  };
  try {
    netns['node-a'] = createNetns('natdiff-node');
    if (!options.singleNode) netns['node-b'] = createNetns('natdiff-node');
    if (options.nodeWithoutKubeProxy) netns['node-c'] = createNetns('natdiff-node');
    const nodes = [
      { name: 'node-a', netns: netns['node-a'], podCIDR: '10.244.1.0/24' },
      ...(netns['node-b'] ? [{ name: 'node-b', netns: netns['node-b'], podCIDR: '10.244.2.0/24' }] : []),
      ...(netns['node-c'] ? [{ name: 'node-c', netns: netns['node-c'], podCIDR: '10.244.3.0/24', kubeProxy: false }] : []),
    ];
    const cluster = await startFakeApiServer({
      nodes,
      services: [
        {
          namespace: 'kube-system', name: 'kube-dns', clusterIP: '10.96.0.10', selector: { 'k8s-app': 'kube-dns' },
          ports: [
            { name: 'dns', port: 53, targetPort: 53, protocol: 'UDP' },
            { name: 'dns-tcp', port: 53, targetPort: 53, protocol: 'TCP' },
            { name: 'metrics', port: 9153, targetPort: 9153, protocol: 'TCP' },
          ],
        },
        { namespace: 'default', name: 'web', clusterIP: '10.96.120.7', type: 'NodePort', selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP', nodePort: 30080 }] },
        ...(options.moreServices ?? []),
      ],
      workloads: [
        { kind: 'Deployment', namespace: 'kube-system', name: 'coredns', replicas: 2, labels: { 'k8s-app': 'kube-dns' } },
        { kind: 'Deployment', namespace: 'default', name: 'web', replicas: 1, labels: { app: 'web' } },
        { kind: 'StatefulSet', namespace: 'default', name: 'lonely', replicas: 1, labels: { app: 'lonely' } },
      ],
      timing: options.timing ?? { podReadyMs: 300, endpointSliceMs: 100, kubeProxyMs: 500 },
      forbiddenToken: FORBIDDEN_TOKEN,
      kubeProxy: options.kubeProxy,
    });
    try {
      await cluster.programNow();
    } catch (e) {
      await cluster.close();
      throw e;
    }
    return {
      cluster,
      netns,
      env: cluster.env,
      close: async () => {
        try {
          await cluster.close();
        } finally {
          deleteAll();
        }
      },
    };
  } catch (e) {
    deleteAll();
    throw e;
  }
}

/**
 * A cluster and a snapshot directory shared by the tests of a describe block: started before
 * them, gone after them; background errors of the fake cluster fail the test they happen in.
 */
export function useTestCluster(options: TestClusterOptions = {}): { readonly t: TestCluster; readonly dir: string } {
  const shared = {} as { t: TestCluster; dir: string };
  beforeAll(async () => {
    shared.t = await startTestCluster(options);
    shared.dir = mkdtempSync(join(tmpdir(), 'natdiff-cluster-'));
  });
  afterAll(async () => {
    try {
      await shared.t?.close();
    } finally {
      if (shared.dir) rmSync(shared.dir, { recursive: true, force: true });
    }
  });
  afterEach(() => expect(shared.t.cluster.errors).toEqual([]));
  return shared;
}

/**
 * A cluster and a snapshot directory of the test's own, so that no test sees another's scale;
 * both are gone afterwards, whatever happened. Background errors of the fake cluster fail the test.
 */
export async function withTestCluster<T>(fn: (t: TestCluster, dir: string) => Promise<T>, options: TestClusterOptions = {}): Promise<T> {
  const t = await startTestCluster(options);
  const dir = mkdtempSync(join(tmpdir(), 'natdiff-cluster-'));
  try {
    const result = await fn(t, dir);
    expect(t.cluster.errors).toEqual([]);
    return result;
  } finally {
    try {
      await t.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}
