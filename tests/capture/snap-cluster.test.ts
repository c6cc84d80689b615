/**
 * `natdiff snap --node` through the real kubectl, against the fake API server whose exec runs
 * iptables-save in the network namespace standing for that node.
 */
import { readFileSync } from 'node:fs';
import { parseSnapshot } from '../../lib/snapshot/load-snapshot';
import { natdiffAsync, type CliResult } from '../support/cli';
import { clusterUnavailableReason, useTestCluster } from '../support/fake-cluster';

const unavailable = clusterUnavailableReason();
if (unavailable) console.warn(`skipping cluster capture tests: ${unavailable}`);
const describeCluster = unavailable ? describe.skip : describe;

function oneLineError(r: CliResult, pattern: RegExp): void {
  expect(r.status).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(r.stderr.trimEnd()).toMatch(pattern);
}

describeCluster('natdiff snap through a cluster (real kubectl, fake API server)', () => {
  const shared = useTestCluster({ nodeWithoutKubeProxy: true });
  const snap = (args: string[]) => natdiffAsync(['snap', '--dir', shared.dir, ...args], { env: shared.t.env });

  const fromConfig = "natdiff: kube-proxy mode iptables: kube-proxy's ConfigMap kube-system/kube-proxy leaves mode empty: kube-proxy's default, iptables";

  test('--node: through the kube-proxy pod on that node, with pods and service ports from the cluster', async () => {
    const r = await snap(['--node', 'node-a', '--label', 'before']);
    expect(r.stderr).toBe(`${fromConfig}\n`);
    expect(r.status).toBe(0);
    const path = r.stdout.trim();
    expect(path).toMatch(new RegExp(`^${shared.dir}/fake/node-a/\\d{8}T\\d{6}Z-before\\.txt$`));
    const s = parseSnapshot(readFileSync(path, 'utf8'), path);
    const m = s.metadata;
    expect(m).toMatchObject({ node: 'node-a', kubeContext: 'fake', label: 'before', source: { kind: 'node', target: 'node-a', via: expect.stringMatching(/^kube-proxy pod kube-system\/kube-proxy-/) }, nodeIPs: ['172.18.0.2'] });
    expect(m).toMatchObject({ kubeProxyMode: 'iptables', kubeProxyModeDecision: { by: 'config' }, parts: [{ name: 'iptables', command: m?.source.command, lines: { first: expect.any(Number), last: expect.any(Number) }, loadWith: 'iptables-restore' }] });
    expect(m?.source.command.slice(1)).toEqual(['exec', '--namespace=kube-system', expect.stringMatching(/^pod\/kube-proxy-/), '--container=kube-proxy', '--', 'iptables-save', '-t', 'nat']);
    const corednsPods = Object.entries(m?.pods ?? {}).filter(([, p]) => p.pod.startsWith('coredns-'));
    expect(corednsPods).toHaveLength(2);
    expect(corednsPods.map(([, p]) => p.namespace)).toEqual(['kube-system', 'kube-system']);
    expect(m?.servicePorts).toEqual(expect.arrayContaining([{ name: 'kube-system/kube-dns:dns', protocol: 'udp', clusterIP: '10.96.0.10', port: 53, nodePort: null }, { name: 'default/web:http', protocol: 'tcp', clusterIP: '10.96.120.7', port: 80, nodePort: 30080 }]));
    const model = s.describe(s.serviceNames()).model;
    expect(model.ports.find((p) => p.key === 'kube-system/kube-dns:dns/udp')?.endpoints).toHaveLength(2);
  });

  test('--node --via debug: a privileged debug pod runs iptables-save on the host', async () => {
    const r = await snap(['--node', 'node-b', '--via', 'debug']);
    expect(r.stderr).toBe(`${fromConfig}\n`);
    expect(r.status).toBe(0);
    const s = parseSnapshot(readFileSync(r.stdout.trim(), 'utf8'), 'x');
    expect(s.metadata?.source.via).toBe('debug pod (busybox:1.36)');
    expect(s.ruleset.tables.get('nat')?.chains.has('KUBE-SVC-TCOU7JCQXEZGVUNU')).toBe(true);
    expect(shared.t.cluster.requests.filter((q) => q.method === 'DELETE' && q.path.includes('/pods/node-debugger-node-b-'))).toHaveLength(1);
  });

  test('--all-nodes: one file per node; a node without a kube-proxy pod is an error for that node only', async () => {
    const r = await snap(['--all-nodes', '--label', 'fleet']);
    expect(r.status).toBe(2);
    const paths = r.stdout.trim().split('\n');
    expect(paths.map((p) => p.split('/').slice(-2, -1)[0])).toEqual(['node-a', 'node-b']);
    expect(r.stderr.trim().split('\n')).toEqual([
      ...['node-a', 'node-b'].map((node) => fromConfig.replace('natdiff: ', `natdiff: node ${node}: `)),
      'natdiff: node node-c: no kube-proxy pod is running on node node-c (kube-proxy may run outside a pod there, as in k3s, or the cluster uses another service proxy); try --via debug',
    ]);
  });

  test.each([
    ['a node that does not exist', ['--node', 'node-z'], /^natdiff: node node-z does not exist \(nodes: node-a, node-b, node-c\)$/],
    ['a node without a kube-proxy pod', ['--node', 'node-c'], /^natdiff: no kube-proxy pod is running on node node-c .*try --via debug$/],
  ])('%s: one line, exit 2', async (_, args, message) => {
    oneLineError(await snap(args), message);
  });

  test.each([
    ['a context kubectl does not know', ['--node', 'node-a', '--context', 'nope'], 'cannot reach the cluster (no kubeconfig or context?)', /^error: context "nope" does not exist$/],
    ['a forbidden user', ['--node', 'node-a', '--context', 'forbidden'], "the cluster refused the request (the kubeconfig's user lacks the permission)", /^Error from server \(Forbidden\): pods is forbidden: User "system:serviceaccount:default:forbidden" cannot list resource "pods"/],
  ])("%s: what is wrong first, kubectl's words on a second line, exit 2", async (_, args, first, said) => {
    const r = await snap(args);
    expect(r.status).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toEqual([`natdiff: kubectl get pods: ${first}`, expect.stringMatching(new RegExp(`^natdiff: kubectl said: ${said.source.slice(1)}`))]);
  });

  test('kubectl missing: one line, exit 2', async () => {
    const r = await natdiffAsync(['snap', '--dir', shared.dir, '--node', 'node-a'], { env: { ...shared.t.env, NATDIFF_KUBECTL: '/nonexistent/kubectl' } });
    oneLineError(r, /^natdiff: kubectl get pods: kubectl is not installed \(or not on PATH\)$/);
  });
});
