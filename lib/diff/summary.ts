import type { ChainDiff, ServiceDiff, Summary } from './types';

/** `chainsNotCompared`: chains in one input only that the other, a part of its tables, may hold. */
export function summarize(services: ServiceDiff[], chains: ChainDiff[], chainsNotCompared: number): Summary {
  const count = (status: ServiceDiff['status']): number => services.filter((s) => s.status === status).length;
  const s: Summary = {
    servicesAdded: count('added'),
    servicesRemoved: count('removed'),
    servicesChanged: count('changed'),
    servicesUnchanged: count('unchanged'),
    servicesNotCompared: count('not-compared'),
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
