/** A small cluster on the fake API server: nodes backed by fresh network namespaces, coredns and a web app. */
import { spawnSync } from 'node:child_process';
import { startFakeApiServer, type FakeCluster, type FakeTimingOptions } from './fake-apiserver';
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

export async function startTestCluster(options: { timing?: FakeTimingOptions; nodeWithoutKubeProxy?: boolean } = {}): Promise<TestCluster> {
  const netns: Record<string, string> = { 'node-a': createNetns('natdiff-node'), 'node-b': createNetns('natdiff-node') };
  if (options.nodeWithoutKubeProxy) netns['node-c'] = createNetns('natdiff-node');
  const nodes = [
    { name: 'node-a', netns: netns['node-a'] as string, podCIDR: '10.244.1.0/24' },
    { name: 'node-b', netns: netns['node-b'] as string, podCIDR: '10.244.2.0/24' },
    ...(options.nodeWithoutKubeProxy ? [{ name: 'node-c', netns: netns['node-c'] as string, podCIDR: '10.244.3.0/24', kubeProxy: false }] : []),
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
    ],
    workloads: [
      { kind: 'Deployment', namespace: 'kube-system', name: 'coredns', replicas: 2, labels: { 'k8s-app': 'kube-dns' } },
      { kind: 'Deployment', namespace: 'default', name: 'web', replicas: 1, labels: { app: 'web' } },
      { kind: 'StatefulSet', namespace: 'default', name: 'lonely', replicas: 1, labels: { app: 'lonely' } },
    ],
    timing: options.timing ?? { podReadyMs: 300, endpointSliceMs: 100, kubeProxyMs: 500 },
    forbiddenToken: FORBIDDEN_TOKEN,
  });
  await cluster.programNow();
  return {
    cluster,
    netns,
    env: cluster.env,
    close: async () => {
      await cluster.close();
      for (const name of Object.values(netns)) deleteNetns(name);
    },
  };
}
