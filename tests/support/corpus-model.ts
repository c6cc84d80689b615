/**
 * A corpus file as natdiff reads it through the public path (`parseSnapshot`, then `describe`),
 * in lines a reviewer can check against the dump: how it reads, then one line per service port.
 */
import { InputError } from '../../lib/errors';
import type { Endpoint, ServiceModel, ServicePort } from '../../lib/model/service';
import type { Snapshot } from '../../lib/model/snapshot';
import { parseSnapshot } from '../../lib/snapshot/load-snapshot';
import { fixture } from './snapshots';

/** Percent, to one decimal where it has one: `33.3%`, `50%`, `0%`. */
function percent(share: number): string {
  return `${Number((share * 100).toFixed(1))}%`;
}

/** Shares in chain order, runs of equal ones counted: `3 × 33.3%`, `9 × 11.1%, 0%`. */
function sharesText(endpoints: readonly Endpoint[]): string {
  const runs: { text: string; n: number }[] = [];
  for (const e of endpoints) {
    const text = percent(e.share);
    const last = runs[runs.length - 1];
    if (last?.text === text) last.n++;
    else runs.push({ text, n: 1 });
  }
  return runs.map((r) => (r.n === 1 ? r.text : `${r.n} × ${r.text}`)).join(', ');
}

function endpointsText(endpoints: readonly Endpoint[]): string {
  return endpoints.length === 0 ? 'no endpoints' : `${endpoints.length} endpoint${endpoints.length === 1 ? '' : 's'} ${sharesText(endpoints)}`;
}

/** Each issue with the endpoints that have it (their count, when more than two). */
function issuesText(endpoints: readonly Endpoint[]): string[] {
  const byIssue = new Map<string, string[]>();
  for (const e of endpoints) for (const issue of e.issues) byIssue.set(issue, [...(byIssue.get(issue) ?? []), e.address ?? e.ref ?? '?']);
  return [...byIssue].map(([issue, ids]) => `${issue} ${ids.length > 2 ? `× ${ids.length}` : ids.join(', ')}`);
}

function entryPoints(p: ServicePort): string {
  const parts = [p.clusterIP !== null && p.port !== null ? `${p.clusterIP}:${p.port}` : `${p.clusterIP ?? '?'}:${p.port ?? '?'}`];
  if (p.nodePorts.length > 0) parts.push(`nodePort ${p.nodePorts.join(', ')}`);
  if (p.externalIPs.length > 0) parts.push(`external ${p.externalIPs.join(', ')}`);
  if (p.loadBalancerIPs.length > 0) parts.push(`LB ${p.loadBalancerIPs.join(', ')}`);
  return parts.join(' ');
}

/** `key entry points | endpoints and shares | local endpoints | what else the model says of it`. */
export function portLine(p: ServicePort): string {
  const parts = [`${p.key} ${entryPoints(p)}`, endpointsText(p.endpoints)];
  if (p.localEndpoints) parts.push(`local: ${endpointsText(p.localEndpoints)}`);
  if (p.noEndpoints) parts.push(`${p.noEndpoints}s for lack of endpoints`);
  if (p.noLocalEndpoints) parts.push('drops for lack of local endpoints');
  if (p.affinitySeconds !== null) parts.push(`affinity ${p.affinitySeconds}s`);
  parts.push(...issuesText([...p.endpoints, ...(p.localEndpoints ?? [])]));
  if (p.diverted.length > 0) parts.push(`diverted ${p.diverted.map((d) => `${d.list} ${d.action} ${percent(d.share)}`).join(', ')}`);
  if (!p.endpointsShown) parts.push('endpoints not shown');
  if (p.unseen.length > 0) parts.push(`unseen ${p.unseen.join(', ')}`);
  return parts.join(' | ');
}

function count(n: number, what: string): string[] {
  return n === 0 ? [] : [`${n} ${what}${n === 1 ? '' : 's'}`];
}

function readsLine(s: Snapshot, model: ServiceModel, warnings: number, findings: number): string {
  const mode = model.mode === null ? 'no kube-proxy rules' : `${model.mode} mode`;
  const coverage = `${model.complete ? 'complete' : 'partial'}${model.unseen.length > 0 ? ` (unseen ${model.unseen.join(', ')})` : ''}`;
  return [`${s.format}, ${mode}, ${coverage}`, ...count(warnings, 'warning'), ...count(findings, 'finding')].join(', ');
}

export interface CorpusRead {
  snapshot: Snapshot;
  /** How it reads, then one line per service port (portLine). */
  lines: string[];
}

/** A corpus file read whole or, when refused as cut short, with allowTruncated (the first line says which). */
export function readCorpusFile(file: string): CorpusRead {
  const text = fixture('corpus', file);
  let how = 'reads';
  let snapshot: Snapshot;
  try {
    snapshot = parseSnapshot(text, file);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    how = `refused (line ${e.line ?? '-'}: ${e.reason}); with allowTruncated reads`;
    snapshot = parseSnapshot(text, file, { allowTruncated: true });
  }
  const view = snapshot.describe(snapshot.serviceNames());
  const warnings = snapshot.warnings.length + view.warnings.length;
  return { snapshot, lines: [`${how}: ${readsLine(snapshot, view.model, warnings, view.findings.length)}`, ...view.model.ports.map(portLine)] };
}
