/**
 * The cluster: the object store plus what only the control plane and kubelets know (which netns
 * is which node, pod IP allocation, container logs), and the initial objects built from the
 * options.
 */
import { randomUUID } from 'node:crypto';
import type { FakeClusterOptions, FakeProxyMode, FakeWorkloadOptions, KubeProxyLayout } from './options';
import { IpAllocator, NameGenerator } from './naming';
import { kubeProxyConfigMap, kubeProxyPod, namespaceObject, nodeIP, nodeObject, serviceObject, workloadObject } from './objects';
import { labelsMatch } from './selectors';
import { ObjectStore } from './store';
import type { ContainerPort, Pod } from './types';
import { resourceByKind } from './resources';

export interface NodeInfo {
  name: string;
  netns: string;
  podCIDR: string;
  ip: string;
  kubeProxy: boolean;
  ips: IpAllocator;
}

const SYSTEM_NAMESPACES = ['default', 'kube-node-lease', 'kube-public', 'kube-system'];
const FIRST_NODE_PORT = 30000;

export class ClusterState {
  readonly store = new ObjectStore();
  readonly names = new NameGenerator();
  readonly nodes: NodeInfo[];
  /** Container output of pods the fake kubelet ran, by pod uid. */
  readonly podLogs = new Map<string, string>();
  private nextNodePort = FIRST_NODE_PORT;

  constructor(private readonly options: FakeClusterOptions) {
    this.nodes = options.nodes.map((n, i) => ({
      name: n.name,
      netns: n.netns,
      podCIDR: n.podCIDR,
      ip: nodeIP(i),
      kubeProxy: n.kubeProxy ?? true,
      ips: new IpAllocator(n.podCIDR),
    }));
  }

  node(name: string | undefined): NodeInfo | undefined {
    return this.nodes.find((n) => n.name === name);
  }

  /** Namespaces, nodes, kube-proxy pods, services and workloads; controllers create the rest. */
  seed(): void {
    const namespaces = new Set([...SYSTEM_NAMESPACES, ...this.options.services.map((s) => s.namespace), ...this.options.workloads.map((w) => w.namespace)]);
    for (const ns of [...namespaces].sort()) this.store.create('namespaces', namespaceObject(ns));
    this.options.nodes.forEach((n, i) => this.store.create('nodes', nodeObject(n, i)));
    this.seedKubeProxyPods();
    this.seedKubeProxyConfig();
    for (const svc of this.options.services) this.store.create('services', serviceObject(svc, () => this.allocateNodePort()));
    for (const w of this.options.workloads) {
      this.store.create(resourceByKind(w.kind).resource, workloadObject(w, this.containerPortsFor(w)));
    }
  }

  /** The mode the fake kube-proxy programs, and where the cluster shows it. */
  get proxyMode(): { mode: FakeProxyMode; shownBy: 'configmap' | 'flag' | 'nothing'; layout: KubeProxyLayout } {
    const { mode = 'iptables', shownBy = 'configmap', layout = 'kubeadm' } = this.options.kubeProxy ?? {};
    return { mode, shownBy, layout };
  }

  private seedKubeProxyPods(): void {
    const daemonSetUid = randomUUID();
    const { mode, shownBy, layout } = this.proxyMode;
    for (const node of this.nodes.filter((n) => n.kubeProxy)) {
      const name = this.names.next('kube-proxy-', (candidate) => this.store.has('pods', 'kube-system', candidate));
      this.store.create('pods', kubeProxyPod(name, node, daemonSetUid, shownBy === 'flag' ? mode : null, layout));
    }
  }

  /** kube-proxy's ConfigMap; iptables, kube-proxy's default, is left empty as kubeadm leaves it. */
  private seedKubeProxyConfig(): void {
    const { mode, shownBy, layout } = this.proxyMode;
    if (shownBy === 'configmap') this.store.create('configmaps', kubeProxyConfigMap(mode === 'iptables' ? '' : mode, layout));
  }

  private allocateNodePort(): number {
    const used = new Set(this.options.services.flatMap((s) => s.ports.map((p) => p.nodePort)));
    while (used.has(this.nextNodePort)) this.nextNodePort++;
    return this.nextNodePort++;
  }

  /** The ports the workload's container exposes: the targetPorts of the services selecting it. */
  private containerPortsFor(w: FakeWorkloadOptions): ContainerPort[] {
    const ports = new Map<string, ContainerPort>();
    for (const svc of this.options.services) {
      if (svc.namespace !== w.namespace || !labelsMatch(svc.selector, w.labels)) continue;
      for (const p of svc.ports) {
        const port: ContainerPort = { containerPort: p.targetPort, protocol: p.protocol };
        if (p.name) port.name = p.name;
        ports.set(`${p.targetPort}/${p.protocol}`, port);
      }
    }
    return [...ports.values()];
  }

  /** Pods controlled by the object with this uid. */
  podsOwnedBy(uid: string | undefined, namespace: string | undefined): Pod[] {
    return this.store
      .list<Pod>('pods', namespace)
      .filter((p) => p.metadata.ownerReferences?.some((o) => o.controller && o.uid === uid));
  }
}
