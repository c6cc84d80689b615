/**
 * Builders for the objects a small kubeadm-style cluster holds, shaped like the real API's JSON
 * (the fields kubectl and natdiff read, plus the defaults the API server fills in).
 */
import { createHash } from 'node:crypto';
import type { FakeNodeOptions, FakeServiceOptions, FakeWorkloadOptions, KubeProxyLayout } from './options';
import { formatLabels } from './selectors';
import type {
  ConfigMap,
  Condition,
  Container,
  ContainerPort,
  ContainerStatus,
  EndpointSlice,
  Labels,
  Namespace,
  Node,
  OwnerReference,
  Pod,
  Scale,
  Service,
  Workload,
  WorkloadKind,
} from './types';
import { now } from './store';

export const KUBE_VERSION = 'v1.32.4';
const PAUSE_IMAGE = 'registry.k8s.io/pause:3.10';
const KUBE_PROXY_IMAGE = `registry.k8s.io/kube-proxy:${KUBE_VERSION}`;

function sha256(seed: string): string {
  return createHash('sha256').update(seed).digest('hex');
}

export function nodeIP(index: number): string {
  return `172.18.0.${index + 2}`;
}

export function namespaceObject(name: string): Namespace {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: { 'kubernetes.io/metadata.name': name } },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  };
}

function condition(type: string, status: Condition['status'], extra: Partial<Condition> = {}): Condition {
  return { type, status, ...extra };
}

