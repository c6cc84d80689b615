/**
 * `natdiff scale` when kube-proxy never converges, when the user presses Ctrl-C, and on bad input: the real kubectl scales a Deployment on the fake API server, whose
 * fake kube-proxy reprograms the node's network namespace with the real iptables-restore after
 * a delay; natdiff waits for convergence, records the timeline and writes the report.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { natdiffAsync } from '../support/cli';
import { clusterUnavailableReason, startTestCluster, type TestCluster } from '../support/fake-cluster';

const unavailable = clusterUnavailableReason();
if (unavailable) console.warn(`skipping natdiff scale tests: ${unavailable}`);
const describeCluster = unavailable ? describe.skip : describe;

describeCluster('natdiff scale when things go wrong (real kubectl, fake API server, real iptables on the node)', () => {
  let t: TestCluster;
  let dir: string;
  const scale = (args: string[], onSpawn?: (child: ChildProcess) => void) => natdiffAsync(['scale', '--dir', dir, '--interval', '200ms', ...args], { env: t.env, onSpawn, timeoutMs: 90_000 });
  beforeAll(async () => {
    t = await startTestCluster();
    dir = mkdtempSync(join(tmpdir(), 'natdiff-scale-fail-'));
  });
  afterAll(async () => t?.close());
  afterEach(() => expect(t.cluster.errors).toEqual([]));

  test('rules that never converge: exit 1 after --timeout, and the report names what is missing', async () => {
    t.cluster.freezeRules('node-a', true);
    try {
      const r = await scale(['deployment/web', '--replicas', '3', '-n', 'default', '--node', 'node-a', '--timeout', '3s']);
      expect(r.status).toBe(1);
      expect(r.stdout).toMatch(/kube-proxy did NOT converge before the timeout/);
      expect(r.stdout).toMatch(/not converged: default\/web:http: rules lack 10\.244\.\d+\.\d+:8080, 10\.244\.\d+\.\d+:8080/);
      const report = /natdiff: report: (\S+)/.exec(r.stderr)?.[1] as string;
      expect(readFileSync(report, 'utf8')).toMatch(/## Did not converge\n\n- default\/web:http: rules lack /);
    } finally {
      t.cluster.freezeRules('node-a', false);
    }
  });

  test('Ctrl-C while waiting keeps the before snapshot and says where it is', async () => {
    t.cluster.freezeRules('node-b', true);
    try {
      let stderr = '';
      const r = await scale(['deployment/web', '--replicas', '1', '-n', 'default', '--node', 'node-b', '--timeout', '60s'], (child) => {
        child.stderr?.on('data', (c: Buffer) => {
          stderr += c.toString('utf8');
          if (stderr.includes('before snapshot:')) setTimeout(() => child.kill('SIGINT'), 1500);
        });
      });
      expect(r.status).toBe(130);
      expect(r.stderr).toMatch(/natdiff: interrupted; keeping what was captured/);
      const before = /before snapshot: (\S+)/.exec(r.stderr)?.[1] as string;
      expect(existsSync(before)).toBe(true);
      expect(r.stderr).toMatch(/natdiff: report: \S+/);
    } finally {
      t.cluster.freezeRules('node-b', false);
    }
  });

  test.each([
    ['a workload that does not exist', ['deployment/nope', '--replicas', '2', '-n', 'default', '--node', 'node-a'], /^natdiff: kubectl get deployment: Error from server \(NotFound\): deployments.apps "nope" not found$/],
    ['not a workload', ['pod/x', '--replicas', '2', '--node', 'node-a'], /^natdiff: pod\/x is not a scalable workload; write KIND\/NAME/],
    ['a negative replica count', ['deployment/web', '--replicas', '-1', '--node', 'node-a'], /^natdiff: --replicas -1: needs a whole number, 0 or more \(natdiff scale --help for usage\)$/],
    ['no node on a two-node cluster', ['deployment/web', '--replicas', '2', '-n', 'default'], /^natdiff: name the node whose rules to watch with --node \(nodes: node-a, node-b\)$/],
  ])('%s: one line, exit 2', async (_, args, message) => {
    const r = await scale(args);
    expect(r.status).toBe(2);
    expect(r.stderr.trimEnd().split('\n').filter((l) => !l.startsWith('natdiff: before snapshot'))).toEqual([expect.stringMatching(message)]);
  });
});
