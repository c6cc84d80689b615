/**
 * The subset of Kubernetes API object shapes the fake API server stores and serves. Field names
 * and nesting follow the real JSON (core/v1, apps/v1, discovery.k8s.io/v1, autoscaling/v1,
 * meta/v1); fields the fake never sets are left out.
 */

export type Labels = Record<string, string>;

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Labels;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  lastProbeTime?: string | null;
  lastTransitionTime?: string;
  lastUpdateTime?: string;
  lastHeartbeatTime?: string;
  reason?: string;
  message?: string;
}

export interface ContainerPort {
  name?: string;
  containerPort: number;
  protocol: string;
}

export interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  ports?: ContainerPort[];
  [extra: string]: unknown;
}

export interface ContainerState {
  waiting?: { reason: string; message?: string };
  running?: { startedAt: string };
  terminated?: { exitCode: number; reason: string; startedAt: string; finishedAt: string; containerID?: string };
}

export interface ContainerStatus {
  name: string;
  ready: boolean;
  started: boolean;
  restartCount: number;
  image: string;
  imageID: string;
  containerID?: string;
  state: ContainerState;
}

export interface PodSpec {
  containers: Container[];
  nodeName?: string;
  restartPolicy?: string;
  hostNetwork?: boolean;
  schedulerName?: string;
  serviceAccountName?: string;
  [extra: string]: unknown;
}

export interface PodStatus {
  phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';
  conditions?: Condition[];
  hostIP?: string;
  hostIPs?: { ip: string }[];
  podIP?: string;
  podIPs?: { ip: string }[];
  startTime?: string;
  qosClass?: string;
  containerStatuses?: ContainerStatus[];
}

export interface Pod extends KubeObject {
  kind: 'Pod';
  spec: PodSpec;
  status: PodStatus;
}

export interface Node extends KubeObject {
  kind: 'Node';
  spec: { podCIDR: string; podCIDRs: string[] };
  status: {
    conditions: Condition[];
    addresses: { type: string; address: string }[];
    nodeInfo: Record<string, string>;
    capacity: Record<string, string>;
    allocatable: Record<string, string>;
    daemonEndpoints: { kubeletEndpoint: { Port: number } };
  };
}

export interface Namespace extends KubeObject {
  kind: 'Namespace';
  spec: { finalizers: string[] };
  status: { phase: 'Active' };
}

export interface ConfigMap extends KubeObject {
  kind: 'ConfigMap';
  data: Record<string, string>;
}

export interface ServicePort {
  name: string;
  protocol: 'TCP' | 'UDP' | 'SCTP';
  port: number;
  targetPort: number;
  nodePort?: number;
}

export interface Service extends KubeObject {
  kind: 'Service';
  spec: {
    type: 'ClusterIP' | 'NodePort' | 'LoadBalancer';
    clusterIP: string;
    clusterIPs: string[];
    ports: ServicePort[];
    selector: Labels;
    sessionAffinity: 'None';
    ipFamilies: string[];
    ipFamilyPolicy: string;
    internalTrafficPolicy: string;
    externalTrafficPolicy?: string;
    externalIPs?: string[];
  };
  status: { loadBalancer: { ingress?: { ip: string }[] } };
}

export interface EndpointConditions {
  ready: boolean;
  serving: boolean;
  terminating: boolean;
}

export interface Endpoint {
  addresses: string[];
  conditions: EndpointConditions;
  nodeName: string;
  targetRef: { kind: 'Pod'; name: string; namespace: string; uid: string };
}

export interface EndpointSlice extends KubeObject {
  kind: 'EndpointSlice';
  addressType: 'IPv4';
  /** The real API serves null (not []) for a slice without endpoints or ports. */
  endpoints: Endpoint[] | null;
  ports: { name: string; port: number; protocol: string }[] | null;
}

export interface LabelSelector {
  matchLabels: Labels;
}

export interface PodTemplate {
  metadata: { labels: Labels; creationTimestamp: null };
  spec: PodSpec;
}

export type WorkloadKind = 'Deployment' | 'StatefulSet' | 'ReplicaSet';

export interface WorkloadStatus {
  observedGeneration?: number;
  replicas?: number;
  fullyLabeledReplicas?: number;
  updatedReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  currentReplicas?: number;
  unavailableReplicas?: number;
  currentRevision?: string;
  updateRevision?: string;
  collisionCount?: number;
  conditions?: Condition[];
}

export interface Workload extends KubeObject {
  kind: WorkloadKind;
  spec: {
    replicas: number;
    selector: LabelSelector;
    template: PodTemplate;
    [extra: string]: unknown;
  };
  status: WorkloadStatus;
}

export interface Scale extends KubeObject {
  kind: 'Scale';
  spec: { replicas: number };
  status: { replicas: number; selector: string };
}

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: { name?: string; group?: string; kind?: string; causes?: StatusCause[]; retryAfterSeconds?: number };
  code?: number;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
