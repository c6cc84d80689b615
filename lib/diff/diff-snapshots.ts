/**
 * Compares two snapshots: service models first (what changed for traffic), then the chosen
 * table rule by rule, then what was ignored as noise, and a summary that decides the exit code.
 */
import type { Finding, Snapshot, ServiceView } from '../model/snapshot';
import { diffChains } from './diff-chains';
import { diffServices } from './diff-services';
import { summarize } from './summary';
import type { DiffReport, ReportFinding, SnapshotInfo } from './types';

export interface DiffOptions {
  /** Table whose chains are compared rule by rule (the service model always reads every table). */
  table?: string;
  /** More service port names to try for chains that carry none (a snapshot's metadata). */
  candidateNames?: Iterable<string>;
}

function info(s: Snapshot): SnapshotInfo {
  return {
    source: s.source,
    format: s.format,
    family: s.family,
    generator: s.origin.generator,
    version: s.origin.version,
    backend: s.origin.backend,
    tables: [...s.ruleset.tables.keys()],
    assumedTable: s.assumedTable,
  };
}

function mergeFindings(before: Finding[], after: Finding[]): ReportFinding[] {
  const afterMessages = new Set(after.map((f) => f.message));
  const beforeMessages = new Set(before.map((f) => f.message));
  return [
    ...before.map((f): ReportFinding => ({ ...f, side: afterMessages.has(f.message) ? 'both' : 'before' })),
    ...after.filter((f) => !beforeMessages.has(f.message)).map((f): ReportFinding => ({ ...f, side: 'after' })),
  ];
}

function describeBoth(before: Snapshot, after: Snapshot, extra: Iterable<string>): [ServiceView, ServiceView] {
  const names = new Set<string>(extra);
  for (const n of before.serviceNames()) names.add(n);
  for (const n of after.serviceNames()) names.add(n);
  return [before.describe(names), after.describe(names)];
}

export function diffSnapshots(before: Snapshot, after: Snapshot, options: DiffOptions = {}): DiffReport {
  const table = options.table ?? 'nat';
  const [vb, va] = describeBoth(before, after, options.candidateNames ?? []);
  const services = diffServices(vb.model, va.model);
  const chains = diffChains(table, { ruleset: before.ruleset, identity: vb.chainIdentity }, { ruleset: after.ruleset, identity: va.chainIdentity });
  const report: Omit<DiffReport, 'summary'> = {
    before: info(before),
    after: info(after),
    table,
    services: services.services,
    chains: chains.chains,
    noise: {
      formattingOnly: chains.formattingOnly,
      commentOnly: chains.commentOnly,
      reorderedNoEffect: chains.reorderedNoEffect,
      declarationOrder: chains.declarationOrder,
      counters: before.hadCounters || after.hadCounters,
      implicitBuiltins: chains.implicitBuiltins,
      endpointOrderNoEffect: services.endpointOrderNoEffect,
    },
    findings: mergeFindings(vb.findings, va.findings),
    warnings: [...before.warnings, ...vb.warnings, ...after.warnings, ...va.warnings],
    pods: { ...before.metadata?.pods, ...after.metadata?.pods },
  };
  return { ...report, summary: summarize(report.services, report.chains) };
}
