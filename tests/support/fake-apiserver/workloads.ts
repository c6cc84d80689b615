/**
 * The workload controllers: Deployment (through its ReplicaSet), ReplicaSet and StatefulSet
 * (OrderedReady: one pod at a time). They create and remove pods to match spec.replicas and keep
 * status the way `kubectl rollout status` reads it. Runs after any pod or workload spec change.
 */
import { templateHash } from './naming';
import { isPodReady, pendingPod, replicaSetFor, runningPod } from './objects';
import type { Kubelet } from './kubelet';
import type { ClusterState, NodeInfo } from './state';
import { now, type StoredEvent } from './store';
import type { Condition, Labels, Pod, Workload, WorkloadStatus } from './types';
import type { Timers } from './timers';

const WORKLOAD_RESOURCES = new Set(['deployments', 'replicasets', 'statefulsets']);

function isActive(pod: Pod): boolean {
  return !pod.metadata.deletionTimestamp && pod.status.phase !== 'Succeeded' && pod.status.phase !== 'Failed';
}

function countReady(pods: Pod[]): number {
  return pods.filter(isPodReady).length;
}

/** Drops zero counters, as Go's omitempty does for these status fields. */
function omitZero(status: WorkloadStatus, keep: (keyof WorkloadStatus)[] = []): WorkloadStatus {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(status)) {
    if (v === undefined || (v === 0 && !keep.includes(k as keyof WorkloadStatus))) continue;
    out[k] = v;
  }
  return out as WorkloadStatus;
}

function ordinalOf(pod: Pod, setName: string): number {
  return Number(pod.metadata.name.slice(setName.length + 1));
}

function lowestFreeOrdinal(pods: Pod[], setName: string): number {
  const taken = new Set(pods.map((p) => ordinalOf(p, setName)));
  let ordinal = 0;
  while (taken.has(ordinal)) ordinal++;
  return ordinal;
}

export class WorkloadController {
  constructor(
    private readonly state: ClusterState,
    private readonly timers: Timers,
    private readonly kubelet: Kubelet,
  ) {}

  start(): () => void {
    return this.state.store.subscribe((event) => {
      if (this.isTrigger(event)) this.timers.once('workloads', 0, () => this.reconcileAll(false));
    });
  }

  /** One pass over every workload; `initial` creates pods already running (cluster start-up). */
  reconcileAll(initial: boolean): void {
    const { store } = this.state;
    for (const d of store.list<Workload>('deployments')) this.syncDeploymentReplicaSet(d);
    for (const rs of store.list<Workload>('replicasets')) this.reconcileReplicaSet(rs, initial);
    for (const sts of store.list<Workload>('statefulsets')) this.reconcileStatefulSet(sts, initial);
    for (const d of store.list<Workload>('deployments')) this.updateDeploymentStatus(d);
  }

  private isTrigger(event: StoredEvent): boolean {
    if (event.resource === 'pods') return true;
    if (!WORKLOAD_RESOURCES.has(event.resource)) return false;
    return event.type !== 'MODIFIED' || event.previous?.metadata.generation !== event.object.metadata.generation;
  }

  private ownedReplicaSet(d: Workload): Workload | undefined {
    return this.state.store
      .list<Workload>('replicasets', d.metadata.namespace)
      .find((rs) => rs.metadata.ownerReferences?.some((o) => o.controller && o.uid === d.metadata.uid));
  }

  private syncDeploymentReplicaSet(d: Workload): void {
    const { store } = this.state;
    const rs = this.ownedReplicaSet(d);
    if (!rs) {
      store.create('replicasets', replicaSetFor(d, templateHash(`${d.metadata.namespace}/${d.metadata.name}`)));
      return;
    }
    if (rs.spec.replicas === d.spec.replicas) return;
    const annotations = { ...rs.metadata.annotations, 'deployment.kubernetes.io/desired-replicas': String(d.spec.replicas) };
    store.update('replicasets', {
      ...rs,
      metadata: { ...rs.metadata, generation: (rs.metadata.generation ?? 1) + 1, annotations },
      spec: { ...rs.spec, replicas: d.spec.replicas },
    });
  }

  private reconcileReplicaSet(rs: Workload, initial: boolean): void {
    const active = this.state.podsOwnedBy(rs.metadata.uid, rs.metadata.namespace).filter(isActive);
    const missing = rs.spec.replicas - active.length;
    for (let i = 0; i < missing; i++) {
      const name = this.state.names.next(`${rs.metadata.name}-`, (n) => this.state.store.has('pods', rs.metadata.namespace, n));
      active.push(this.createPod(rs, name, rs.spec.template.metadata.labels, active, initial));
    }
    for (const victim of this.scaleDownOrder(active).slice(0, Math.max(0, -missing))) {
      this.kubelet.delete(victim, undefined);
      active.splice(active.indexOf(victim), 1);
    }
    const ready = countReady(active);
    this.writeStatus('replicasets', rs, omitZero({
      replicas: active.length,
      fullyLabeledReplicas: active.length,
      readyReplicas: ready,
      availableReplicas: ready,
      observedGeneration: rs.metadata.generation,
    }, ['replicas']));
  }

