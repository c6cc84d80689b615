/**
 * `natdiff scale` end to end: the real kubectl scales a workload on the fake API server, whose
 * fake kube-proxy reprograms the node's network namespace with the real iptables-restore after
 * a delay; natdiff waits for convergence, records the timeline and writes the report. Each test
 * has a cluster of its own, and asserts what must hold however fast the machine is.
 */
import { existsSync, readFileSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { natdiffAsync } from '../support/cli';
import { clusterUnavailableReason, withTestCluster, type TestCluster } from '../support/fake-cluster';

const unavailable = clusterUnavailableReason();
if (unavailable) console.warn(`skipping natdiff scale tests: ${unavailable}`);
const describeCluster = unavailable ? describe.skip : describe;

/** A hang guard, not a deadline any assertion depends on. */
const HANG_MS = 150_000;
jest.setTimeout(HANG_MS + 30_000);

const scale = (t: TestCluster, dir: string, args: string[]) => natdiffAsync(['scale', '--dir', dir, '--interval', '200ms', ...args], { env: t.env, timeoutMs: HANG_MS });

/** Async: the API server answering kubectl lives in this process. */
const replicas = (t: TestCluster, kind: string, name: string, ns: string) =>
  new Promise<number>((resolve) => {
    execFile('kubectl', ['get', kind, name, '-n', ns, '-o', 'jsonpath={.spec.replicas}'], { env: { ...process.env, ...t.env }, timeout: 60_000 }, (_, stdout) => resolve(Number(stdout)));
  });

describeCluster('natdiff scale (real kubectl, fake API server, real iptables on the node)', () => {
  test('--dry-run: the before snapshot and what would run; nothing is scaled', () =>
    withTestCluster(async (t, dir) => {
      const r = await scale(t, dir, ['deployment/coredns', '--replicas', '4', '-n', 'kube-system', '--node', 'node-a', '--dry-run']);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/^dry run: would run kubectl .*scale --replicas=4 --namespace=kube-system -- deployment\/coredns\n/);
      expect(r.stdout).toContain('kube-system/kube-dns:dns, kube-system/kube-dns:dns-tcp, kube-system/kube-dns:metrics');
      const before = /before snapshot: (\S+)/.exec(r.stderr)?.[1] as string;
      expect(existsSync(before)).toBe(true);
      expect(await replicas(t, 'deployment', 'coredns', 'kube-system')).toBe(2);
    }));

  test('coredns 2 → 4: converges, the report has the timeline, latencies and the semantic diff naming the new pods', () =>
    withTestCluster(async (t, dir) => {
      const r = await scale(t, dir, ['deployment/coredns', '--replicas', '4', '-n', 'kube-system', '--node', 'node-a']);
      expect(r.status).toBe(0);
      const [before, after, report] = ['before snapshot', 'after snapshot', 'report'].map((what) => new RegExp(`natdiff: ${what}: (\\S+)`).exec(r.stderr)?.[1] ?? '') as [string, string, string];
      for (const f of [before, after, report]) expect(existsSync(f)).toBe(true);
      expect(r.stdout).toMatch(/^natdiff scale deployment\/coredns 2 → 4 in kube-system, rules read on node node-a\nkube-proxy converged \d+\.\d s after the scale \(rollout: \d+\.\d s\)\nnetwork programming latency: median \d+\.\d s, max \d+\.\d s \(6 endpoints\)/);
      expect(r.stdout).toMatch(/probabilities {2}0\.5 → 0\.25\/0\.333\/0\.5/);
      expect(r.stdout).toMatch(/\+ 10\.244\.\d+\.\d+:53 +— → 25% +coredns-[a-z0-9]+-[a-z0-9]+ on node-[ab]/);
      const md = readFileSync(report, 'utf8');
      expect(md).toMatch(/^# natdiff scale: deployment\/coredns 2 → 4 in kube-system, rules read on node node-a\n/);
      expect(md).toContain('- **Ran:** `kubectl');
      expect(md).toMatch(/\| \+0\.0s \| scale \| deployment\/coredns \| kubectl scale --replicas=4 \(was 2\) \|/);
      expect(md).toMatch(/\| \+\d+\.\ds \| pod ready \| coredns-/);
      expect(md).toMatch(/\| \+\d+\.\ds \| endpoints \| kube-system\/kube-dns:dns \| EndpointSlice: 4 ready/);
      expect(md).toMatch(/\| \+\d+\.\ds \| rules \| node rules \| reprogrammed: /);
      // The headline's time is the converged line's: the first poll that saw the rules match.
      const converged = /^kube-proxy converged (\d+\.\d) s after the scale/m.exec(r.stdout)?.[1];
      expect(md).toContain(`| +${converged}s | converged | node rules | rules match the ready endpoints of every EndpointSlice`);
      expect(md).toContain('```mermaid\ngantt\n');
      expect(md).toMatch(/## Network programming latency\n\n\| Service port \| Endpoint \| Ready at \| In the rules at \| Latency \| Start from \|/);
      expect(md).toContain('## Semantic diff:');
      expect(md).toMatch(/\| ➕ `10\.244\.\d+\.\d+:53` \| coredns-\S+ on node-[ab] \| — \| `█████/);
      expect(await replicas(t, 'deployment', 'coredns', 'kube-system')).toBe(4);
    }));

  test('-o json: a scale down as data: the run, the diff and the timeline', () =>
    withTestCluster(async (t, dir) => {
      const r = await scale(t, dir, ['deployment/coredns', '--replicas', '1', '-n', 'kube-system', '--node', 'node-b', '-o', 'json']);
      expect(r.status).toBe(0);
      const doc = JSON.parse(r.stdout);
      expect(doc.scale).toMatchObject({ workload: { kind: 'deployment', name: 'coredns', namespace: 'kube-system' }, fromReplicas: 2, toReplicas: 1, outcome: 'converged', node: 'node-b', outstanding: [] });
      expect(doc.diff.summary).toMatchObject({ servicesChanged: 3, endpointsRemoved: 3, endpointsAdded: 0 });
      expect(doc.timeline.map((e: { kind: string }) => e.kind)).toEqual(expect.arrayContaining(['scale', 'endpoints', 'rules', 'rollout', 'converged']));
    }));

  test('a workload no service selects: converged when the rules stay unchanged for the settle window', () =>
    withTestCluster(async (t, dir) => {
      const r = await scale(t, dir, ['statefulset/lonely', '--replicas', '2', '-n', 'default', '--node', 'node-a', '--settle', '1s']);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/^kube-proxy converged \d+\.\d s after the scale/m);
      expect(r.stdout).toMatch(/ converged +node rules: rules unchanged from here on for 1 s/);
    }));
});
