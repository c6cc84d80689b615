/** The workload being scaled, and the services whose endpoints it provides. */
import { NatdiffError } from '../errors';
import { namespaceName } from '../capture/names';
import type { Kubectl } from '../capture/kubectl';
import { listOf, serviceSchema, workloadSchema, type Service, type Workload } from '../capture/kube-types';

export const SCALABLE_KINDS = ['deployment', 'statefulset', 'replicaset'] as const;
export type ScalableKind = (typeof SCALABLE_KINDS)[number];

export interface WorkloadRef {
  kind: ScalableKind;
  name: string;
  namespace: string;
}

const ALIASES: ReadonlyMap<string, ScalableKind> = new Map(Object.entries({
  deployment: 'deployment', deployments: 'deployment', deploy: 'deployment', 'deployment.apps': 'deployment',
  statefulset: 'statefulset', statefulsets: 'statefulset', sts: 'statefulset', 'statefulset.apps': 'statefulset',
  replicaset: 'replicaset', replicasets: 'replicaset', rs: 'replicaset', 'replicaset.apps': 'replicaset',
} as Record<string, ScalableKind>));

/** `deployment/coredns`, `deploy/coredns`, `sts/web` … */
export function parseWorkloadRef(text: string, namespace: string): WorkloadRef {
  const slash = text.indexOf('/');
  const kind = ALIASES.get(text.slice(0, slash).toLowerCase());
  const name = text.slice(slash + 1);
  if (slash < 0 || !kind || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name)) {
    throw new NatdiffError(`${text} is not a scalable workload; write KIND/NAME with KIND one of deployment, statefulset, replicaset`);
  }
  return { kind, name, namespace: namespaceName(namespace) };
}

export function showWorkload(w: WorkloadRef): string {
  return `${w.kind}/${w.name}`;
}

export interface ResolvedWorkload {
  ref: WorkloadRef;
  replicas: number;
  generation: number;
  /** The pod template's labels: what service selectors match. */
  podLabels: Record<string, string>;
  /** The label selector, as `k=v,k=v`, to list its pods. */
  selector: string;
}

export async function resolveWorkload(kubectl: Kubectl, ref: WorkloadRef): Promise<ResolvedWorkload> {
  const w = await kubectl.json(workloadSchema, ['get', ref.kind, `--namespace=${ref.namespace}`, '--', ref.name]);
  const podLabels = w.spec.template?.metadata?.labels ?? w.spec.selector?.matchLabels ?? {};
  const match = w.spec.selector?.matchLabels ?? podLabels;
  return {
    ref,
    replicas: w.spec.replicas ?? 1,
    generation: w.metadata.generation ?? 0,
    podLabels,
    selector: Object.entries(match).map(([k, v]) => `${k}=${v}`).join(','),
  };
}

export function selects(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
  const entries = Object.entries(selector ?? {});
  return entries.length > 0 && entries.every(([k, v]) => labels[k] === v);
}

/** Services in the workload's namespace whose selector matches its pods. */
export async function servicesSelecting(kubectl: Kubectl, w: ResolvedWorkload): Promise<Service[]> {
  const services = await kubectl.json(listOf(serviceSchema), ['get', 'services', `--namespace=${w.ref.namespace}`]);
  return services.items.filter((s) => selects(s.spec.selector, w.podLabels));
}

/** Ready when every replica is updated, ready and available, and the controller saw the scale. */
export function rolloutDone(w: Workload, replicas: number): boolean {
  const s = w.status ?? {};
  const observed = (s.observedGeneration ?? 0) >= (w.metadata.generation ?? 0);
  const ready = (s.readyReplicas ?? 0) === replicas && (s.replicas ?? 0) === replicas;
  const updated = w.kind === 'ReplicaSet' || (s.updatedReplicas ?? replicas) === replicas;
  return observed && ready && updated;
}
