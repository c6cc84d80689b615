/**
 * The JSON contract (README "JSON output"); the YAML output is the same document. Bump
 * FORMAT_VERSION whenever a field changes meaning; adding a field does not.
 */
import { probabilities } from '../diff/diff-services';
import type { ChainDiff, DiffReport, RuleRef, ServiceDiff } from '../diff/types';
import { endpointIp, type PodRef } from '../model/pods';
import type { Endpoint, ServicePort } from '../model/service';

export const FORMAT_VERSION = 1;

function endpoint(e: Endpoint, pods: Record<string, PodRef>) {
  const pod = e.address ? (pods[endpointIp(e.address)] ?? null) : null;
  return { address: e.address, probability: e.probability, share: e.share, chain: e.ref, issues: e.issues, pod };
}

function side(port: ServicePort | null, pods: Record<string, PodRef>) {
  if (!port) return null;
  return {
    clusterIP: port.clusterIP,
    port: port.port,
    nodePorts: port.nodePorts,
    externalIPs: port.externalIPs,
    loadBalancerIPs: port.loadBalancerIPs,
    endpoints: port.endpoints.map((e) => endpoint(e, pods)),
    probabilities: probabilities(port),
    localEndpoints: port.localEndpoints?.map((e) => endpoint(e, pods)) ?? null,
    sessionAffinitySeconds: port.affinitySeconds,
    noEndpoints: port.noEndpoints,
    noLocalEndpoints: port.noLocalEndpoints,
    chains: port.refs,
  };
}

function service(d: ServiceDiff, pods: Record<string, PodRef>) {
  return {
    name: d.name,
    key: d.key,
    label: d.label,
    protocol: d.protocol,
    status: d.status,
    endpointsAdded: d.endpointsAdded,
    endpointsRemoved: d.endpointsRemoved,
    changes: d.changes,
    before: side(d.before, pods),
    after: side(d.after, pods),
  };
}

function rule(r: RuleRef) {
  return { line: r.line, rule: r.text, service: r.service };
}

function chain(c: ChainDiff) {
  return {
    table: c.table,
    name: c.name,
    status: c.status,
    renamedFrom: c.renamedFrom,
    service: c.service,
    policy: c.policy,
    reordered: c.reordered,
    rulesAdded: c.added.map(rule),
    rulesRemoved: c.removed.map(rule),
    rulesChanged: c.changed.map((p) => ({ before: rule(p.before), after: rule(p.after) })),
  };
}

export function reportDocument(report: DiffReport, toolVersion: string) {
  return {
    formatVersion: FORMAT_VERSION,
    tool: { name: 'natdiff', version: toolVersion },
    before: report.before,
    after: report.after,
    table: report.table,
    services: report.services.map((s) => service(s, report.pods)),
    chains: report.chains.map(chain),
    noise: report.noise,
    findings: report.findings,
    warnings: report.warnings,
    summary: report.summary,
  };
}

export function renderJson(report: DiffReport, toolVersion: string): string {
  return `${JSON.stringify(reportDocument(report, toolVersion), null, 2)}\n`;
}
