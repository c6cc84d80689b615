/** The intended state of every service port: the ready endpoints its EndpointSlices list (as `natdiff scale` reads them). */
import type { ClusterObjects } from '../capture/cluster-info';
import { servicePortName, unnamedPortKey, type Protocol } from '../model/service';
import { expectedEndpoints } from '../scale/observe';
import type { ExpectedPort } from './compare';

const PROTOCOLS: readonly string[] = ['tcp', 'udp', 'sctp'] satisfies Protocol[];

/**
 * Every port of every service kube-proxy programs, with its ready endpoints. Services without a
 * cluster IP (headless, ExternalName) get no rules on any node, and are left out.
 */
export function expectedPorts({ services, slices }: Pick<ClusterObjects, 'services' | 'slices'>): ExpectedPort[] {
  const ready = expectedEndpoints(services, slices);
  return services.flatMap((s) => {
    const clusterIP = s.spec.clusterIP;
    if (!clusterIP || clusterIP === 'None') return [];
    return (s.spec.ports ?? []).flatMap((p) => {
      const protocol = (p.protocol ?? 'TCP').toLowerCase();
      if (!PROTOCOLS.includes(protocol)) return [];
      const name = servicePortName(s.metadata.namespace ?? 'default', s.metadata.name, p.name);
      const endpoints = [...new Set((ready.get(name) ?? []).map((r) => r.address))].sort();
      return [{ name, protocol: protocol as Protocol, address: unnamedPortKey(clusterIP, p.port, protocol as Protocol), endpoints }];
    });
  });
}