export function nodeObject(node: FakeNodeOptions, index: number): Node {
  const t = now();
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: node.name,
      labels: {
        'beta.kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': node.name,
        'kubernetes.io/os': 'linux',
      },
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' },
    },
    spec: { podCIDR: node.podCIDR, podCIDRs: [node.podCIDR] },
    status: {
      conditions: [
        condition('MemoryPressure', 'False', { lastHeartbeatTime: t, lastTransitionTime: t, reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available' }),
        condition('DiskPressure', 'False', { lastHeartbeatTime: t, lastTransitionTime: t, reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure' }),
        condition('PIDPressure', 'False', { lastHeartbeatTime: t, lastTransitionTime: t, reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available' }),
        condition('Ready', 'True', { lastHeartbeatTime: t, lastTransitionTime: t, reason: 'KubeletReady', message: 'kubelet is posting ready status' }),
      ],
      addresses: [
        { type: 'InternalIP', address: nodeIP(index) },
        { type: 'Hostname', address: node.name },
      ],
      nodeInfo: {
        machineID: sha256(`machine:${node.name}`).slice(0, 32),
        systemUUID: sha256(`system:${node.name}`).slice(0, 32),
        bootID: sha256(`boot:${node.name}`).slice(0, 32),
        kernelVersion: '6.1.0-28-amd64',
        osImage: 'Debian GNU/Linux 12 (bookworm)',
        containerRuntimeVersion: 'containerd://1.7.24',
        kubeletVersion: KUBE_VERSION,
        kubeProxyVersion: KUBE_VERSION,
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
      capacity: { cpu: '2', 'ephemeral-storage': '102626232Ki', memory: '24556848Ki', pods: '110' },
      allocatable: { cpu: '2', 'ephemeral-storage': '102626232Ki', memory: '24454448Ki', pods: '110' },
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
    },
  };
}

export function serviceObject(svc: FakeServiceOptions, allocateNodePort: () => number): Service {
  const type = svc.type ?? 'ClusterIP';
  const external = type !== 'ClusterIP';
  const service: Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: svc.name, namespace: svc.namespace },
    spec: {
      type,
      clusterIP: svc.clusterIP,
      clusterIPs: [svc.clusterIP],
      ports: svc.ports.map((p) => ({
        name: p.name,
        protocol: p.protocol,
        port: p.port,
        targetPort: p.targetPort,
        ...(external ? { nodePort: p.nodePort ?? allocateNodePort() } : {}),
      })),
      selector: { ...svc.selector },
      sessionAffinity: 'None',
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      internalTrafficPolicy: 'Cluster',
    },
    status: { loadBalancer: svc.loadBalancerIP ? { ingress: [{ ip: svc.loadBalancerIP }] } : {} },
  };
  if (external) service.spec.externalTrafficPolicy = 'Cluster';
  if (svc.externalIPs) service.spec.externalIPs = [...svc.externalIPs];
  return service;
}

function container(name: string, image: string, ports: ContainerPort[]): Container {
  const c: Container = { name, image, resources: {}, terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', imagePullPolicy: 'IfNotPresent' };
  if (ports.length) c.ports = ports;
  return c;
}

/** What the API server fills in for a pod spec that leaves these out. */
export function podSpecDefaults(): Record<string, unknown> {
  return {
    restartPolicy: 'Always',
    terminationGracePeriodSeconds: 30,
    dnsPolicy: 'ClusterFirst',
    serviceAccountName: 'default',
    serviceAccount: 'default',
    securityContext: {},
    schedulerName: 'default-scheduler',
  };
}

function workloadSpecExtras(kind: WorkloadKind, name: string): Record<string, unknown> {
  switch (kind) {
    case 'Deployment':
      return {
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
        revisionHistoryLimit: 10,
        progressDeadlineSeconds: 600,
      };
    case 'StatefulSet':
      return {
        serviceName: name,
        podManagementPolicy: 'OrderedReady',
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
        revisionHistoryLimit: 10,
        persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
      };
    case 'ReplicaSet':
      return {};
  }
}

/** A workload whose pod template runs one container named after it, with the given ports. */
export function workloadObject(w: FakeWorkloadOptions, ports: ContainerPort[]): Workload {
  return {
    apiVersion: 'apps/v1',
    kind: w.kind,
    metadata: { name: w.name, namespace: w.namespace, generation: 1, labels: { ...w.labels } },
    spec: {
      replicas: w.replicas,
      selector: { matchLabels: { ...w.labels } },
      template: {
        metadata: { labels: { ...w.labels }, creationTimestamp: null },
        spec: { containers: [container(w.name, PAUSE_IMAGE, ports)], ...podSpecDefaults() },
      },
      ...workloadSpecExtras(w.kind, w.name),
    },
    status: {},
  };
}

export function ownerReference(owner: { apiVersion: string; kind: string; metadata: { name: string; uid?: string } }): OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name,
    uid: owner.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** The ReplicaSet a Deployment's controller creates for its (only) template revision. */
export function replicaSetFor(deployment: Workload, hash: string): Workload {
  const labels: Labels = { ...deployment.spec.template.metadata.labels, 'pod-template-hash': hash };
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `${deployment.metadata.name}-${hash}`,
      namespace: deployment.metadata.namespace,
      generation: 1,
      labels,
      annotations: {
        'deployment.kubernetes.io/desired-replicas': String(deployment.spec.replicas),
        'deployment.kubernetes.io/max-replicas': String(deployment.spec.replicas + Math.ceil(deployment.spec.replicas * 0.25)),
        'deployment.kubernetes.io/revision': '1',
      },
      ownerReferences: [ownerReference(deployment)],
    },
    spec: {
      replicas: deployment.spec.replicas,
      selector: { matchLabels: { ...deployment.spec.selector.matchLabels, 'pod-template-hash': hash } },
      template: { metadata: { labels, creationTimestamp: null }, spec: structuredClone(deployment.spec.template.spec) },
    },
    status: {},
  };
}

export interface PodPlacement {
  nodeName: string;
  hostIP: string;
  podIP: string;
}

function containerID(seed: string): string {
  return `containerd://${sha256(`container:${seed}`)}`;
}

function imageID(image: string): string {
  return `${image.split(':')[0]}@sha256:${sha256(`image:${image}`)}`;
}

function waitingStatus(c: Container): ContainerStatus {
  return { name: c.name, ready: false, started: false, restartCount: 0, image: c.image, imageID: '', state: { waiting: { reason: 'ContainerCreating' } } };
}

function runningStatus(c: Container, podName: string, startedAt: string): ContainerStatus {
  return {
    name: c.name,
    ready: true,
    started: true,
    restartCount: 0,
    image: c.image,
    imageID: imageID(c.image),
    containerID: containerID(`${podName}/${c.name}`),
    state: { running: { startedAt } },
  };
}

function pendingConditions(containers: Container[], t: string): Condition[] {
  const unready = `containers with unready status: [${containers.map((c) => c.name).join(' ')}]`;
  return [
    condition('PodReadyToStartContainers', 'False', { lastProbeTime: null, lastTransitionTime: t }),
    condition('Initialized', 'True', { lastProbeTime: null, lastTransitionTime: t }),
    condition('Ready', 'False', { lastProbeTime: null, lastTransitionTime: t, reason: 'ContainersNotReady', message: unready }),
    condition('ContainersReady', 'False', { lastProbeTime: null, lastTransitionTime: t, reason: 'ContainersNotReady', message: unready }),
    condition('PodScheduled', 'True', { lastProbeTime: null, lastTransitionTime: t }),
  ];
}

function readyConditions(t: string): Condition[] {
  return ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) =>
    condition(type, 'True', { lastProbeTime: null, lastTransitionTime: t }),
  );
}

