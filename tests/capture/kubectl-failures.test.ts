/**
 * When kubectl cannot reach a cluster natdiff says so first, and keeps kubectl's own words on a
 * second line (never klog's `E1207 … memcache.go:265]` noise): the real kubectl against a
 * closed port, with no kubeconfig at all, and against the fake API server with a wrong CA, a
 * wrong token and no credentials.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { natdiffAsync, type CliResult } from '../support/cli';
import { clusterUnavailableReason, startTestCluster, type TestCluster } from '../support/fake-cluster';
import { scratchDir } from '../support/scratch-dir';

const noKubectl = spawnSync('sh', ['-c', 'command -v kubectl'], { timeout: 5_000 }).status !== 0;
if (noKubectl) console.warn('skipping kubectl failure tests: needs kubectl on PATH');
const clusterUnavailable = clusterUnavailableReason();
if (clusterUnavailable) console.warn(`skipping kubectl failure tests against the fake API server: ${clusterUnavailable}`);

const dir = scratchDir('natdiff-kubectl-failures-');
// A home of its own: no ~/.kube/config, a private kubectl cache.
const home = { HOME: dir, KUBECACHEDIR: join(dir, 'cache') };

function kubeconfig(name: string, cluster: Record<string, unknown>, user: Record<string, unknown>): string {
  const path = join(dir, name);
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster }],
    users: [{ name: 'u', user }],
    contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
    'current-context': 'x',
  };
  writeFileSync(path, stringify(config), { mode: 0o600 });
  return path;
}

function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Exit 2, natdiff's line first, kubectl's words second, nothing else. */
function expectTwoLines(r: CliResult, first: string, said: RegExp): void {
  expect(r.status).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr.trimEnd().split('\n')).toEqual([`natdiff: ${first}`, expect.stringMatching(said)]);
  expect(r.stderr).not.toMatch(/memcache\.go|Unhandled Error/);
}

(noKubectl ? describe.skip : describe)('no cluster to reach (real kubectl)', () => {
  test('a kubeconfig whose server port is closed', async () => {
    const port = await closedPort();
    const config = kubeconfig('closed', { server: `https://127.0.0.1:${port}` }, { token: 'x' });
    const r = await natdiffAsync(['snap', '--node', 'node-a', `--kubeconfig=${config}`, '--dir', dir], { env: home });
    expectTwoLines(r, "kubectl get pods: cannot reach the cluster (is the API server up, and the kubeconfig's server address right?)", new RegExp(`^natdiff: kubectl said: The connection to the server 127\\.0\\.0\\.1:${port} was refused - did you specify the right host or port\\?$`));
  });

  test('no kubeconfig at all (KUBECONFIG=/nonexistent, an empty home)', async () => {
    const r = await natdiffAsync(['snap', '--node', 'node-a', '--dir', dir], { env: { ...home, KUBECONFIG: '/nonexistent' } });
    expectTwoLines(r, 'kubectl get pods: cannot reach the cluster (no kubeconfig or context?)', /^natdiff: kubectl said: The connection to the server localhost:8080 was refused - did you specify the right host or port\?$/);
  });
});

(noKubectl || clusterUnavailable ? describe.skip : describe)('a cluster that will not talk to this kubeconfig (real kubectl, fake API server)', () => {
  let t: TestCluster;
  beforeAll(async () => {
    t = await startTestCluster();
  });
  afterAll(async () => t?.close());
  const ca = () => Buffer.from(t.cluster.certificate.cert).toString('base64');
  const snapWith = (config: string) => natdiffAsync(['snap', '--node', 'node-a', `--kubeconfig=${config}`, '--dir', dir], { env: home });

  test('a certificate the kubeconfig does not trust', async () => {
    const r = await snapWith(kubeconfig('no-ca', { server: t.cluster.url }, { token: 'x' }));
    expectTwoLines(r, "kubectl get pods: cannot reach the cluster (its certificate is not trusted: the kubeconfig's certificate-authority is wrong?)", /^natdiff: kubectl said: Unable to connect to the server: tls: failed to verify certificate: x509: certificate signed by unknown authority$/);
  });

  test('a token the cluster does not accept', async () => {
    const r = await snapWith(kubeconfig('wrong-token', { server: t.cluster.url, 'certificate-authority-data': ca() }, { token: 'wrong' }));
    expectTwoLines(r, 'kubectl get pods: the cluster did not accept the credentials (expired token or certificate? log in again)', /^natdiff: kubectl said: error: You must be logged in to the server \(/);
  });

  test('no credentials at all: kubectl asks for a username and natdiff does not wait for one', async () => {
    const r = await snapWith(kubeconfig('no-credentials', { server: t.cluster.url, 'certificate-authority-data': ca() }, {}));
    expectTwoLines(r, 'kubectl get pods: the cluster did not accept the credentials (expired token or certificate? log in again)', /^natdiff: kubectl said: Please enter Username: error: EOF$/);
  });
});
