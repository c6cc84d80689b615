/**
 * The service model every input format feeds and every report reads: service port →
 * endpoints with traffic shares. Nothing here is specific to iptables; an nftables or IPVS
 * parser fills the same structure (`ref` is whatever that dataplane calls the object).
 */
import { joinHostPort } from './addresses';

export type Protocol = 'tcp' | 'udp' | 'sctp';

/** How kube-proxy programs the node: which dataplane the rules belong to. */
export const PROXY_MODES = ['iptables', 'nftables', 'ipvs'] as const;
export type ProxyMode = (typeof PROXY_MODES)[number];

/** Where a service port's traffic enters, besides its endpoints. */
export type EntryPointField = 'clusterIP' | 'nodePorts' | 'externalIPs' | 'loadBalancerIPs';

/**
 * What an input may be unable to show for every port: entry points (a dump without its dispatch
 * rules), shares (a listing without weights: shares then assume equal ones), session affinity (a
 * listing that hides the options of the rules that keep it), the node-local endpoint list and
 * whether external traffic is dropped for lack of one (an IPVS port whose external virtual services
 * have the cluster IP's real servers: traffic policy Cluster, or Local with none on the node), and
 * which of a port's other addresses are external and which load-balancer IPs (rules without
 * comments, nftables maps): then they are compared as one list.
 */
export type ModelField = EntryPointField | 'shares' | 'affinity' | 'localEndpoints' | 'ipRoles';

export const ENTRY_POINT_FIELDS: readonly EntryPointField[] = ['clusterIP', 'nodePorts', 'externalIPs', 'loadBalancerIPs'];

export type EndpointIssue =
  /** The rules do not say where traffic goes (a garbled or unreadable DNAT). */
  | 'unknown-destination'
  /** Userspace iptables is older than the kernel rule (`[unsupported revision]`). */
  | 'unsupported-revision'
  /**
   * Kept for the connections it has but given no new ones: an endpoint going away under graceful
   * termination (IPVS: a real server of weight 0). Its share is 0.
   */
  | 'draining'
  /** The port sends returning clients back to their endpoint (session affinity), but not to this one. */
  | 'no-affinity';

export interface Endpoint {
  /** `ip:port` (`[ipv6]:port`); null when the rules do not say. */
  address: string | null;
  /**
   * The load-balancing rule's probability, as the dataplane applies it; null for the final,
   * unconditional rule (and for dataplanes without per-rule probabilities).
   */
  probability: number | null;
  /** Fraction of new connections this endpoint receives, 0..1. */
  share: number;
  /** The dataplane object behind it (iptables: the KUBE-SEP chain). */
  ref: string | null;
  issues: readonly EndpointIssue[];
}

/** What a service port's load-balancing rules do with traffic they send to none of its endpoints. */
export type DivertAction =
  /** Discarded without a reply. */
  | 'drop'
  /** Refused with an error reply. */
  | 'reject'
  /** Let through untranslated: it keeps the service address as its destination. */
  | 'accept'
  /** Handed back untranslated to the rules that sent it to the service. */
  | 'return'
  /** Handed to something the model does not follow (`ref` names it). */
  | 'other';

/** A share of a service port's traffic that its rules send somewhere other than an endpoint. */
export interface Diversion {
  /** Which traffic: the cluster-wide endpoint list's, or the node-local one's. */
  list: 'cluster' | 'local';
  action: DivertAction;
  /** The rule's probability, as for an endpoint; null for an unconditional rule. */
  probability: number | null;
  /** Fraction of that list's new connections, taken along the same ladder as endpoint shares. */
  share: number;
  /** What traffic is handed to (iptables: a chain or a target) for `other`; null otherwise. */
  ref: string | null;
}

/** What happens to traffic for a service port that has no usable endpoints. */
export type NoEndpointsAction = 'reject' | 'drop';