  /** The ReplicaSet controller's preference: not ready first, then crowded nodes, then newest. */
  private scaleDownOrder(pods: Pod[]): Pod[] {
    const perNode = new Map<string, number>();
    for (const p of pods) perNode.set(p.spec.nodeName ?? '', (perNode.get(p.spec.nodeName ?? '') ?? 0) + 1);
    const rank = (p: Pod): [number, number, string] => [isPodReady(p) ? 1 : 0, -(perNode.get(p.spec.nodeName ?? '') ?? 0), p.metadata.creationTimestamp ?? ''];
    return [...pods].sort((a, b) => {
      const [ra, ca, ta] = rank(a);
      const [rb, cb, tb] = rank(b);
      return ra - rb || ca - cb || (ta < tb ? 1 : ta > tb ? -1 : 0);
    });
  }

  private reconcileStatefulSet(sts: Workload, initial: boolean): void {
    const name = sts.metadata.name;
    const ns = sts.metadata.namespace;
    const owned = this.state.podsOwnedBy(sts.metadata.uid, ns).sort((a, b) => ordinalOf(a, name) - ordinalOf(b, name));
    const active = owned.filter(isActive);
    const revision = `${name}-${templateHash(`${ns}/${name}`)}`;
    const settled = owned.length === active.length && active.every(isPodReady);
    if (initial || settled) {
      // OrderedReady: one pod created or removed per step, each step waiting for the previous one.
      const steps = initial ? sts.spec.replicas : 1;
      for (let i = 0; i < steps && active.length < sts.spec.replicas; i++) {
        const ordinal = lowestFreeOrdinal(active, name);
        const labels: Labels = {
          ...sts.spec.template.metadata.labels,
          'apps.kubernetes.io/pod-index': String(ordinal),
          'controller-revision-hash': revision,
          'statefulset.kubernetes.io/pod-name': `${name}-${ordinal}`,
        };
        active.push(this.createPod(sts, `${name}-${ordinal}`, labels, active, initial));
      }
      const highest = [...active].sort((a, b) => ordinalOf(b, name) - ordinalOf(a, name))[0];
      if (active.length > sts.spec.replicas && highest) {
        this.kubelet.delete(highest, undefined);
        active.splice(active.indexOf(highest), 1);
      }
    }
    const ready = countReady(active);
    this.writeStatus('statefulsets', sts, {
      ...omitZero({ observedGeneration: sts.metadata.generation, replicas: active.length, readyReplicas: ready, currentReplicas: active.length, updatedReplicas: active.length }, ['replicas']),
      availableReplicas: ready,
      currentRevision: revision,
      updateRevision: revision,
      collisionCount: 0,
    });
  }

  private createPod(owner: Workload, name: string, labels: Labels, siblings: Pod[], initial: boolean): Pod {
    const node = this.placement(siblings);
    const pod = pendingPod(name, owner, { ...labels }, { nodeName: node.name, hostIP: node.ip, podIP: node.ips.allocate() });
    if (owner.kind === 'StatefulSet') Object.assign(pod.spec, { hostname: name, subdomain: owner.metadata.name });
    return this.state.store.create('pods', initial ? runningPod(pod) : pod);
  }

  /** Spreads a workload's pods: the node with the fewest of them, in node order on ties. */
  private placement(siblings: Pod[]): NodeInfo {
    const count = (n: NodeInfo): number => siblings.filter((p) => p.spec.nodeName === n.name).length;
    const [first, ...rest] = this.state.nodes;
    if (!first) throw new Error('the fake cluster has no nodes');
    return rest.reduce((best, n) => (count(n) < count(best) ? n : best), first);
  }

  private updateDeploymentStatus(d: Workload): void {
    const rs = this.ownedReplicaSet(d);
    if (!rs) return;
    const active = this.state.podsOwnedBy(rs.metadata.uid, d.metadata.namespace).filter(isActive);
    const available = countReady(active);
    const desired = d.spec.replicas;
    const maxUnavailable = Math.floor(desired * 0.25);
    const complete = active.length === desired && available === desired;
    const availableCond: Condition = available >= desired - maxUnavailable
      ? { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' }
      : { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' };
    const progressing: Condition = complete
      ? { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${rs.metadata.name}" has successfully progressed.` }
      : { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: `ReplicaSet "${rs.metadata.name}" is progressing.` };
    this.writeStatus('deployments', d, {
      ...omitZero({
        observedGeneration: d.metadata.generation,
        replicas: active.length,
        updatedReplicas: active.length,
        readyReplicas: available,
        availableReplicas: available,
        unavailableReplicas: Math.max(0, rs.spec.replicas - available),
      }),
      conditions: [availableCond, progressing],
    });
  }

  /** Writes a status only when it changed, keeping condition timestamps of unchanged conditions. */
  private writeStatus(resource: string, workload: Workload, status: WorkloadStatus): void {
    const current = this.state.store.get<Workload>(resource, workload.metadata.namespace, workload.metadata.name);
    if (!current) return;
    const t = now();
    const conditions = status.conditions?.map((c) => {
      const old = current.status.conditions?.find((o) => o.type === c.type);
      const same = old && old.status === c.status && old.reason === c.reason && old.message === c.message;
      if (same) return old;
      const transitioned = !old || old.status !== c.status;
      return { ...c, lastUpdateTime: t, lastTransitionTime: transitioned ? t : (old?.lastTransitionTime ?? t) };
    });
    const next: WorkloadStatus = conditions ? { ...status, conditions } : status;
    if (JSON.stringify(next) === JSON.stringify(current.status)) return;
    this.state.store.update(resource, { ...current, status: next });
  }
}
