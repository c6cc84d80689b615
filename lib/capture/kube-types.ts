/** The few fields of Kubernetes objects natdiff reads (as `kubectl get -o json` prints them). */
export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  deletionTimestamp?: string;
  generation?: number;
}

export interface List<T> {
  items: T[];
}

export interface Pod {
  metadata: ObjectMeta;
  spec: { nodeName?: string; containers: { name: string }[] };
  status?: {
    phase?: string;
    podIP?: string;
    conditions?: { type: string; status: string; lastTransitionTime?: string }[];
    containerStatuses?: { state?: { terminated?: { exitCode: number; reason?: string } } }[];
  };
}

export interface Node {
  metadata: ObjectMeta;
}

export interface ServicePortSpec {
  name?: string;
  port: number;
  protocol?: string;
  nodePort?: number;
  targetPort?: number | string;
}

export interface Service {
  metadata: ObjectMeta;
  spec: { clusterIP?: string; selector?: Record<string, string>; ports?: ServicePortSpec[]; type?: string };
}

export interface EndpointSlice {
  metadata: ObjectMeta;
  addressType: string;
  endpoints?: {
    addresses: string[];
    conditions?: { ready?: boolean | null; serving?: boolean | null; terminating?: boolean | null };
    nodeName?: string;
    targetRef?: { kind: string; name: string; namespace?: string };
  }[];
  ports?: { name?: string; port?: number; protocol?: string }[] | null;
}

export interface Workload {
  kind?: string;
  metadata: ObjectMeta;
  spec: { replicas?: number; selector?: { matchLabels?: Record<string, string> }; template?: { metadata?: { labels?: Record<string, string> } } };
  status?: { replicas?: number; readyReplicas?: number; availableReplicas?: number; updatedReplicas?: number; observedGeneration?: number };
}

export interface ConfigMap {
  metadata: ObjectMeta;
  data?: Record<string, string>;
}

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const TRIGGER_TIME_ANNOTATION = 'endpoints.kubernetes.io/last-change-trigger-time';

/** Ready and not on its way out. */
export function isPodReady(p: Pod): boolean {
  return !p.metadata.deletionTimestamp && (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}
