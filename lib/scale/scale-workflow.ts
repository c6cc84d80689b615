/**
 * `natdiff scale`: the whole workflow around `kubectl scale`. Take the before snapshot (and keep
 * it, whatever happens next), scale, wait for the rollout and for kube-proxy to catch up on the
 * node while recording a timeline, take the after snapshot, and diff the two.
 */
import { readClusterInfoIn, type ClusterInfo } from '../capture/cluster-info';
import { endpointSliceSchema, isPodReady, listOf, podSchema, SERVICE_NAME_LABEL, workloadSchema, type EndpointSlice, type Pod, type Workload } from '../capture/kube-types';
import { Kubectl } from '../capture/kubectl';
import { capture, type Source } from '../capture/sources';
import { takeSnapshot, type TakenSnapshot } from '../capture/take-snapshot';
import { diffSnapshots } from '../diff/diff-snapshots';
import type { DiffReport } from '../diff/types';
import { CaptureError, NatdiffError } from '../errors';
import { loadSnapshot, parseSnapshot } from '../snapshot/load-snapshot';
import { divergence, expectedEndpoints, observedEndpoints, portNames, slicesLagBehind, type EndpointSets } from './observe';
import { Timeline, type Latency, type TimelineEvent } from './timeline';
import { resolveWorkload, rolloutDone, servicesSelecting, showWorkload, type WorkloadRef } from './workload';

export interface ScaleOptions {
  workload: WorkloadRef;
  replicas: number;
  source: Source;
  kubectl: Kubectl;
  dir: string;
  /** Give up waiting for convergence after this long. */
  timeoutMs: number;
  /** Poll the rules and the cluster this often. */
  intervalMs: number;
  /** With no service to check against, converged = rules unchanged this long after the rollout. */
  settleMs: number;
  /** Timeout for each capture and kubectl call. */
  commandTimeoutMs: number;
  dryRun: boolean;
  signal?: AbortSignal;
  allTables?: boolean;
  debugImage?: string;
  /** Progress for a spinner: what natdiff is waiting for. */
  onProgress?: (elapsedMs: number, waitingFor: string) => void;
  /** Milestones (snapshots written) as they happen, so an interrupted run has said where things are. */
  onStep?: (message: string) => void;
  now?: () => number;
}

export type Outcome = 'converged' | 'mismatch' | 'timeout' | 'interrupted' | 'dry-run';

export interface ScaleRun {
  workload: WorkloadRef;
  node: string | null;
  fromReplicas: number;
  toReplicas: number;
  startedAt: string;
  command: string[];
  /** Service ports watched (those whose services select the workload). */
  servicePorts: string[];
  before: TakenSnapshot;
  after: TakenSnapshot | null;
  rolloutMs: number | null;
  convergedMs: number | null;
  outcome: Outcome;
  /** What did not converge, per service port. */
  outstanding: string[];
  timeline: TimelineEvent[];
  latencies: Latency[];
  diff: DiffReport | null;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });
}

function sourceNode(source: Source): string | null {
  return source.kind === 'node' ? source.node : null;
}

interface Observation {
  pods: Pod[];
  slices: EndpointSlice[];
  rules: EndpointSets;
  workload: Workload;
}

async function observe(options: ScaleOptions, selector: string, serviceNames: string[], names: string[], candidateNames: string[]): Promise<Observation> {
  const { kubectl, workload: w } = options;
  const sliceSelector = serviceNames.length > 0 ? ['-l', `${SERVICE_NAME_LABEL} in (${serviceNames.join(',')})`] : null;
  const [pods, slices, captured, workload] = await Promise.all([
    kubectl.json(listOf(podSchema), ['get', 'pods', `--namespace=${w.namespace}`, '-l', selector]),
    sliceSelector ? kubectl.json(listOf(endpointSliceSchema), ['get', 'endpointslices', `--namespace=${w.namespace}`, ...sliceSelector]) : Promise.resolve({ items: [] }),
    capture(options.source, { timeoutMs: options.commandTimeoutMs, signal: options.signal, kubectl, allTables: options.allTables, debugImage: options.debugImage }),
    kubectl.json(workloadSchema, ['get', w.kind, `--namespace=${w.namespace}`, '--', w.name]),
  ]);
  const snap = parseSnapshot(captured[0]?.text ?? '', 'node rules');
  const model = snap.describe([...snap.serviceNames(), ...candidateNames]).model;
  return { pods: pods.items, slices: slices.items, rules: observedEndpoints(model, names), workload };
}

function readyPods(pods: Pod[]): number {
  return pods.filter(isPodReady).length;
}

/** The diff matches the scale when every watched port gained (or lost) as many endpoints as replicas changed. */
function matchesScale(diff: DiffReport, names: string[], delta: number): boolean {
  return names.every((name) => {
    const s = diff.services.find((d) => d.name === name);
    return (s?.after?.endpoints.length ?? 0) - (s?.before?.endpoints.length ?? 0) === delta;
  });
}

