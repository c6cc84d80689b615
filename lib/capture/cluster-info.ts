/**
 * What the cluster says at capture time, stored in the snapshot so a later diff can name pods
 * and services: endpoint IP → pod (from EndpointSlices), every service port (for naming
 * comment-less chains by their hash), the kube context, and kube-proxy's configured mode.
 */
import type { ServicePortInfo } from '../model/metadata';
import type { PodRef } from '../model/pods';
import { servicePortName } from '../model/service';
import { configMapSchema, endpointSliceSchema, listOf, serviceSchema, type ConfigMap, type EndpointSlice, type Service } from './kube-types';
import { KubectlError, type Kubectl } from './kubectl';
import { namespaceName } from './names';

export interface ClusterInfo {
  context: string | null;
  pods: Record<string, PodRef>;
  servicePorts: ServicePortInfo[];
  proxyMode: string | null;
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

export function servicePorts(services: Service[]): ServicePortInfo[] {
  return services.flatMap((s) =>
    (s.spec.ports ?? []).map((p) => ({
      name: servicePortName(s.metadata.namespace ?? 'default', s.metadata.name, p.name),
      protocol: (p.protocol ?? 'TCP').toLowerCase(),
      clusterIP: s.spec.clusterIP && s.spec.clusterIP !== 'None' ? s.spec.clusterIP : null,
      port: p.port,
      nodePort: p.nodePort ?? null,
    })),
  );
}

/** kube-proxy's `mode` from its ConfigMap (kubeadm layout); null when it cannot be read. */
export function proxyModeOf(cm: ConfigMap | null): string | null {
  const conf = cm?.data?.['config.conf'];
  if (!conf) return null;
  const mode = /^mode:\s*"?([A-Za-z]*)"?\s*$/m.exec(conf)?.[1];
  return mode === undefined ? null : mode || 'iptables';
}

/** Cluster-wide, or in one namespace (`namespace`). */
export async function readClusterInfo(kubectl: Kubectl, namespace?: string): Promise<ClusterInfo> {
  const scope = namespace ? [`--namespace=${namespaceName(namespace)}`] : ['--all-namespaces'];
  const [context, slices, services, cm] = await Promise.all([
    kubectl.currentContext(),
    kubectl.json(listOf(endpointSliceSchema), ['get', 'endpointslices', ...scope]),
    kubectl.json(listOf(serviceSchema), ['get', 'services', ...scope]),
    kubectl.json(configMapSchema, ['get', 'configmap', '--namespace=kube-system', '--', 'kube-proxy']).catch((e: unknown) => {
      if (e instanceof KubectlError) return null;
      throw e;
    }),
  ]);
  return { context, pods: podMap(slices.items), servicePorts: servicePorts(services.items), proxyMode: proxyModeOf(cm) };
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
