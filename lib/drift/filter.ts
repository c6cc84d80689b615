/** `--service` / `--namespace` for drift: the report narrowed to those service ports, its summary (and so the exit code) with it. */
import { isFiltering, matchesFilter, nothingMatched, type ServiceFilter } from '../diff/filter';
import type { DriftReport, DriftService } from './types';

/** A consistent port held against nothing: no other node shows it, and no EndpointSlices are known for it. */
export function heldAgainstNothing(s: DriftService): boolean {
  return s.status === 'consistent' && s.compared < (s.expected === null ? 2 : 1);
}

export function summarizeDrift(services: readonly DriftService[]): DriftReport['summary'] {
  const drifting = services.filter((s) => s.status === 'drift').length;
  return {
    ports: services.length,
    drifting,
    consistent: services.length - drifting,
    notCompared: services.filter(heldAgainstNothing).length,
    staleNodes: [...new Set(services.flatMap((s) => s.stale))].sort(),
  };
}

export function filterDrift(report: DriftReport, filter: ServiceFilter): DriftReport {
  if (!isFiltering(filter)) return report;
  // Ports no node names are known by their address only: only named ones can match.
  const named = (s: DriftService) => (s.named ? s.name : null);
  const services = report.services.filter((s) => matchesFilter(named(s), filter));
  if (services.length === 0) throw nothingMatched([...new Set(report.services.flatMap((s) => named(s) ?? []))], filter, 'any node');
  return { ...report, services, summary: summarizeDrift(services) };
}