/** A pod of a workload, scheduled and with its IP, still creating its containers. */
export function pendingPod(name: string, owner: Workload, labels: Labels, placement: PodPlacement): Pod {
  const t = now();
  const containers = structuredClone(owner.spec.template.spec.containers);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: owner.metadata.namespace,
      labels,
      ownerReferences: [ownerReference(owner)],
      ...(owner.kind === 'ReplicaSet' ? { generateName: `${owner.metadata.name}-` } : {}),
    },
    spec: { ...structuredClone(owner.spec.template.spec), containers, nodeName: placement.nodeName },
    status: {
      phase: 'Pending',
      conditions: pendingConditions(containers, t),
      hostIP: placement.hostIP,
      hostIPs: [{ ip: placement.hostIP }],
      podIP: placement.podIP,
      podIPs: [{ ip: placement.podIP }],
      startTime: t,
      qosClass: 'BestEffort',
      containerStatuses: containers.map(waitingStatus),
    },
  };
}

/** The pod once its containers run and pass their readiness checks. */
export function runningPod(pod: Pod): Pod {
  const t = now();
  return {
    ...pod,
    status: {
      ...pod.status,
      phase: 'Running',
      conditions: readyConditions(t),
      containerStatuses: pod.spec.containers.map((c) => runningStatus(c, pod.metadata.name, t)),
    },
  };
}

export function isPodReady(pod: Pod): boolean {
  return pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** Where a distribution keeps kube-proxy's config file: its ConfigMap, the key, and where the pod mounts it. */
const KUBE_PROXY_CONFIG: Record<KubeProxyLayout, { configMap: string; key: string; volume: string; mountPath: string }> = {
  kubeadm: { configMap: 'kube-proxy', key: 'config.conf', volume: 'kube-proxy', mountPath: '/var/lib/kube-proxy' },
  // EKS's kube-proxy add-on (its DaemonSet mounts the ConfigMap with a trailing slash).
  eks: { configMap: 'kube-proxy-config', key: 'config', volume: 'config', mountPath: '/var/lib/kube-proxy-config/' },
};

/** kube-proxy's ConfigMap: kubeadm's (config.conf, a KubeProxyConfiguration, trimmed, and kubeconfig.conf) or EKS's (config). */
export function kubeProxyConfigMap(mode: string, layout: KubeProxyLayout = 'kubeadm'): ConfigMap {
  const conf = [
    'apiVersion: kubeproxy.config.k8s.io/v1alpha1',
    'bindAddress: 0.0.0.0',
    'clientConnection:',
    '  kubeconfig: /var/lib/kube-proxy/kubeconfig.conf',
    'clusterCIDR: 10.244.0.0/16',
    'iptables:',
    '  masqueradeAll: false',
    '  syncPeriod: 0s',
    'ipvs:',
    '  scheduler: ""',
    'kind: KubeProxyConfiguration',
    `mode: ${JSON.stringify(mode)}`,
    'nftables:',
    '  syncPeriod: 0s',
    '',
  ].join('\n');
  const { configMap, key } = KUBE_PROXY_CONFIG[layout];
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: configMap, namespace: 'kube-system', labels: { app: 'kube-proxy' } },
    data: layout === 'kubeadm' ? { [key]: conf, 'kubeconfig.conf': 'apiVersion: v1\nkind: Config\n' } : { [key]: conf },
  };
}

