/**
 * `natdiff scale` when kube-proxy never converges, when the user presses Ctrl-C, and on bad input:
 * the real kubectl scales a Deployment on the fake API server, whose fake kube-proxy is frozen on
 * the node natdiff watches. Each test that scales has a cluster of its own; Ctrl-C is sent when
 * natdiff says what it waits for, and what is asserted is what must hold however fast the machine
 * is (no assertion depends on what was reached before a timer fired).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { natdiffAsync, stderrMatch } from '../support/cli';
import { clusterUnavailableReason, startTestCluster, withTestCluster, type TestCluster } from '../support/fake-cluster';

const unavailable = clusterUnavailableReason();
if (unavailable) console.warn(`skipping natdiff scale tests: ${unavailable}`);
const describeCluster = unavailable ? describe.skip : describe;

/** A hang guard, not a deadline any assertion depends on. */
const HANG_MS = 150_000;
jest.setTimeout(HANG_MS + 30_000);

const scale = (t: TestCluster, dir: string, args: string[], onSpawn?: (child: ChildProcess) => void) =>
  natdiffAsync(['scale', '--dir', dir, '--interval', '200ms', ...args], { env: t.env, onSpawn, timeoutMs: HANG_MS });

/** What natdiff can say is outstanding about deployment/web and its service. */
const OUTSTANDING = [
  /^deployment\/web: rollout not complete$/,
  /^deployment\/web: \d of 3 pods ready$/,
  /^default\/web:http: rules lack [\d.:, ]+$/,
  /^default\/web:http: rules still send traffic to [\d.:, ]+ \(not ready in the EndpointSlices\)$/,
  /^default\/web:http: the EndpointSlices (lack ready pod|still list) [\d., ]+$/,
];

const endpointsIn = (line: string) => new Set(line.replace(/^.*rules lack /, '').split(', '));

describeCluster('natdiff scale when things go wrong (real kubectl, fake API server, real iptables on the node)', () => {
  test('rules that never converge: exit 1 after --timeout; stdout and the report list what is outstanding, and never contradict the timeline', () =>
    withTestCluster(async (t, dir) => {
      t.cluster.freezeRules('node-a', true);
      const r = await scale(t, dir, ['deployment/web', '--replicas', '3', '-n', 'default', '--node', 'node-a', '--timeout', '3s']);
      expect(r.status).toBe(1);
      expect(r.stdout).toMatch(/^kube-proxy did NOT converge before the timeout \(rollout: (—|\d+\.\d s)\)$/m);
      const outstanding = r.stdout.split('\n').filter((l) => l.startsWith('  not converged: ')).map((l) => l.slice('  not converged: '.length));
      expect(outstanding.length).toBeGreaterThan(0);
      expect(outstanding.filter((o) => !OUTSTANDING.some((form) => form.test(o)))).toEqual([]);
      const rolledOut = /^ +\+\d+\.\ds +rollout +deployment\/web: rollout complete/m.test(r.stdout);
      expect(outstanding.includes('deployment/web: rollout not complete')).toBe(!rolledOut);
      // The rules are frozen: once the slices list the two new pods, the rules lack them to the end.
      if (/ endpoints +default\/web:http: EndpointSlice: 3 ready/.test(r.stdout)) expect(outstanding).toContainEqual(expect.stringMatching(/^default\/web:http: rules lack [\d.]+:8080, [\d.]+:8080$/));
      const report = /natdiff: report: (\S+)/.exec(r.stderr)?.[1] as string;
      expect(readFileSync(report, 'utf8')).toContain(`## Did not converge\n\n${outstanding.map((o) => `- ${o}`).join('\n')}\n`);
    }));

  test('Ctrl-C while waiting for the rules: exit 130, the before snapshot kept, and a report saying what was still outstanding', () =>
    withTestCluster(async (t, dir) => {
      t.cluster.freezeRules('node-b', true);
      let waiting: Promise<RegExpExecArray> | undefined;
      const r = await scale(t, dir, ['deployment/web', '--replicas', '3', '-n', 'default', '--node', 'node-b', '--timeout', '10m'], (child) => {
        waiting = stderrMatch(child, /^natdiff: waiting: .*(default\/web:http: rules lack [\d.]+:8080, [\d.]+:8080)(?:;|$)/m);
        waiting.then(() => child.kill('SIGINT'), () => undefined);
      });
      const lacking = ((await waiting) as RegExpExecArray)[1] as string;
      expect(r.status).toBe(130);
      expect(r.stderr).toMatch(/^natdiff: interrupted; keeping what was captured \(Ctrl-C again to quit at once\)$/m);
      const before = /before snapshot: (\S+)/.exec(r.stderr)?.[1] as string;
      expect(existsSync(before)).toBe(true);
      const report = readFileSync(/natdiff: report: (\S+)/.exec(r.stderr)?.[1] as string, 'utf8');
      expect(report).toContain('- **Outcome:** interrupted before kube-proxy converged\n');
      const listed = /^- (default\/web:http: rules lack .*)$/m.exec(report)?.[1] ?? '';
      expect(endpointsIn(listed)).toEqual(endpointsIn(lacking));
      expect(report).toMatch(/\| interrupted \| natdiff \| interrupted \(Ctrl-C\) \|/);
    }));

  describe('bad input: one line, exit 2', () => {
    let t: TestCluster;
    let dir: string;
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'natdiff-scale-input-'));
      t = await startTestCluster();
    });
    afterAll(async () => {
      try {
        await t?.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
    afterEach(() => expect(t.cluster.errors).toEqual([]));

    test.each([
      ['a workload that does not exist', ['deployment/nope', '--replicas', '2', '-n', 'default', '--node', 'node-a'], /^natdiff: kubectl get deployment: Error from server \(NotFound\): deployments.apps "nope" not found$/],
      ['not a workload', ['pod/x', '--replicas', '2', '--node', 'node-a'], /^natdiff: pod\/x is not a scalable workload; write KIND\/NAME/],
      ['a negative replica count', ['deployment/web', '--replicas', '-1', '--node', 'node-a'], /^natdiff: --replicas -1: needs a whole number, 0 or more \(natdiff scale --help for usage\)$/],
      ['no node on a two-node cluster', ['deployment/web', '--replicas', '2', '-n', 'default'], /^natdiff: name the node whose rules to watch with --node \(nodes: node-a, node-b\)$/],
    ])('%s', async (_, args, message) => {
      const r = await scale(t, dir, args);
      expect(r.status).toBe(2);
      expect(r.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(message)]);
    });
  });
});
