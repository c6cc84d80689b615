/**
 * What happened while natdiff waited, in time since the scale command: pods becoming ready or
 * going, EndpointSlices changing, each distinct state of the node's rules, and per endpoint the
 * network-programming latency (from the EndpointSlice change that made it ready — the
 * `last-change-trigger-time` kube-proxy's own SLI starts from — to its rules on the node).
 */
import type { Pod } from '../capture/kube-types';
import { endpointIp } from '../model/addresses';
import { fingerprint, type EndpointSets, type ReadyEndpoint } from './observe';

export type EventKind = 'scale' | 'pod-ready' | 'pod-gone' | 'endpoints' | 'rules' | 'rollout' | 'converged' | 'timeout' | 'interrupted';

export interface TimelineEvent {
  /** Milliseconds since the scale command. */
  atMs: number;
  kind: EventKind;
  subject: string;
  detail: string;
}

export interface Latency {
  service: string;
  endpoint: string;
  readyAtMs: number;
  programmedAtMs: number;
  latencyMs: number;
  /** Where the start time came from: the slice's trigger-time annotation, the pod's Ready condition, or the poll that first saw it. */
  readyFrom: 'trigger-time' | 'pod-ready' | 'poll';
}

function readyTime(pod: Pod): number | null {
  const c = pod.status?.conditions?.find((x) => x.type === 'Ready' && x.status === 'True');
  const t = c?.lastTransitionTime ? Date.parse(c.lastTransitionTime) : NaN;
  return Number.isNaN(t) ? null : t;
}

export class Timeline {
  readonly events: TimelineEvent[] = [];
  readonly latencies: Latency[] = [];
  private readyPods = new Map<string, string>();
  private podIps = new Map<string, number>();
  private sliceState = new Map<string, Set<string>>();
  private readyAt = new Map<string, { at: number; from: Latency['readyFrom'] }>();
  private programmed = new Map<string, Set<string>>();
  private rulesState: string | null = null;

  constructor(
    /** Epoch ms of the scale command. */
    readonly t0: number,
    initialRules: EndpointSets,
    initialPods: Pod[],
    initialSlices: Map<string, ReadyEndpoint[]>,
  ) {
    this.rulesState = fingerprint(initialRules);
    for (const [name, ready] of initialSlices) this.sliceState.set(name, new Set(ready.map((r) => r.address)));
    for (const [name, set] of initialRules) this.programmed.set(name, new Set(set));
    for (const p of initialPods) if (readyTime(p) !== null) this.readyPods.set(p.metadata.name, p.status?.podIP ?? '');
  }

  add(kind: EventKind, subject: string, detail: string, atEpochMs: number): void {
    this.events.push({ atMs: Math.max(0, atEpochMs - this.t0), kind, subject, detail });
    this.events.sort((a, b) => a.atMs - b.atMs);
  }

  pods(pods: Pod[], now: number): void {
    const seen = new Set<string>();
    for (const p of pods) {
      seen.add(p.metadata.name);
      const stamp = readyTime(p);
      if (stamp !== null && !p.metadata.deletionTimestamp && !this.readyPods.has(p.metadata.name)) {
        const ready = this.credible(stamp, now);
        this.readyPods.set(p.metadata.name, p.status?.podIP ?? '');
        if (p.status?.podIP) this.podIps.set(p.status.podIP, ready);
        this.add('pod-ready', p.metadata.name, `ready${p.status?.podIP ? ` (${p.status.podIP})` : ''}${p.spec.nodeName ? ` on ${p.spec.nodeName}` : ''}`, ready);
      }
    }
    for (const [name, ip] of this.readyPods) {
      if (!seen.has(name)) {
        this.readyPods.delete(name);
        this.add('pod-gone', name, `gone${ip ? ` (${ip})` : ''}`, now);
      }
    }
  }

  slices(expected: Map<string, ReadyEndpoint[]>, now: number): void {
    for (const [name, ready] of expected) {
      const before = this.sliceState.get(name);
      const after = new Set(ready.map((r) => r.address));
      if (before && before.size === after.size && [...after].every((a) => before.has(a))) continue;
      const added = new Set([...after].filter((a) => !before?.has(a)));
      const removed = before ? [...before].filter((a) => !after.has(a)) : [];
      this.sliceState.set(name, after);
      for (const r of ready) {
        if (!added.has(r.address) || this.readyAt.has(`${name} ${r.address}`)) continue;
        const podReady = this.podIps.get(endpointIp(r.address));
        const start =
          r.triggeredAt !== null && r.triggeredAt >= this.t0
            ? { at: r.triggeredAt, from: 'trigger-time' as const }
            : podReady !== undefined
              ? { at: podReady, from: 'pod-ready' as const }
              : { at: now, from: 'poll' as const };
        this.readyAt.set(`${name} ${r.address}`, start);
      }
      if (before) {
        const change = [...[...added].map((a) => `+${a}`), ...removed.map((a) => `-${a}`)].join(' ');
        let at = -Infinity;
        for (const r of ready) if (added.has(r.address) && r.triggeredAt !== null) at = Math.max(at, r.triggeredAt);
        this.add('endpoints', name, `EndpointSlice: ${after.size} ready (${change})`, Number.isFinite(at) ? this.credible(at, now) : now);
      }
    }
  }

  /** Records a distinct rule state. */
  rules(observed: EndpointSets, now: number): void {
    const fp = fingerprint(observed);
    if (fp === this.rulesState) return;
    this.rulesState = fp;
    const parts: string[] = [];
    for (const [name, set] of observed) {
      const before = this.programmed.get(name) ?? new Set<string>();
      const added = [...set].filter((a) => !before.has(a));
      const removed = [...before].filter((a) => !set.has(a));
      if (added.length + removed.length === 0) continue;
      parts.push(`${name}: ${set.size} endpoints (${[...added.map((a) => `+${a}`), ...removed.map((a) => `-${a}`)].join(' ')})`);
      for (const a of added) {
        const ready = this.readyAt.get(`${name} ${a}`) ?? { at: now, from: 'poll' as const };
        this.latencies.push({ service: name, endpoint: a, readyAtMs: ready.at - this.t0, programmedAtMs: now - this.t0, latencyMs: Math.max(0, now - ready.at), readyFrom: ready.from });
      }
      this.programmed.set(name, new Set(set));
    }
    this.add('rules', 'node rules', `reprogrammed: ${parts.join('; ') || 'other rules changed'}`, now);
  }

  /**
   * API timestamps can have one-second precision, so a change the scale caused can carry a time
   * before the scale; then the poll that saw it is the better bound.
   */
  private credible(stamp: number, polledAt: number): number {
    return stamp >= this.t0 ? stamp : polledAt;
  }
}
