/** The JSON contract of `natdiff drift` (README "natdiff drift"); `-o yaml` is the same document (yaml.ts yamlDocument). */
import type { DriftReport, DriftService, NodePort } from '../drift/types';

export const DRIFT_FORMAT_VERSION = 1;

export interface DriftDocumentOptions {
  /** List consistent ports too; by default only the drifting ones (the summary counts every port). */
  all: boolean;
}

/** A node's view of a port: its endpoints, and only what else applies (absent, not comparable, shares where they differ). */
function nodeEntry(n: NodePort) {
  return {
    endpoints: n.endpoints,
    ...(n.absent ? { absent: true } : {}),
    ...(n.shares !== null ? { shares: n.shares } : {}),
    ...(n.notComparable !== null ? { notComparable: n.notComparable } : {}),
  };
}

function service(s: DriftService, withExpected: boolean) {
  return {
    name: s.name,
    protocol: s.protocol,
    status: s.status,
    outliers: s.outliers,
    tie: s.tie,
    nodes: Object.fromEntries(Object.entries(s.nodes).map(([node, n]) => [node, nodeEntry(n)])),
    ...(withExpected ? { expected: s.expected, stale: s.stale } : {}),
  };
}

export function driftDocument(report: DriftReport, options: DriftDocumentOptions) {
  const listed = options.all ? report.services : report.services.filter((s) => s.status === 'drift');
  return {
    formatVersion: DRIFT_FORMAT_VERSION,
    nodes: report.nodes,
    services: listed.map((s) => service(s, report.withExpected)),
    summary: report.summary,
  };
}

export function renderDriftJson(report: DriftReport, options: DriftDocumentOptions & { pretty: boolean }): string {
  return `${JSON.stringify(driftDocument(report, options), null, options.pretty ? 2 : undefined)}\n`;
}
