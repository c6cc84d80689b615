/**
 * `natdiff scale`: the whole workflow around `kubectl scale`. Take the before snapshot (and keep
 * it, whatever happens next), scale, wait for the rollout and for kube-proxy to catch up on the
 * node while recording a timeline, take the after snapshot, and diff the two.
 */
import { readClusterInfoIn, type ClusterInfo } from '../capture/cluster-info';
import { endpointSliceSchema, isPodReady, listOf, podSchema, SERVICE_NAME_LABEL, workloadSchema, type EndpointSlice, type Pod, type Workload } from '../capture/kube-types';
import { Kubectl } from '../capture/kubectl';
import type { ModeOption } from '../capture/mode-option';
import { capture, type Source } from '../capture/sources';
import { takeSnapshot, type TakenSnapshot } from '../capture/take-snapshot';
import type { ModeDecision, SnapshotMetadata } from '../model/metadata';
import { diffSnapshots } from '../diff/diff-snapshots';
import type { DiffReport } from '../diff/types';
import { CaptureError } from '../errors';
import { loadSnapshot } from '../snapshot/load-snapshot';
import { headerless } from '../snapshot/write-snapshot';
import { decide, type Poll, type WaitPolicy } from './convergence';
import { divergence, expectedEndpoints, fingerprint, portNames, slicesLagBehind, withPodIps, type EndpointSets } from './observe';
import { PollReading } from './poll-reading';
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
  /** Which mode's rules to read (default auto: decided once, at the before snapshot). */
  mode?: ModeOption;
  /** Before each wait: time since the scale and what is still outstanding (never empty). */
  onProgress?: (elapsedMs: number, outstanding: string[]) => void;
  /** Milestones (snapshots written) as they happen, so an interrupted run has said where things are. */
  onStep?: (message: string) => void;
  /** The clock (epoch ms) and the wait between polls, replaceable in tests. */
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
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
  /** What had not converged at the timeout or the interruption. */
  outstanding: string[];
  timeline: TimelineEvent[];
  latencies: Latency[];
  diff: DiffReport | null;
}

function realSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
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

/** How each poll reads the rules: in the before snapshot's mode, with what it knew of the cluster (IPVS names its ports from it), each against the first. */
interface Reading {
  mode: ModeDecision;
  metadata: SnapshotMetadata;
  polls: PollReading;
}