export interface ServicePort {
  /**
   * Identity within a snapshot: `ns/name:port/protocol` when the name is known, otherwise
   * `clusterIP:port/protocol`, otherwise the dataplane ref.
   */
  key: string;
  /** `ns/name:port` (`ns/name` for an unnamed port); null when the rules carry no name. */
  name: string | null;
  protocol: Protocol | null;
  clusterIP: string | null;
  port: number | null;
  nodePorts: number[];
  externalIPs: string[];
  loadBalancerIPs: string[];
  /** Cluster-wide endpoints, in the order the dataplane tries them. */
  endpoints: Endpoint[];
  /** Node-local endpoints for traffic policy Local, when the dataplane keeps a separate list. */
  localEndpoints: Endpoint[] | null;
  /**
   * Traffic the load-balancing rules send to no endpoint (dropped, rejected, elsewhere), in rule
   * order; endpoint shares are of the rest. Empty for the rules kube-proxy writes.
   */
  diverted: Diversion[];
  /**
   * The dataplane's own load-balancing terms beside the shares, where probabilities do not say
   * them: nftables `numgen random mod 4`, IPVS `rr, weights 1/1/0`; null for iptables (its rule
   * probabilities are `Endpoint.probability`) and where nothing balances.
   */
  balancing: string | null;
  /** ClientIP session affinity timeout, when affinity is on. */
  affinitySeconds: number | null;
  /** Set when the dataplane rejects or drops this port's traffic for lack of endpoints. */
  noEndpoints: NoEndpointsAction | null;
  /** Set when external traffic is dropped for lack of node-local endpoints. */
  noLocalEndpoints: boolean;
  /** Dataplane objects implementing it (iptables: KUBE-SVC/SVL/EXT/FW/XLB chains). */
  refs: string[];
  /**
   * False when the input routes to this port but does not hold its endpoint rules (a fragment, a
   * partial restore payload): its endpoints are unknown, not none, and are never compared.
   */
  endpointsShown: boolean;
  /** What the input cannot show of this port alone (a port known only by its address: its other entry points). */
  unseen: ModelField[];
}

export interface ServiceModel {
  /** The kube-proxy mode whose rules these are; null when the input holds no kube-proxy rules. */
  mode: ProxyMode | null;
  /** Sorted by key. */
  ports: ServicePort[];
  /**
   * False when the input shows only some of the node's service ports (a fragment, or a dump of
   * another mode's leftovers): a port absent from it may exist, so it is not reported as removed
   * or added.
   */
  complete: boolean;
  /** What the input cannot show for any port (see ModelField): never compared. */
  unseen: ModelField[];
}

/** A service port's name for people: its name, or `clusterIP:port/protocol`, or its dataplane ref. */
export function displayName(port: Pick<ServicePort, 'name' | 'clusterIP' | 'port' | 'protocol' | 'refs' | 'key'>): string {
  if (port.name) return port.name;
  if (port.clusterIP && port.port !== null) return `${joinHostPort(port.clusterIP, port.port)}/${port.protocol ?? '?'}`;
  return port.refs[0] ?? port.key;
}

/**
 * The key of a service port the rules do not name: `clusterIP:port/protocol`, the IP as it stands
 * (IPv6 without brackets). Every reader gives an unnamed port this key, so dumps of different proxy
 * modes pair their ports.
 */
export function unnamedPortKey(clusterIP: string, port: number, protocol: Protocol | null): string {
  return `${clusterIP}:${port}/${protocol ?? '?'}`;
}

/** `ns/name[:port]` → namespace. */
export function namespaceOf(name: string): string {
  const slash = name.indexOf('/');
  return slash < 0 ? '' : name.slice(0, slash);
}

/** `kube-system/kube-dns:dns` → `kube-system/kube-dns` and `dns`; `ns/name` (an unnamed port) → `ns/name` and null. */
export function splitPortName(name: string): [service: string, port: string | null] {
  const colon = name.indexOf(':', name.indexOf('/'));
  return colon < 0 ? [name, null] : [name.slice(0, colon), name.slice(colon + 1)];
}

/** kube-proxy's service port name: `ns/name:port`, or `ns/name` for an unnamed port. */
export function servicePortName(namespace: string, name: string, portName: string | undefined): string {
  return `${namespace}/${name}${portName ? `:${portName}` : ''}`;
}
