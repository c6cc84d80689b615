/**
 * Drives the real kubectl against the fake API server: every kubectl call natdiff's `snap --node`,
 * `scale` and `--via debug` paths rely on, with two nodes backed by real network namespaces.
 */
import { spawn, spawnSync } from 'node:child_process';
import { startFakeApiServer, type FakeCluster } from './support/fake-apiserver';
import { createNetns, deleteNetns, netnsUnavailableReason, save } from './support/netns';

const KUBECTL_TIMEOUT_MS = 20_000;
const KUBE_DNS_DNS_CHAIN = 'KUBE-SVC-TCOU7JCQXEZGVUNU'; // kube-system/kube-dns:dns udp
const FORBIDDEN_TOKEN = 'forbidden-token-for-tests';

interface KubectlResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

function unavailableReason(): string | null {
  const netns = netnsUnavailableReason();
  if (netns) return netns;
  for (const cmd of ['kubectl', 'openssl']) {
    if (spawnSync('sh', ['-c', 'command -v "$1"', 'sh', cmd], { timeout: 5_000 }).status !== 0) return `needs ${cmd} on PATH`;
  }
  return null;
}

const skipReason = unavailableReason();
const describeIfCluster = skipReason ? describe.skip : describe;

/** Runs kubectl without blocking the event loop: the server answering it lives in this process. */
function kubectl(cluster: FakeCluster, args: string[]): Promise<KubectlResult> {
  return new Promise((resolve) => {
    const child = spawn('kubectl', args, { env: { ...process.env, ...cluster.env }, timeout: KUBECTL_TIMEOUT_MS, killSignal: 'SIGKILL' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('error', (error) => resolve({ status: null, stdout, stderr: stderr + String(error) }));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

async function kubectlJson<T>(cluster: FakeCluster, args: string[]): Promise<T> {
  const res = await kubectl(cluster, [...args, '-o', 'json']);
  if (res.status !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${res.status}): ${res.stderr}`);
  return JSON.parse(res.stdout) as T;
}

/** The jumps from a service chain to its endpoint chains, as iptables-save prints them. */
function endpointJumps(natDump: string, chain: string): string[] {
  return natDump.split('\n').filter((l) => l.startsWith(`-A ${chain} `) && l.includes('-j KUBE-SEP-'));
}

/** Probes until the state is reached, however long the machine takes (the test timeout is the hang guard). */
async function eventually<T>(probe: () => T | Promise<T>, ok: (value: T) => boolean): Promise<T> {
  let value = await probe();
  while (!ok(value)) {
    await new Promise((r) => setTimeout(r, 100));
    value = await probe();
  }
  return value;
}

interface PodList {
  items: { metadata: { name: string; labels: Record<string, string> }; spec: { nodeName: string }; status: { phase: string } }[];
}

interface SliceList {
  items: { endpoints: { addresses: string[]; conditions: { ready: boolean }; nodeName: string; targetRef: { kind: string; name: string } }[] | null; ports: { name: string; port: number; protocol: string }[] | null }[];
}

if (skipReason) {
  process.stderr.write(`fake-apiserver tests skipped: ${skipReason}\n`);
  describe('fake API server', () => {
    test.skip(`skipped: ${skipReason}`, () => undefined);
  });
}

describeIfCluster('fake API server driven by the real kubectl', () => {
  let cluster: FakeCluster;
  const netns: Record<string, string> = {};

  beforeAll(async () => {
    netns['node-a'] = createNetns('natdiff-fakeapi');
    netns['node-b'] = createNetns('natdiff-fakeapi');
    cluster = await startFakeApiServer({
      nodes: [
        { name: 'node-a', netns: netns['node-a'], podCIDR: '10.244.1.0/24' },
        { name: 'node-b', netns: netns['node-b'], podCIDR: '10.244.2.0/24' },
      ],
      services: [
        {
          namespace: 'kube-system',
          name: 'kube-dns',
          clusterIP: '10.96.0.10',
          selector: { 'k8s-app': 'kube-dns' },
          ports: [
            { name: 'dns', port: 53, targetPort: 53, protocol: 'UDP' },
            { name: 'dns-tcp', port: 53, targetPort: 53, protocol: 'TCP' },
            { name: 'metrics', port: 9153, targetPort: 9153, protocol: 'TCP' },
          ],
        },
        { namespace: 'default', name: 'web', clusterIP: '10.96.120.7', type: 'NodePort', selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP', nodePort: 30080 }] },
        { namespace: 'default', name: 'db', clusterIP: '10.96.120.8', selector: { app: 'db' }, ports: [{ name: '', port: 5432, targetPort: 5432, protocol: 'TCP' }] },
      ],
      workloads: [
        { kind: 'Deployment', namespace: 'kube-system', name: 'coredns', replicas: 2, labels: { 'k8s-app': 'kube-dns' } },
        { kind: 'Deployment', namespace: 'default', name: 'web', replicas: 1, labels: { app: 'web' } },
        { kind: 'StatefulSet', namespace: 'default', name: 'db', replicas: 1, labels: { app: 'db' } },
        { kind: 'ReplicaSet', namespace: 'default', name: 'cache', replicas: 1, labels: { app: 'cache' } },
      ],
      timing: { podReadyMs: 200, endpointSliceMs: 100, kubeProxyMs: 200 },
      forbiddenToken: FORBIDDEN_TOKEN,
    });
    await cluster.programNow();
  });

  afterAll(async () => {
    try {
      await cluster?.close();
    } finally {
      for (const name of Object.values(netns)) deleteNetns(name);
    }
  });

  afterEach(() => {
    expect(cluster.errors).toEqual([]);
  });

  test('kubectl config and discovery: current context, nodes, services, deployments', async () => {
    const context = await kubectl(cluster, ['config', 'current-context']);
    expect(context.stdout.trim()).toBe('fake');

    const nodes = await kubectlJson<{ items: { metadata: { name: string }; spec: { podCIDR: string } }[] }>(cluster, ['get', 'nodes']);
    expect(nodes.items.map((n) => [n.metadata.name, n.spec.podCIDR])).toEqual([
      ['node-a', '10.244.1.0/24'],
      ['node-b', '10.244.2.0/24'],
    ]);

    const services = await kubectlJson<{ items: { metadata: { name: string }; spec: { type: string; clusterIP: string; ports: { nodePort?: number }[] } }[] }>(cluster, ['get', 'services', '-A']);
    const web = services.items.find((s) => s.metadata.name === 'web');
    expect(web?.spec).toMatchObject({ type: 'NodePort', clusterIP: '10.96.120.7', ports: [{ nodePort: 30080 }] });
    expect(services.items.map((s) => s.metadata.name).sort()).toEqual(['db', 'kube-dns', 'web']);

    const coredns = await kubectlJson<{ kind: string; spec: { replicas: number }; status: { readyReplicas: number; observedGeneration: number } }>(cluster, ['get', 'deployment', 'coredns', '-n', 'kube-system']);
    expect(coredns).toMatchObject({ kind: 'Deployment', spec: { replicas: 2 }, status: { readyReplicas: 2, observedGeneration: 1 } });

    const pods = await kubectlJson<PodList>(cluster, ['get', 'pods', '-A']);
    expect(pods.items.filter((p) => p.metadata.labels['k8s-app'] === 'kube-dns').map((p) => p.spec.nodeName).sort()).toEqual(['node-a', 'node-b']);
    expect(pods.items.every((p) => p.status.phase === 'Running')).toBe(true);
  });

  test('exec iptables-save in the kube-proxy pod of a node returns its real NAT table', async () => {
    const pods = await kubectlJson<PodList>(cluster, ['get', 'pods', '-n', 'kube-system', '-l', 'k8s-app=kube-proxy', '--field-selector', 'spec.nodeName=node-a']);
    expect(pods.items).toHaveLength(1);
    const pod = pods.items[0]!;
    expect(pod.metadata.name).toMatch(/^kube-proxy-[a-z0-9]{5}$/);
    expect(pod.spec.nodeName).toBe('node-a');

    const exec = await kubectl(cluster, ['exec', '-n', 'kube-system', pod.metadata.name, '-c', 'kube-proxy', '--', 'iptables-save', '-t', 'nat']);
    expect(exec.status).toBe(0);
    expect(exec.stdout).toContain('*nat');
    expect(endpointJumps(exec.stdout, KUBE_DNS_DNS_CHAIN)).toHaveLength(2);
    expect(exec.stdout).toContain('-A KUBE-NODEPORTS -p tcp -m comment --comment "default/web:http" -m tcp --dport 30080');
    expect(cluster.requests).toContainEqual(expect.objectContaining({ method: 'GET', path: `/api/v1/namespaces/kube-system/pods/${pod.metadata.name}/exec` }));

    const failing = await kubectl(cluster, ['exec', '-n', 'kube-system', pod.metadata.name, '-c', 'kube-proxy', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    expect(failing.status).toBe(3);
    expect(failing.stdout).toBe('out\n');
    expect(failing.stderr).toContain('err\n');
    expect(failing.stderr).toContain('command terminated with exit code 3');
  });

  test('scaling coredns to 4: rollout status succeeds, slices and both nodes converge', async () => {
    const scaled = await kubectl(cluster, ['scale', 'deployment/coredns', '--replicas', '4', '-n', 'kube-system']);
    expect(scaled).toMatchObject({ status: 0, stdout: 'deployment.apps/coredns scaled\n' });
    expect(cluster.requests).toContainEqual(expect.objectContaining({ method: 'PATCH', path: '/apis/apps/v1/namespaces/kube-system/deployments/coredns/scale' }));

    const rollout = await kubectl(cluster, ['rollout', 'status', 'deployment/coredns', '-n', 'kube-system', '--timeout=60s']);
    expect(rollout.status).toBe(0);
    expect(rollout.stdout).toContain('deployment "coredns" successfully rolled out');

    for (const node of ['node-a', 'node-b']) {
      const dump = await eventually(() => save(netns[node]!, ['-t', 'nat']), (d) => endpointJumps(d, KUBE_DNS_DNS_CHAIN).length === 4);
      const jumps = endpointJumps(dump, KUBE_DNS_DNS_CHAIN);
      expect(jumps).toHaveLength(4);
      expect(jumps[0]).toContain('--probability 0.25');
    }

    const slices = await kubectlJson<SliceList>(cluster, ['get', 'endpointslices', '-n', 'kube-system', '-l', 'kubernetes.io/service-name=kube-dns']);
    expect(slices.items).toHaveLength(1);
    const endpoints = slices.items[0]?.endpoints ?? [];
    expect(endpoints.filter((e) => e.conditions.ready)).toHaveLength(4);
    expect(endpoints.every((e) => e.targetRef.kind === 'Pod' && e.targetRef.name.startsWith('coredns-'))).toBe(true);
    expect(slices.items[0]?.ports?.map((p) => `${p.name}/${p.protocol}/${p.port}`).sort()).toEqual(['dns-tcp/TCP/53', 'dns/UDP/53', 'metrics/TCP/9153']);

    const all = await kubectlJson<SliceList>(cluster, ['get', 'endpointslices', '-A']);
    expect(all.items).toHaveLength(3);
  });

  test('statefulsets and replicasets scale through the scale subresource too', async () => {
    const sts = await kubectl(cluster, ['scale', 'statefulset/db', '--replicas', '3', '-n', 'default']);
    expect(sts).toMatchObject({ status: 0, stdout: 'statefulset.apps/db scaled\n' });
    const rollout = await kubectl(cluster, ['rollout', 'status', 'statefulset/db', '-n', 'default', '--timeout=60s']);
    expect(rollout.status).toBe(0);
    expect(rollout.stdout).toContain('partitioned roll out complete: 3 new pods have been updated...');
    const dbPods = await kubectlJson<PodList>(cluster, ['get', 'pods', '-n', 'default', '-l', 'app=db']);
    expect(dbPods.items.map((p) => p.metadata.name)).toEqual(['db-0', 'db-1', 'db-2']);

    const rs = await kubectl(cluster, ['scale', 'replicaset/cache', '--replicas', '2', '-n', 'default']);
    expect(rs).toMatchObject({ status: 0, stdout: 'replicaset.apps/cache scaled\n' });
    const ready = await kubectl(cluster, ['wait', "--for=jsonpath={.status.readyReplicas}=2", 'replicaset/cache', '-n', 'default', '--timeout=30s']);
    expect(ready).toMatchObject({ status: 0, stdout: 'replicaset.apps/cache condition met\n' });

    expect((await kubectl(cluster, ['scale', 'statefulset/db', '--replicas', '1', '-n', 'default'])).status).toBe(0);
    const scaledDown = await eventually(
      () => kubectlJson<PodList>(cluster, ['get', 'pods', '-n', 'default', '-l', 'app=db']),
      (list) => list.items.length === 1,
    );
    expect(scaledDown.items.map((p) => p.metadata.name)).toEqual(['db-0']);
  });

  test('a frozen node keeps its rules while the other converges', async () => {
    cluster.freezeRules('node-b', true);
    const before = save(netns['node-b']!, ['-t', 'nat']);
    const scaled = await kubectl(cluster, ['scale', 'deployment/coredns', '--replicas', '3', '-n', 'kube-system']);
    expect(scaled.status).toBe(0);
    expect((await kubectl(cluster, ['rollout', 'status', 'deployment/coredns', '-n', 'kube-system', '--timeout=60s'])).status).toBe(0);

    const nodeA = await eventually(() => save(netns['node-a']!, ['-t', 'nat']), (d) => endpointJumps(d, KUBE_DNS_DNS_CHAIN).length === 3);
    expect(endpointJumps(nodeA, KUBE_DNS_DNS_CHAIN)).toHaveLength(3);
    // A sync of every node now: the frozen one must be left out, not merely not reached yet.
    await cluster.programNow();
    const frozen = save(netns['node-b']!, ['-t', 'nat']);
    expect(endpointJumps(frozen, KUBE_DNS_DNS_CHAIN)).toHaveLength(4);
    expect(endpointJumps(frozen, KUBE_DNS_DNS_CHAIN)).toEqual(endpointJumps(before, KUBE_DNS_DNS_CHAIN));

    cluster.freezeRules('node-b', false);
    const thawed = await eventually(() => save(netns['node-b']!, ['-t', 'nat']), (d) => endpointJumps(d, KUBE_DNS_DNS_CHAIN).length === 3);
    expect(endpointJumps(thawed, KUBE_DNS_DNS_CHAIN)).toHaveLength(3);
  });

  test('debug node flow: create, wait for Succeeded, read the dump from the logs, delete', async () => {
    const debug = await kubectl(cluster, ['debug', 'node/node-a', '--profile=sysadmin', '--image=busybox:1.36', '--', 'chroot', '/host', 'iptables-save', '-t', 'nat']);
    expect(debug.status).toBe(0);
    const name = /Creating debugging pod (node-debugger-node-a-[a-z0-9]{5}) with container debugger on node node-a\./.exec(debug.stdout + debug.stderr)?.[1];
    expect(name).toBeDefined();

    const wait = await kubectl(cluster, ['wait', "--for=jsonpath={.status.phase}=Succeeded", `pod/${name}`, '-n', 'default', '--timeout=30s']);
    expect(wait).toMatchObject({ status: 0, stdout: `pod/${name} condition met\n` });

    const logs = await kubectl(cluster, ['logs', `pod/${name}`, '-n', 'default']);
    expect(logs.status).toBe(0);
    expect(logs.stdout).toContain('*nat');
    expect(endpointJumps(logs.stdout, KUBE_DNS_DNS_CHAIN)).toHaveLength(3);

    const deleted = await kubectl(cluster, ['delete', 'pod', name!, '-n', 'default']);
    expect(deleted).toMatchObject({ status: 0, stdout: `pod "${name}" deleted\n` });
    const gone = await kubectl(cluster, ['get', 'pod', name!, '-n', 'default']);
    expect(gone.status).not.toBe(0);
    expect(gone.stderr).toContain(`Error from server (NotFound): pods "${name}" not found`);
  });

  test('the forbidden context gets 403 Forbidden', async () => {
    const res = await kubectl(cluster, ['--context', 'forbidden', 'get', 'pods', '-n', 'kube-system', '-l', 'k8s-app=kube-proxy', '-o', 'json']);
    expect(res.status).not.toBe(0);
    // As against a real server, kubectl -o json still prints an empty List before failing.
    expect(JSON.parse(res.stdout)).toMatchObject({ kind: 'List', items: [] });
    expect(res.stderr.trim()).toBe(
      'Error from server (Forbidden): pods is forbidden: User "system:serviceaccount:default:forbidden" cannot list resource "pods" in API group "" in the namespace "kube-system"',
    );
  });

  test('exec into a missing pod is NotFound', async () => {
    const res = await kubectl(cluster, ['exec', '-n', 'kube-system', 'kube-proxy-nope1', '-c', 'kube-proxy', '--', 'iptables-save', '-t', 'nat']);
    expect(res.status).not.toBe(0);
    expect(res.stderr.trim()).toBe('Error from server (NotFound): pods "kube-proxy-nope1" not found');
  });
});