/**
 * A kube-proxy DaemonSet pod on the node: configured by its ConfigMap (`--config`, a file of the
 * ConfigMap volume it mounts, as kubeadm or EKS lay it out), or, given `proxyModeFlag`, by flags
 * alone as kube-up and kops run it (kube-proxy ignores flags beside `--config`).
 */
export function kubeProxyPod(name: string, node: { name: string; ip: string }, daemonSetUid: string, proxyModeFlag: string | null = null, layout: KubeProxyLayout = 'kubeadm'): Pod {
  const config = KUBE_PROXY_CONFIG[layout];
  const configuredBy = proxyModeFlag === null ? [`--config=${config.mountPath.replace(/\/$/, '')}/${config.key}`] : ['--kubeconfig=/var/lib/kube-proxy/kubeconfig', `--proxy-mode=${proxyModeFlag}`];
  const kubeProxy: Container = {
    ...container('kube-proxy', KUBE_PROXY_IMAGE, []),
    command: ['/usr/local/bin/kube-proxy', ...configuredBy, '--hostname-override=$(NODE_NAME)'],
    securityContext: { privileged: true },
    volumeMounts: [
      { name: config.volume, mountPath: config.mountPath },
      { name: 'xtables-lock', mountPath: '/run/xtables.lock' },
      { name: 'lib-modules', mountPath: '/lib/modules', readOnly: true },
    ],
  };
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      generateName: 'kube-proxy-',
      namespace: 'kube-system',
      labels: { 'controller-revision-hash': '7bb84c4984', 'k8s-app': 'kube-proxy', 'pod-template-generation': '1' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'kube-proxy', uid: daemonSetUid, controller: true, blockOwnerDeletion: true }],
    },
    spec: {
      ...podSpecDefaults(),
      containers: [kubeProxy],
      volumes: [
        { name: config.volume, configMap: { name: config.configMap, defaultMode: 420 } },
        { name: 'xtables-lock', hostPath: { path: '/run/xtables.lock', type: 'FileOrCreate' } },
        { name: 'lib-modules', hostPath: { path: '/lib/modules', type: '' } },
      ],
      nodeName: node.name,
      hostNetwork: true,
      priorityClassName: 'system-node-critical',
      priority: 2000001000,
      serviceAccountName: 'kube-proxy',
      serviceAccount: 'kube-proxy',
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      tolerations: [{ operator: 'Exists' }],
    },
    status: { phase: 'Pending', hostIP: node.ip, hostIPs: [{ ip: node.ip }], podIP: node.ip, podIPs: [{ ip: node.ip }], qosClass: 'BestEffort' },
  };
  return runningPod({ ...pod, status: { ...pod.status, startTime: now() } });
}

export function scaleObject(workload: Workload): Scale {
  const { name, namespace, uid, resourceVersion, creationTimestamp } = workload.metadata;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name, namespace, uid, resourceVersion, creationTimestamp },
    spec: { replicas: workload.spec.replicas },
    status: { replicas: workload.status.replicas ?? 0, selector: formatLabels(workload.spec.selector.matchLabels) },
  };
}

export function endpointSliceObject(service: Service, name: string): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name,
      generateName: `${service.metadata.name}-`,
      namespace: service.metadata.namespace,
      generation: 1,
      labels: {
        ...(service.metadata.labels ?? {}),
        'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
        'kubernetes.io/service-name': service.metadata.name,
      },
      ownerReferences: [ownerReference(service)],
    },
    addressType: 'IPv4',
    endpoints: null,
    ports: null,
  };
}