async function observe(options: ScaleOptions, reading: Reading, selector: string, serviceNames: string[]): Promise<Observation> {
  const { kubectl, workload: w } = options;
  const sliceSelector = serviceNames.length > 0 ? ['-l', `${SERVICE_NAME_LABEL} in (${serviceNames.join(',')})`] : null;
  const [pods, slices, captured, workload] = await Promise.all([
    kubectl.json(listOf(podSchema), ['get', 'pods', `--namespace=${w.namespace}`, '-l', selector]),
    sliceSelector ? kubectl.json(listOf(endpointSliceSchema), ['get', 'endpointslices', `--namespace=${w.namespace}`, ...sliceSelector]) : Promise.resolve({ items: [] }),
    capture(options.source, { timeoutMs: options.commandTimeoutMs, signal: options.signal, kubectl, allTables: options.allTables, debugImage: options.debugImage, mode: reading.mode }),
    kubectl.json(workloadSchema, ['get', w.kind, `--namespace=${w.namespace}`, '--', w.name]),
  ]);
  const [first] = captured;
  if (!first) throw new CaptureError('the node rules could not be read');
  return { pods: pods.items, slices: slices.items, rules: reading.polls.endpoints({ source: 'node rules', ...headerless(reading.metadata, first.parts) }), workload };
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
  const sleep = options.sleep ?? realSleep;
  const { kubectl, workload: ref } = options;
  const w = await resolveWorkload(kubectl, ref);
  const services = await servicesSelecting(kubectl, w);
  const names = portNames(services);
  const serviceNames = services.map((s) => s.metadata.name);
  const info: ClusterInfo = await readClusterInfoIn(kubectl, ref.namespace);
  const candidateNames = info.servicePorts.map((p) => p.name);
  const snapOptions = { source: options.source, kubectl, dir: options.dir, timeoutMs: options.commandTimeoutMs, signal: options.signal, allTables: options.allTables, debugImage: options.debugImage };

  const [before] = await takeSnapshot({ ...snapOptions, mode: options.mode, label: 'before', clusterInfo: { known: info } });
  if (!before) throw new CaptureError('the before snapshot could not be taken');
  if (before.mode.by !== 'option') options.onStep?.(`kube-proxy mode ${before.mode.mode}: ${before.mode.reason}`);
  options.onStep?.(`before snapshot: ${before.path}`);
  const reading: Reading = { mode: before.mode, metadata: before.metadata, polls: new PollReading(names, candidateNames) };
  const scaleArgs = ['scale', `--replicas=${options.replicas}`, `--namespace=${ref.namespace}`, '--', showWorkload(ref)];
  const command = kubectl.argv(scaleArgs);
  const run: ScaleRun = {
    workload: ref, node: sourceNode(options.source), fromReplicas: w.replicas, toReplicas: options.replicas, startedAt: new Date(now()).toISOString(), command,
    servicePorts: names, before, after: null, rolloutMs: null, convergedMs: null, outcome: 'dry-run', outstanding: [], timeline: [], latencies: [], diff: null,
  };
  if (options.dryRun) return run;

  const initial = await observe(options, reading, w.selector, serviceNames);
  const t0 = now();
  run.startedAt = new Date(t0).toISOString();
  await kubectl.run(scaleArgs, options.commandTimeoutMs);
  const timeline = new Timeline(t0, initial.rules, initial.pods, expectedEndpoints(services, initial.slices));
  timeline.add('scale', showWorkload(ref), `kubectl scale --replicas=${options.replicas} (was ${w.replicas})`, t0);
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

  const policy: WaitPolicy = { workload: showWorkload(ref), replicas: options.replicas, watchesServices: names.length > 0, settleMs: options.settleMs, intervalMs: options.intervalMs, deadline: t0 + options.timeoutMs };
  const rolloutAt = () => (run.rolloutMs === null ? null : t0 + run.rolloutMs);
  const polls: Poll[] = [];
  let workloadIps = withPodIps(new Set(), initial.pods);
  let decision = decide(polls, rolloutAt(), now(), policy);
  try {
    while (decision.kind === 'wait') {
      options.onProgress?.(now() - t0, decision.outstanding);
      await sleep(decision.sleepMs, options.signal);
      if (options.signal?.aborted) break;
      const startedAt = now();
      const o = await observe(options, reading, w.selector, serviceNames);
      const at = now();
      timeline.pods(o.pods, at);
      const expected = expectedEndpoints(services, o.slices);
      timeline.slices(expected, at);
      timeline.rules(o.rules, at);
      if (ref.kind === 'replicaset' && rolloutDone(o.workload, options.replicas)) rolloutFinished(at);
      workloadIps = withPodIps(workloadIps, o.pods);
      polls.push({ startedAt, at, readyPods: readyPods(o.pods), behind: [...slicesLagBehind(expected, o.pods, workloadIps), ...divergence(expected, o.rules)], rules: fingerprint(o.rules) });
      decision = decide(polls, rolloutAt(), now(), policy);
    }
  } catch (e) {
    // Once Ctrl-C is pressed, whatever fails next (a kubectl killed mid-read) is the interruption.
    if (!options.signal?.aborted) throw e;
  }
  switch (decision.kind) {
    case 'wait': // left waiting only by Ctrl-C
      timeline.add('interrupted', 'natdiff', 'interrupted (Ctrl-C)', now());
      run.outcome = 'interrupted';
      run.outstanding = decision.outstanding;
      break;
    case 'converged': {
      run.outcome = 'converged';
      run.convergedMs = decision.matchedAt - t0;
      const what = policy.watchesServices ? 'rules match the ready endpoints of every EndpointSlice' : `rules unchanged from here on for ${Math.round(options.settleMs / 1000)} s`;
      const confirmed = decision.confirmedAt > decision.matchedAt ? `; confirmed at +${((decision.confirmedAt - t0) / 1000).toFixed(1)}s` : '';
      timeline.add('converged', 'node rules', `${what}${confirmed}`, decision.matchedAt);
      break;
    }
    case 'timeout':
      run.outcome = 'timeout';
      run.outstanding = decision.outstanding;
      timeline.add('timeout', 'node rules', `gave up after ${Math.round(options.timeoutMs / 1000)} s`, now());
      break;
  }
  stopRollout.abort();
  await rollout;
  run.timeline = timeline.events;
  run.latencies = timeline.latencies;
  if (run.outcome === 'interrupted') return run;

  const [after] = await takeSnapshot({ ...snapOptions, mode: before.mode, label: 'after', clusterInfo: { known: await readClusterInfoIn(kubectl, ref.namespace).catch(() => info) } });
  run.after = after ?? null;
  if (after) options.onStep?.(`after snapshot: ${after.path}`);
  if (after) {
    const first = await loadSnapshot(before.path);
    run.diff = diffSnapshots(first, await loadSnapshot(after.path, { alike: first }), { candidateNames });
    if (run.outcome === 'converged' && !matchesScale(run.diff, names, options.replicas - w.replicas)) {
      run.outcome = 'mismatch';
      run.outstanding = [`the endpoint counts did not change by ${options.replicas - w.replicas} on every watched port (other pods may match the same services)`];
    }
  }
  return run;
}
