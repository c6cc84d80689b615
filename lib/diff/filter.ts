/**
 * Narrows a report to some services (`--service ns/name[:port]`, `--namespace ns`): their
 * service diffs and the chain changes that belong to them. The summary (and so the exit code)
 * then speaks of those services only.
 */
import { InputError } from '../errors';
import { namespaceOf } from '../model/service';
import { sanitizeLine } from '../sanitize';
import { summarize } from './summary';
import type { ChainDiff, DiffReport, RuleRef, ServiceDiff } from './types';

export interface ServiceFilter {
  /** `ns/name` (every port) or `ns/name:port`. */
  services?: string[];
  namespaces?: string[];
}

/** Whether a service port (`ns/name:port`) is one the filter selects; a port without a name never is. */
export function matchesFilter(name: string | null, filter: ServiceFilter): boolean {
  if (!name) return false;
  const byService = !filter.services?.length || filter.services.some((s) => name === s || name.startsWith(`${s}:`));
  const byNamespace = !filter.namespaces?.length || filter.namespaces.includes(namespaceOf(name));
  return byService && byNamespace;
}

export function isFiltering(filter: ServiceFilter): boolean {
  return (filter.services?.length ?? 0) > 0 || (filter.namespaces?.length ?? 0) > 0;
}

/**
 * A filter that selects nothing (`names`: the service ports there are; `inputs`: where they were
 * looked for) is almost always a typo: say so instead of reporting "no change".
 */
export function nothingMatched(names: readonly string[], filter: ServiceFilter, inputs = 'either input'): InputError {
  const wanted = [...(filter.services ?? []).map((s) => `--service ${s}`), ...(filter.namespaces ?? []).map((n) => `--namespace ${n}`)].join(' ');
  const namespaces = new Set([...(filter.services ?? []).map(namespaceOf), ...(filter.namespaces ?? [])]);
  const near = names.filter((n) => namespaces.has(namespaceOf(n))).slice(0, 5);
  const hint = near.length > 0 ? `; in that namespace: ${near.join(', ')}` : names.length > 0 ? `; services there: ${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''}` : '; the inputs name no service';
  return new InputError(`no service in ${inputs} matches ${sanitizeLine(wanted)}${sanitizeLine(hint)}`);
}

export function filterReport(report: DiffReport, filter: ServiceFilter): DiffReport {
  if (!isFiltering(filter)) return report;
  const services = report.services.filter((s) => matchesFilter(s.name, filter));
  if (services.length === 0) throw nothingMatched([...new Set(report.services.flatMap((s) => (s.name ? [s.name] : [])))], filter);
  const keys = new Set(services.map((s: ServiceDiff) => s.key));
  const keep = (r: RuleRef): boolean => r.service !== null && keys.has(r.service);
  const chains = report.chains.flatMap((c): ChainDiff[] => {
    if (c.service !== null) return keys.has(c.service) ? [c] : [];
    const narrowed = { ...c, added: c.added.filter(keep), removed: c.removed.filter(keep), changed: c.changed.filter((p) => keep(p.after)), reordered: null, policy: null };
    return narrowed.added.length + narrowed.removed.length + narrowed.changed.length > 0 ? [narrowed] : [];
  });
  return { ...report, services, chains, summary: summarize(services, chains, report.summary.chainsNotCompared) };
}
