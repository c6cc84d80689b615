/**
 * Nothing a user types becomes an option or a command of kubectl, ip or ssh: one test per spawn
 * site, with the real tools. For kubectl a look-alike API server on 127.0.0.1 (the fake
 * cluster's own certificate, so kubectl would trust it and send the kubeconfig's token) checks
 * that no injected `--server` ever reaches it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { expectOneLineError, natdiffAsync, type CliResult } from '../support/cli';
import { clusterUnavailableReason, startTestCluster, type TestCluster } from '../support/fake-cluster';
import { startListener, type Listener } from '../support/listener';
import { scratchDir } from '../support/scratch-dir';

const unavailable = clusterUnavailableReason();
if (unavailable) console.warn(`skipping kubectl injection tests: ${unavailable}`);
const describeCluster = unavailable ? describe.skip : describe;

const dir = scratchDir('natdiff-names-');

describeCluster('kubectl: node, namespace, context and kubeconfig never become options', () => {
  let t: TestCluster;
  let listener: Listener;
  const run = (args: string[]) => natdiffAsync([...args, '--dir', dir], { env: t.env });

  beforeAll(async () => {
    t = await startTestCluster();
    listener = await startListener(t.cluster.certificate);
  });
  afterAll(async () => {
    await listener?.close();
    await t?.close();
  });
  afterEach(() => {
    expect(listener.connections).toBe(0);
    expect(listener.authorizations).toEqual([]);
    expect(t.cluster.errors).toEqual([]);
  });

  test.each(['exec', 'debug'])('snap --via %s --node=--server=URL: refused before kubectl runs', async (via) => {
    const r = await run(['snap', '--via', via, `--node=--server=${listener.url}`]);
    expectOneLineError(r, /^natdiff: node --server=https:\/\/127\.0\.0\.1:\d+: not a Kubernetes node name \(lowercase letters, digits, '-' and '\.', /);
  });

  test('scale --namespace=--server=URL: refused before kubectl runs', async () => {
    const r = await run(['scale', 'deployment/web', '--replicas', '2', `--namespace=--server=${listener.url}`, '--node', 'node-a']);
    expectOneLineError(r, /^natdiff: namespace --server=https:\/\/127\.0\.0\.1:\d+: not a Kubernetes namespace name \(/);
  });

  const noCluster = (r: CliResult, said: RegExp) => {
    expect(r.status).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toEqual(['natdiff: kubectl get pods: cannot reach the cluster (no kubeconfig or context?)', expect.stringMatching(said)]);
  };

  test('--context=--server=URL is a context name kubectl does not know, never an option', async () => {
    noCluster(await run(['snap', '--node', 'node-a', `--context=--server=${listener.url}`]), /^natdiff: kubectl said: .*context.* "?--server=https:\/\/127\.0\.0\.1:\d+"?/);
  });

  test('--kubeconfig=--server=URL is a file name, never an option', async () => {
    noCluster(await run(['snap', '--node', 'node-a', `--kubeconfig=--server=${listener.url}`]), /^natdiff: kubectl said: error: stat --server=https:\/\/127\.0\.0\.1:\d+: no such file or directory$/);
  });
});

describe('ip netns exec: the namespace name', () => {
  test.each(['../x', '-x', '--help', 'a/b', '..'])('--netns=%s: refused before ip runs', async (name) => {
    expectOneLineError(await natdiffAsync(['snap', `--netns=${name}`, '--dir', dir]), /^natdiff: network namespace .*: not a name ip netns accepts \(not empty, no '\/', not '\.' or '\.\.', at most 255 bytes, not starting with '-'\)$/);
  });
});

const noSsh = spawnSync('sh', ['-c', 'command -v ssh'], { timeout: 5_000 }).status !== 0;
if (noSsh) console.warn('skipping ssh option tests: needs ssh on PATH (Debian: apt-get install openssh-client)');

(noSsh ? describe.skip : describe)('ssh: the host and -o options (the real ssh client)', () => {
  const marker = join(dir, 'ran');
  afterEach(() => expect(existsSync(marker)).toBe(false));
  const snap = (args: string[]) => natdiffAsync(['snap', ...args, '--dir', dir]);

  test.each([`ProxyCommand=touch ${marker}`, `proxycommand touch ${marker}`, `LocalCommand=touch ${marker}`, `KnownHostsCommand=touch ${marker}`, `Match=exec "touch ${marker}"`, 'Include=/etc/passwd', 'ControlPath=/tmp/x', 'garbage'])(
    '--ssh-option %s: refused with one line naming it; nothing runs',
    async (option) => {
      const keyword = /^\w+/.exec(option)?.[0] ?? '';
      const r = await snap(['--ssh', '127.0.0.1', '--ssh-option', 'ConnectTimeout=3', '--ssh-option', option]);
      expectOneLineError(r, option === 'garbage' ? /^natdiff: --ssh-option garbage: not an ssh option \(write KEY=VALUE, e\.g\. Port=2222\)$/ : new RegExp(`^natdiff: --ssh-option .*: natdiff does not pass ${keyword} to ssh; `));
    },
  );

  test.each([`-oProxyCommand=touch ${marker}`, `127.0.0.1;touch ${marker}`, `$(touch ${marker})@127.0.0.1`])('--ssh=%s: refused before ssh runs', async (host) => {
    expectOneLineError(await snap([`--ssh=${host}`]), /^natdiff: .*: not a (host name|user name natdiff passes to ssh) \(/);
  });

  test('allowed options pass in any spelling, as ssh_config(5) spells them: port 1 is Port=1', async () => {
    const r = await snap(['--ssh', '127.0.0.1', '--ssh-option', 'port 1', '--ssh-option', 'connecttimeout = 3']);
    expect(r.status).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toEqual(['natdiff: ssh 127.0.0.1 sudo iptables-save failed: ssh: connect to host 127.0.0.1 port 1: Connection refused']);
  });
});
