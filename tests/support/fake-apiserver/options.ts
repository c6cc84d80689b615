/** The options a test passes to startFakeApiServer (re-exported by index.ts). */

export interface FakeNodeOptions {
  name: string;
  /** The network namespace standing in for the node; the test creates and deletes it. */
  netns: string;
  podCIDR: string;
  /** Default true: a kube-proxy pod runs there and the fake kube-proxy programs the namespace. */
  kubeProxy?: boolean;
}

export interface FakeServicePortOptions {
  name: string;
  port: number;
  targetPort: number;
  protocol: 'TCP' | 'UDP' | 'SCTP';
  nodePort?: number;
}

export interface FakeServiceOptions {
  namespace: string;
  name: string;
  clusterIP: string;
  selector: Record<string, string>;
  ports: FakeServicePortOptions[];
  type?: 'ClusterIP' | 'NodePort' | 'LoadBalancer';
  externalIPs?: string[];
  /** A LoadBalancer's ingress IP (status.loadBalancer.ingress). */
  loadBalancerIP?: string;
}

export interface FakeWorkloadOptions {
  kind: 'Deployment' | 'StatefulSet' | 'ReplicaSet';
  namespace: string;
  name: string;
  replicas: number;
  /** Pod template labels, also the workload's selector. */
  labels: Record<string, string>;
}

export type FakeProxyMode = 'iptables' | 'nftables' | 'ipvs';

export interface FakeKubeProxyOptions {
  /**
   * How the fake kube-proxy programs the nodes: iptables-restore (default); nft -f transactions in
   * kube-proxy's nftables layout; or IPVS, which this kernel lacks, so a stand-in ipvsadm-save on
   * the nodes' PATH prints the IPVS table (and kube-proxy's IPVS-mode iptables rules are loaded).
   */
  mode?: FakeProxyMode;
  /** Where the cluster shows the mode: kube-proxy's ConfigMap (default), its pods' --proxy-mode flag, or nowhere. */
  shownBy?: 'configmap' | 'flag' | 'nothing';
  /** Whose DaemonSet and ConfigMap: kubeadm's (default: `kube-proxy`, key `config.conf`) or EKS's (`kube-proxy-config`, key `config`). */
  layout?: KubeProxyLayout;
}

export type KubeProxyLayout = 'kubeadm' | 'eks';

export interface FakeTimingOptions {
  /** After a scale, new pods become ready (and removed pods finish terminating) after this long. */
  podReadyMs?: number;
  /** EndpointSlices follow pod changes after this long. */
  endpointSliceMs?: number;
  /** The fake kube-proxy reprograms the nodes this long after an EndpointSlice change. */
  kubeProxyMs?: number;
}

export interface FakeClusterOptions {
  nodes: FakeNodeOptions[];
  services: FakeServiceOptions[];
  workloads: FakeWorkloadOptions[];
  /** The cluster pod CIDR used in KUBE-MARK-MASQ rules; default '10.244.0.0/16'. */
  podCIDRForServices?: string;
  timing?: FakeTimingOptions;
  /** Requests bearing this token get 403 Forbidden. */
  forbiddenToken?: string;
  kubeProxy?: FakeKubeProxyOptions;
}

export interface Timing {
  podReadyMs: number;
  endpointSliceMs: number;
  kubeProxyMs: number;
}

export const DEFAULT_TIMING: Timing = { podReadyMs: 300, endpointSliceMs: 100, kubeProxyMs: 400 };

export const FORBIDDEN_USER = 'system:serviceaccount:default:forbidden';
