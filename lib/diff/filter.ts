/**
 * Narrows a report to some services (`--service ns/name[:port]`, `--namespace ns`): their
 * service diffs and the chain changes that belong to them. The summary (and so the exit code)
 * then speaks of those services only.
 */
import { namespaceOf } from '../model/service';
import { summarize } from './summary';
import type { ChainDiff, DiffReport, RuleRef, ServiceDiff } from './types';

export interface ServiceFilter {
  /** `ns/name` (every port) or `ns/name:port`. */
  services?: string[];
  namespaces?: string[];
}

function matches(name: string | null, filter: ServiceFilter): boolean {
  if (!name) return false;
  const byService = !filter.services?.length || filter.services.some((s) => name === s || name.startsWith(`${s}:`));
  const byNamespace = !filter.namespaces?.length || filter.namespaces.includes(namespaceOf(name));
  return byService && byNamespace;
}

export function isFiltering(filter: ServiceFilter): boolean {
  return (filter.services?.length ?? 0) > 0 || (filter.namespaces?.length ?? 0) > 0;
}

export function filterReport(report: DiffReport, filter: ServiceFilter): DiffReport {
  if (!isFiltering(filter)) return report;
  const services = report.services.filter((s) => matches(s.name, filter));
  const keys = new Set(services.map((s: ServiceDiff) => s.key));
  const keep = (r: RuleRef): boolean => r.service !== null && keys.has(r.service);
  const chains = report.chains.flatMap((c): ChainDiff[] => {
    if (c.service !== null) return keys.has(c.service) ? [c] : [];
    const narrowed = { ...c, added: c.added.filter(keep), removed: c.removed.filter(keep), changed: c.changed.filter((p) => keep(p.after)), reordered: null, policy: null };
    return narrowed.added.length + narrowed.removed.length + narrowed.changed.length > 0 ? [narrowed] : [];
  });
  return { ...report, services, chains, summary: summarize(services, chains) };
}
