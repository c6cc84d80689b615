/**
 * What the cluster says at capture time, stored in the snapshot so a later diff can name pods
 * and services: endpoint IP → pod (from EndpointSlices), every service port (for naming
 * comment-less chains by their hash, and IPVS virtual services by their address), the kube
 * context, and a node's own addresses (where its NodePorts are).
 */
import type { ServicePortInfo } from '../model/metadata';
import type { PodRef } from '../model/pods';
import { servicePortName } from '../model/service';
import { endpointSliceSchema, listOf, nodeAddressesSchema, serviceSchema, type EndpointSlice, type Service } from './kube-types';
import { KubectlError, type Kubectl } from './kubectl';
import { namespaceName, nodeName } from './names';

export interface ClusterInfo {
  context: string | null;
  pods: Record<string, PodRef>;
  servicePorts: ServicePortInfo[];
}

export function podMap(slices: EndpointSlice[]): Record<string, PodRef> {
  const pods: Record<string, PodRef> = {};
  for (const slice of slices) {
    for (const ep of slice.endpoints ?? []) {
      const ref = ep.targetRef;
      if (ref?.kind !== 'Pod' || !ref.name) continue;
      for (const ip of ep.addresses) {
        pods[ip] = {
          namespace: ref.namespace ?? slice.metadata.namespace ?? '',
          pod: ref.name,
          node: ep.nodeName ?? null,
          ready: ep.conditions?.ready !== false,
          terminating: ep.conditions?.terminating === true,
        };
      }
    }
  }
  return pods;
}

/** Every port of every service; external and load-balancer IPs only where a service has them. */
export function servicePorts(services: Service[]): ServicePortInfo[] {
  return services.flatMap((s) => {
    const externalIPs = s.spec.externalIPs ?? [];
    const loadBalancerIPs = (s.status?.loadBalancer?.ingress ?? []).flatMap((i) => (i.ip ? [i.ip] : []));
    return (s.spec.ports ?? []).map((p) => ({
      name: servicePortName(s.metadata.namespace ?? 'default', s.metadata.name, p.name),
      protocol: (p.protocol ?? 'TCP').toLowerCase(),
      clusterIP: s.spec.clusterIP && s.spec.clusterIP !== 'None' ? s.spec.clusterIP : null,
      port: p.port,
      nodePort: p.nodePort ?? null,
      ...(externalIPs.length > 0 ? { externalIPs } : {}),
      ...(loadBalancerIPs.length > 0 ? { loadBalancerIPs } : {}),
    }));
  });
}

/** A node's own addresses (InternalIP, ExternalIP), which carry its NodePorts. */
export async function nodeAddresses(kubectl: Kubectl, node: string): Promise<string[]> {
  const n = await kubectl.json(nodeAddressesSchema, ['get', 'node', '--', nodeName(node)]);
  return (n.status?.addresses ?? []).filter((a) => a.type === 'InternalIP' || a.type === 'ExternalIP').map((a) => a.address);
}

/** The services and EndpointSlices, as kubectl gets them (schema-checked), and the kube context. */
export interface ClusterObjects {
  context: string | null;
  services: Service[];
  slices: EndpointSlice[];
}

/** Cluster-wide, or in one namespace (`namespace`). */
export async function readClusterObjects(kubectl: Kubectl, namespace?: string): Promise<ClusterObjects> {
  const scope = namespace ? [`--namespace=${namespaceName(namespace)}`] : ['--all-namespaces'];
  const [context, slices, services] = await Promise.all([
    kubectl.currentContext(),
    kubectl.json(listOf(endpointSliceSchema), ['get', 'endpointslices', ...scope]),
    kubectl.json(listOf(serviceSchema), ['get', 'services', ...scope]),
  ]);
  return { context, services: services.items, slices: slices.items };
}

export function clusterInfoOf(objects: ClusterObjects): ClusterInfo {
  return { context: objects.context, pods: podMap(objects.slices), servicePorts: servicePorts(objects.services) };
}

/** Cluster-wide, or in one namespace (`namespace`). */
export async function readClusterInfo(kubectl: Kubectl, namespace?: string): Promise<ClusterInfo> {
  return clusterInfoOf(await readClusterObjects(kubectl, namespace));
}

/**
 * Cluster-wide if the user may list everything, else what their namespace shows (pods and
 * services elsewhere stay unnamed).
 */
export async function readClusterInfoIn(kubectl: Kubectl, namespace: string): Promise<ClusterInfo> {
  try {
    return await readClusterInfo(kubectl);
  } catch (e) {
    if (!(e instanceof KubectlError) || e.code !== 'forbidden') throw e;
    return readClusterInfo(kubectl, namespace);
  }
}