export async function runScale(options: ScaleOptions): Promise<ScaleRun> {
  const now = options.now ?? Date.now;
  const { kubectl, workload: ref } = options;
  const w = await resolveWorkload(kubectl, ref);
  const services = await servicesSelecting(kubectl, w);
  const names = portNames(services);
  const serviceNames = services.map((s) => s.metadata.name);
  const info: ClusterInfo = await readClusterInfoIn(kubectl, ref.namespace);
  const candidateNames = info.servicePorts.map((p) => p.name);
  const snapOptions = { source: options.source, kubectl, dir: options.dir, timeoutMs: options.commandTimeoutMs, signal: options.signal, allTables: options.allTables, debugImage: options.debugImage };

  const [before] = await takeSnapshot({ ...snapOptions, label: 'before', clusterInfo: { known: info } });
  if (!before) throw new CaptureError('the before snapshot could not be taken');
  options.onStep?.(`before snapshot: ${before.path}`);
  const scaleArgs = ['scale', `--replicas=${options.replicas}`, `--namespace=${ref.namespace}`, '--', showWorkload(ref)];
  const command = kubectl.argv(scaleArgs);
  const run: ScaleRun = {
    workload: ref, node: sourceNode(options.source), fromReplicas: w.replicas, toReplicas: options.replicas, startedAt: new Date().toISOString(), command,
    servicePorts: names, before, after: null, rolloutMs: null, convergedMs: null, outcome: 'dry-run', outstanding: [], timeline: [], latencies: [], diff: null,
  };
  if (options.dryRun) return run;

  const initial = await observe(options, w.selector, serviceNames, names, candidateNames);
  const t0 = now();
  run.startedAt = new Date(t0).toISOString();
  await kubectl.run(scaleArgs, options.commandTimeoutMs);
  const timeline = new Timeline(t0, initial.rules, initial.pods, expectedEndpoints(services, initial.slices));
  timeline.add('scale', showWorkload(ref), `kubectl scale --replicas=${options.replicas} (was ${w.replicas})`, t0);
  const deadline = t0 + options.timeoutMs;
  const rolloutFinished = (at: number) => {
    if (run.rolloutMs !== null) return;
    run.rolloutMs = at - t0;
    timeline.add('rollout', showWorkload(ref), `rollout complete: ${options.replicas} ready`, at);
  };
  // kubectl rollout status watches Deployments and StatefulSets; a ReplicaSet's status is polled.
  const stopRollout = new AbortController();
  const rolloutKubectl = new Kubectl(kubectl.target, { ...kubectl.options, signal: options.signal ? AbortSignal.any([options.signal, stopRollout.signal]) : stopRollout.signal });
  const rollout =
    ref.kind === 'replicaset'
      ? Promise.resolve()
      : rolloutKubectl
          .result(['rollout', 'status', `--namespace=${ref.namespace}`, `--timeout=${Math.ceil(options.timeoutMs / 1000)}s`, '--', showWorkload(ref)], options.timeoutMs + options.commandTimeoutMs)
          .then((r) => (r.code === 0 ? rolloutFinished(now()) : undefined))
          .catch(() => undefined);

  try {
    let outstanding = ['waiting for the first observation'];
    for (;;) {
      if (options.signal?.aborted) throw new CaptureError('interrupted', 'interrupted');
      const observedFrom = now();
      const o = await observe(options, w.selector, serviceNames, names, candidateNames);
      const at = now();
      timeline.pods(o.pods, at);
      const expected = expectedEndpoints(services, o.slices);
      timeline.slices(expected, at);
      timeline.rules(o.rules, at);
      if (ref.kind === 'replicaset' && rolloutDone(o.workload, options.replicas)) rolloutFinished(at);
      outstanding = [...slicesLagBehind(expected, o.pods), ...divergence(expected, o.rules)];
      // The observation must postdate the rollout and see every replica ready itself.
      const rolledOut = run.rolloutMs !== null && t0 + run.rolloutMs <= observedFrom && readyPods(o.pods) === options.replicas;
      const settled = names.length > 0 ? outstanding.length === 0 : timeline.stableForMs(at) >= options.settleMs;
      if (rolledOut && settled) {
        run.convergedMs = at - t0;
        timeline.add('converged', 'node rules', names.length > 0 ? 'rules match the ready endpoints of every EndpointSlice' : `rules unchanged for ${Math.round(options.settleMs / 1000)} s`, at);
        run.outcome = 'converged';
        break;
      }
      if (at >= deadline) {
        timeline.add('timeout', 'node rules', `gave up after ${Math.round(options.timeoutMs / 1000)} s`, at);
        run.outcome = 'timeout';
        run.outstanding = rolledOut ? outstanding : [`${showWorkload(ref)}: rollout not complete`, ...outstanding];
        break;
      }
      options.onProgress?.(at - t0, !rolledOut ? `rollout of ${showWorkload(ref)}` : outstanding[0] ?? 'the rules to settle');
      await sleep(Math.min(options.intervalMs, Math.max(0, deadline - now())), options.signal);
    }
  } catch (e) {
    if (!(e instanceof NatdiffError) || !options.signal?.aborted) throw e;
    timeline.add('interrupted', 'natdiff', 'interrupted (Ctrl-C)', now());
    run.outcome = 'interrupted';
  }
  stopRollout.abort();
  await rollout;
  run.timeline = timeline.events;
  run.latencies = timeline.latencies;
  if (run.outcome === 'interrupted') return run;

  const [after] = await takeSnapshot({ ...snapOptions, label: 'after', clusterInfo: { known: await readClusterInfoIn(kubectl, ref.namespace).catch(() => info) } });
  run.after = after ?? null;
  if (after) options.onStep?.(`after snapshot: ${after.path}`);
  if (after) {
    const first = loadSnapshot(before.path);
    run.diff = diffSnapshots(first, loadSnapshot(after.path, { alike: first }), { candidateNames });
    if (run.outcome === 'converged' && !matchesScale(run.diff, names, options.replicas - w.replicas)) {
      run.outcome = 'mismatch';
      run.outstanding = [`the endpoint counts did not change by ${options.replicas - w.replicas} on every watched port (other pods may match the same services)`];
    }
  }
  return run;
}
