import { splitPortName } from '../model/service';
import type { AlikeUnread } from '../model/snapshot';
import type { ChainDiff, ServiceCounts, ServiceDiff, ServiceStatus, Summary } from './types';

/**
 * The service (`ns/name`) a service port belongs to, as a key: a port whose rules carry no name
 * is a service of its own.
 */
export function serviceOf(d: Pick<ServiceDiff, 'name' | 'key'>): string {
  return d.name === null ? `\0${d.key}` : splitPortName(d.name)[0];
}

/** A service and its ports. */
export interface ServiceGroup {
  ports: ServiceDiff[];
  /** Added or removed when every port was; unchanged when every port is; else changed. */
  status: ServiceStatus;
}

/** A port not compared says nothing about its service, unless no port was compared. */
function groupStatus(ports: ServiceDiff[]): ServiceStatus {
  const compared = ports.filter((p) => p.status !== 'not-compared');
  const [first] = compared;
  if (!first) return 'not-compared';
  return compared.every((p) => p.status === first.status) ? first.status : 'changed';
}

/** Service ports by service, in the order their first port comes. */
export function groupServices(services: ServiceDiff[]): ServiceGroup[] {
  const groups = new Map<string, ServiceDiff[]>();
  for (const d of services) {
    const ports = groups.get(serviceOf(d));
    if (ports) ports.push(d);
    else groups.set(serviceOf(d), [d]);
  }
  return [...groups.values()].map((ports) => ({ ports, status: groupStatus(ports) }));
}

function countStatuses(statuses: ServiceStatus[]): ServiceCounts {
  const counts: ServiceCounts = { added: 0, removed: 0, changed: 0, unchanged: 0, notCompared: 0 };
  for (const s of statuses) counts[s === 'not-compared' ? 'notCompared' : s]++;
  return counts;
}

/**
 * `chainsNotCompared`: chains in one input only that the other, a part of its tables, may hold;
 * `alike`: service ports and services left unread, both inputs holding them written alike.
 */
export function summarize(services: ServiceDiff[], chains: ChainDiff[], chainsNotCompared: number, alike?: Pick<AlikeUnread, 'servicePorts' | 'services'>): Summary {
  const ports = countStatuses(services.map((d) => d.status));
  const byService = countStatuses(groupServices(services).map((g) => g.status));
  byService.unchanged += alike?.services ?? 0;
  const s: Summary = {
    servicesAdded: ports.added,
    servicesRemoved: ports.removed,
    servicesChanged: ports.changed,
    servicesUnchanged: ports.unchanged + (alike?.servicePorts ?? 0),
    servicesNotCompared: ports.notCompared,
    byService,
    endpointsAdded: services.reduce((n, d) => n + d.endpointsAdded.length, 0),
    endpointsRemoved: services.reduce((n, d) => n + d.endpointsRemoved.length, 0),
    chainsAdded: chains.filter((c) => c.status === 'added').length,
    chainsRemoved: chains.filter((c) => c.status === 'removed').length,
    chainsRenamed: chains.filter((c) => c.status === 'renamed').length,
    chainsNotCompared,
    rulesAdded: chains.reduce((n, c) => n + c.added.length, 0),
    rulesRemoved: chains.reduce((n, c) => n + c.removed.length, 0),
    rulesChanged: chains.reduce((n, c) => n + c.changed.length, 0),
    chainsReordered: chains.filter((c) => c.reordered === 'possible').length,
    changed: false,
  };
  s.changed = s.servicesAdded + s.servicesRemoved + s.servicesChanged > 0 || chains.length > 0;
  return s;
}
