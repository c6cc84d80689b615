/**
 * What the human-readable writers (terminal, Markdown) show, decided once: which endpoints make
 * a row, which chain changes are not already told by a service, how noise and the summary read.
 * Writers only lay these out.
 */
import { probabilities } from '../diff/diff-services';
import { groupServices } from '../diff/summary';
import type { ChainDiff, DiffReport, ReportWarning, RuleRef, ServiceDiff, ServiceField, ServiceStatus } from '../diff/types';
import type { PodRef } from '../model/pods';
import { endpointIp, joinHostPort } from '../model/addresses';
import { splitPortName, type DivertAction, type Endpoint, type ProxyMode, type ServicePort } from '../model/service';
import { ladder, percent, plural } from './notation';
import { sanitizeLine } from '../sanitize';

export type RowStatus = 'added' | 'removed' | 'kept';

export interface EndpointRow {
  address: string;
  status: RowStatus;
  before: number | null;
  after: number | null;
  issues: readonly string[];
  pod: PodRef | null;
}

function id(e: Endpoint): string {
  return e.address ?? (e.ref ? `? (${e.ref})` : '?');
}

/** Endpoints in after-side order, then the removed ones in before-side order. */
export function endpointRows(d: ServiceDiff, pods: Record<string, PodRef>): EndpointRow[] {
  const before = new Map((d.before?.endpoints ?? []).map((e) => [id(e), e]));
  const after = new Map((d.after?.endpoints ?? []).map((e) => [id(e), e]));
  const podOf = (e: Endpoint): PodRef | null => (e.address ? (pods[endpointIp(e.address)] ?? null) : null);
  const rows: EndpointRow[] = [];
  for (const [key, e] of after) {
    const b = before.get(key);
    rows.push({ address: sanitizeLine(key), status: b ? 'kept' : 'added', before: b?.share ?? null, after: e.share, issues: [...new Set([...(b?.issues ?? []), ...e.issues])], pod: podOf(e) });
  }
  for (const [key, e] of before) {
    if (!after.has(key)) rows.push({ address: sanitizeLine(key), status: 'removed', before: e.share, after: null, issues: e.issues, pod: podOf(e) });
  }
  return rows;
}

/** `coredns-5d78c9869d-7xq2k on node-a`, with the pod's state when it is not simply ready. */
export function podText(pod: PodRef | null, serviceNamespace: string | null): string {
  if (!pod) return '';
  const name = pod.namespace === serviceNamespace ? pod.pod : `${pod.namespace}/${pod.pod}`;
  const state = pod.terminating ? ', terminating' : pod.ready ? '' : ', not ready';
  return sanitizeLine(`${name}${pod.node ? ` on ${pod.node}` : ''}${state}`);
}

export function shareText(share: number | null): string {
  return share === null ? '—' : percent(share);
}

/**
 * Where the service port is reached: `udp 10.96.0.10:53`, plus its node ports. Without a cluster
 * IP in the dump, what it does show: `tcp load-balancer 4.225.209.242`, `tcp external 10.5.6.29:53`,
 * `tcp nodePort 30005`, or `tcp (address not in this dump)`.
 */
export function where(port: ServicePort | null): string {
  if (!port) return '';
  const at = (ip: string): string => (port.port !== null ? joinHostPort(ip, port.port) : ip);
  const parts = [port.protocol ?? '?'];
  if (port.clusterIP) parts.push(at(port.clusterIP));
  else if (port.loadBalancerIPs.length > 0) parts.push(`load-balancer ${port.loadBalancerIPs.map(at).join(', ')}`);
  else if (port.externalIPs.length > 0) parts.push(`external ${port.externalIPs.map(at).join(', ')}`);
  if (port.nodePorts.length > 0) parts.push(`nodePort ${port.nodePorts.join(',')}`);
  if (parts.length === 1) parts.push('(address not in this dump)');
  return sanitizeLine(parts.join(' '));
}

export function endpointCount(port: ServicePort | null): number {
  return port?.endpoints.length ?? 0;
}

/** ` (+2 −2)`: the endpoints that came and went, which equal counts on both sides can hide; '' when none did. */
export function endpointMoves(d: ServiceDiff): string {
  const moves = [d.endpointsAdded.length > 0 ? `+${d.endpointsAdded.length}` : '', d.endpointsRemoved.length > 0 ? `−${d.endpointsRemoved.length}` : ''].filter(Boolean);
  return moves.length > 0 ? ` (${moves.join(' ')})` : '';
}

export function ladderChange(d: ServiceDiff): string | null {
  const pb = d.before ? probabilities(d.before) : [];
  const pa = d.after ? probabilities(d.after) : [];
  // Neither side balances by rule probabilities (one endpoint, nftables, IPVS): nothing to say.
  if (pb.length === 0 && pa.length === 0) return null;
  const b = d.before ? ladder(pb) : '—';
  const a = d.after ? ladder(pa) : '—';
  return b === a && d.before && d.after ? `${a} (unchanged)` : `${b} → ${a}`;
}

/** `50% → 25%` when every endpoint had one share and has one share, else null. */
export function uniformShareChange(d: ServiceDiff): string | null {
  const uniform = (port: ServicePort | null): string | null => {
    const shares = new Set((port?.endpoints ?? []).map((e) => percent(e.share)));
    return shares.size === 1 ? [...shares][0] as string : shares.size === 0 ? '—' : null;
  };
  const b = uniform(d.before);
  const a = uniform(d.after);
  return b !== null && a !== null ? `${b} → ${a}` : null;
}

const FIELD_LABELS: Record<ServiceField, string> = {
  clusterIP: 'cluster IP',
  port: 'port',
  nodePorts: 'node ports',
  externalIPs: 'external IPs',
  loadBalancerIPs: 'load-balancer IPs',
  entryIPs: 'external and load-balancer IPs',
  affinity: 'session affinity',
  noEndpoints: 'no-endpoints rule',
  noLocalEndpoints: 'drops external traffic (no local endpoints)',
  probabilities: 'probabilities',
  shares: 'shares',
  localEndpoints: 'local endpoints',
  diverted: 'diverted',
  balancing: 'balancing',
};

/** Field changes worth their own line (endpoints, probabilities, shares and diverted traffic have theirs). */
export function otherFieldChanges(d: ServiceDiff): { label: string; before: string; after: string }[] {
  return d.changes
    .filter((c) => c.field !== 'probabilities' && c.field !== 'shares' && c.field !== 'diverted')
    .map((c) => ({ label: FIELD_LABELS[c.field], before: sanitizeLine(c.field === 'localEndpoints' ? localSummary(d.before) : c.before), after: sanitizeLine(c.field === 'localEndpoints' ? localSummary(d.after) : c.after) }));
}

function localSummary(port: ServicePort | null): string {
  const local = port?.localEndpoints;
  if (!local) return 'none';
  if (local.length === 0) return '0';
  return local.map((e) => `${e.address ?? '?'} ${percent(e.share)}${e.issues.length > 0 ? ` (${e.issues.join(', ')})` : ''}`).join(', ');
}

const DIVERTED: Record<DivertAction, string> = { drop: 'dropped', reject: 'rejected', accept: 'accepted untranslated', return: 'returned untranslated', other: '→' };

function divertedText(port: ServicePort | null): string {
  if (!port || port.diverted.length === 0) return 'none';
  return port.diverted
    .map((v) => `${percent(v.share)}${v.list === 'local' ? ' of local traffic' : ''} ${DIVERTED[v.action]}${v.ref === null ? '' : ` ${v.ref}`}`)
    .join(', ');
}

/**
 * Traffic the rules send to no endpoint, `10% dropped → 90% dropped` (or as it stands when it did
 * not change); null when neither side diverts any. Endpoint shares are of the rest.
 */
export function divertedLine(d: ServiceDiff): string | null {
  if (!d.before?.diverted.length && !d.after?.diverted.length) return null;
  const before = divertedText(d.before);
  const after = divertedText(d.after);
  return sanitizeLine(!d.before || !d.after || before === after ? divertedText(d.after ?? d.before) : `${before} → ${after}`);
}

export function noEndpointsNote(port: ServicePort | null): string | null {
  if (!port || port.endpoints.length > 0) return null;
  if (port.noEndpoints) return `no endpoints: traffic is ${port.noEndpoints === 'reject' ? 'rejected' : 'dropped'}`;
  return 'no endpoint rules in this dump';
}

const MODE_NAMES: Record<ProxyMode, string> = { iptables: 'kube-proxy iptables mode', nftables: 'kube-proxy nftables mode', ipvs: 'kube-proxy IPVS mode' };

function modeText(mode: ProxyMode | null): string {
  return mode ? MODE_NAMES[mode] : 'no kube-proxy rules';
}

/** Said first when the two sides are different proxy modes: their rules cannot be compared line for line. */
export function modeNote(report: DiffReport): string | null {
  const { before, after } = report;
  if (!before.mode || !after.mode || before.mode === after.mode) return null;
  const chains = report.acrossModes?.kubeProxyChains ?? 0;
  const rules = chains > 0 ? `; ${plural(chains, 'chain')} of kube-proxy's differ as the modes do (not listed)` : '';
  return `different proxy modes: before is ${modeText(before.mode)}, after ${modeText(after.mode)}; services are compared by their endpoints and shares where both sides show them${rules}`;
}

/** Ports in one input only that the other cannot show: neither removed nor added. */
export function notComparedNote(report: DiffReport): string | null {
  const n = report.summary.servicesNotCompared;
  if (n === 0) return null;
  const sides = new Set(report.services.filter((s) => s.status === 'not-compared').map((s) => (s.before ? 'before' : 'after')));
  const only = sides.size === 1 ? ` only in ${[...sides][0]}` : ' in one input only';
  return `${plural(n, 'service port')}${only}, not compared: the other input cannot show ${n === 1 ? 'it' : 'them'} (see the warnings)`;
}

/** A service's ports as listed: under a heading when the service has more than one port. */
export interface ServiceSection {
  heading: { name: string; status: ServiceStatus; tally: string } | null;
  /** The ports listed (changed ones; every one with --all). */
  ports: ServiceDiff[];
}

/** `kube-system/kube-dns` of `kube-system/kube-dns:dns`. */
function serviceName(d: ServiceDiff): string {
  return sanitizeLine(d.name ? splitPortName(d.name)[0] : d.label);
}

/** What a port is called: under its service's heading `dns` (of `kube-system/kube-dns:dns`), else its label. */
export function portLabel(d: ServiceDiff, section: ServiceSection): string {
  return sanitizeLine((section.heading && d.name ? splitPortName(d.name)[1] : null) ?? d.label);
}

export function serviceSections(report: DiffReport, all: boolean): ServiceSection[] {
  return groupServices(report.services).flatMap((g): ServiceSection[] => {
    const ports = g.ports.filter((d) => all || (d.status !== 'unchanged' && d.status !== 'not-compared'));
    if (ports.length === 0) return [];
    const by = (status: ServiceStatus): [number, string] => [g.ports.filter((d) => d.status === status).length, status.replace('-', ' ')];
    const tally = counts('port', [by('changed'), by('added'), by('removed'), by('unchanged'), by('not-compared')]) ?? '';
    return [{ heading: g.ports.length > 1 ? { name: serviceName(g.ports[0] as ServiceDiff), status: g.status, tally } : null, ports }];
  });
}

/** A chain change, with only the rules a listed service does not already account for. */
export interface OtherChange {
  chain: ChainDiff;
  added: RuleRef[];
  removed: RuleRef[];
  changed: { before: RuleRef; after: RuleRef }[];
}

/**
 * Rule changes a listed service does not already tell. An added or removed service (or one only
 * one input can show) tells all its rules; a changed one only those its model holds in full (and,
 * in chains added, removed, filled or emptied with it, kube-proxy's structure around them); any
 * other rule change is shown.
 */
export function otherChanges(report: DiffReport): OtherChange[] {
  const status = new Map(report.services.map((s) => [s.key, s.status]));
  return report.chains.flatMap((chain): OtherChange[] => {
    // A chain emptied (kube-proxy flushes one it no longer uses) or filled goes with what it served, as one removed or added.
    const whole = chain.status === 'added' || chain.status === 'removed' || chain.rules.before.length === 0 || chain.rules.after.length === 0;
    const untold = (r: RuleRef): boolean => {
      const s = r.service === null ? undefined : status.get(r.service);
      if (s === 'added' || s === 'removed' || s === 'not-compared') return false;
      return s !== 'changed' || !(r.model === 'modelled' || (whole && r.model === 'implied'));
    };
    const change: OtherChange = { chain, added: chain.added.filter(untold), removed: chain.removed.filter(untold), changed: chain.changed.filter((p) => untold(p.before) || untold(p.after)) };
    const anything = change.added.length + change.removed.length + change.changed.length > 0 || chain.status === 'renamed' || chain.reordered !== null || chain.policy !== null || chain.declaration !== null;
    return anything ? [change] : [];
  });
}

export function noiseNotes(report: DiffReport): string[] {
  const n = report.noise;
  const notes: string[] = [];
  if (n.formattingOnly > 0) notes.push(`${plural(n.formattingOnly, 'rule')} written differently with the same meaning`);
  if (n.commentOnly > 0) notes.push(`${plural(n.commentOnly, 'rule')} with only the comment changed`);
  if (n.reorderedNoEffect.length > 0) {
    const names = n.reorderedNoEffect.slice(0, 3).map(sanitizeLine).join(', ');
    notes.push(`${names}${n.reorderedNoEffect.length > 3 ? ` and ${n.reorderedNoEffect.length - 3} more` : ''} reordered, no effect`);
  }
  if (n.endpointOrderNoEffect > 0) notes.push(`${plural(n.endpointOrderNoEffect, 'service')} with endpoints reordered, same shares`);
  if (n.declarationOrder) notes.push('chain declaration order');
  if (n.implicitBuiltins > 0) notes.push(`${plural(n.implicitBuiltins, 'undeclared built-in chain')}`);
  if (n.countersDiffer) notes.push('packet counters');
  return notes;
}

/** Tables left out of the comparison that differ: never let "no semantic change" hide them. */
export function otherTablesNote(report: DiffReport): string | null {
  const t = report.otherTablesDiffer;
  if (t.length === 0) return null;
  return `table${t.length > 1 ? 's' : ''} ${t.map(sanitizeLine).join(', ')} also differ${t.length > 1 ? '' : 's'} (not compared; use --table ${t.length > 1 ? 'all' : sanitizeLine(t[0] as string)})`;
}

/** `18 rules added, 6 changed`: the counts that are not 0, the first with its noun; null when all are. */
function counts(noun: string, pairs: [number, string][]): string | null {
  const nonzero = pairs.filter(([n]) => n > 0);
  return nonzero.length > 0 ? nonzero.map(([n, what], i) => `${i === 0 ? plural(n, noun) : n} ${what}`).join(', ') : null;
}

/**
 * `1 service, 3 ports changed`; the ports only when there are more (fewer: a service changed by a
 * port added or removed, which its own part tells).
 */
function servicesAndPorts(services: number, ports: number, what: string): string | null {
  const parts = [services > 0 ? plural(services, 'service') : '', ports > services ? plural(ports, 'port') : ''].filter(Boolean);
  return parts.length > 0 ? `${parts.join(', ')} ${what}` : null;
}

/** What happened, most telling first; nothing that did not happen. */
export function summaryLine(report: DiffReport): string {
  const s = report.summary;
  const other = otherTablesNote(report);
  const unknown = [s.servicesNotCompared > 0 ? plural(s.servicesNotCompared, 'service port') : '', s.chainsNotCompared > 0 ? plural(s.chainsNotCompared, 'chain') : ''].filter(Boolean);
  if (!s.changed) {
    const same = report.acrossModes ? 'same service behaviour, different mode' : 'no semantic change';
    const what = unknown.length > 0 ? `${same} in what both inputs show · ${unknown.join(', ')} not compared` : same;
    return other ? `${what} in table ${sanitizeLine(report.table)} · ${other}` : what;
  }
  const parts = [
    servicesAndPorts(s.byService.changed, s.servicesChanged, 'changed'),
    servicesAndPorts(s.byService.added, s.servicesAdded, 'added'),
    servicesAndPorts(s.byService.removed, s.servicesRemoved, 'removed'),
    unknown.length > 0 ? `${unknown.join(', ')} not compared` : null,
    counts('endpoint', [[s.endpointsAdded, 'added'], [s.endpointsRemoved, 'removed']]),
    counts('rule', [[s.rulesAdded, 'added'], [s.rulesRemoved, 'removed'], [s.rulesChanged, 'changed']]),
    s.chainsRenamed > 0 ? `${plural(s.chainsRenamed, 'chain')} renamed` : null,
    s.chainsReordered > 0 ? `${plural(s.chainsReordered, 'chain')} reordered` : null,
  ].filter((x): x is string => x !== null);
  // A policy changed, an empty chain came or went: nothing above counts it.
  if (parts.length === 0) parts.push(`${plural(report.chains.length, 'chain')} changed`);
  if (other) parts.push(other);
  return parts.join(' · ');
}

/**
 * Which input a warning is about and where: `before a.txt:39`, `after b.txt`, `before and after
 * a.txt:39` (a file against itself), `before a.txt:39 and after b.txt:39`. `place` formats a
 * `FILE:LINE`.
 */
export function warningOrigin(w: ReportWarning, report: Pick<DiffReport, 'before' | 'after'>, place: (fileLine: string) => string = (x) => x): string {
  const at = (source: string): string => place(`${sanitizeLine(source)}${w.line ? `:${w.line}` : ''}`);
  if (w.side !== 'both') return `${w.side} ${at(w.source)}`;
  const { before, after } = report;
  return before.source === after.source ? `before and after ${at(before.source)}` : `before ${at(before.source)} and after ${at(after.source)}`;
}

/** What one side was read as, for the header: its format, the table it was taken as, its proxy mode. */
export function sideDescription(i: DiffReport['before']): string {
  return `${i.format}${i.assumedTable ? `, taken as table ${i.assumedTable}` : ''}, ${modeText(i.mode)}`;
}

export function sourceLine(report: DiffReport): string {
  const side = (i: DiffReport['before']): string => `${sanitizeLine(i.source)} (${sideDescription(i)})`;
  return `${side(report.before)} → ${side(report.after)}`;
}
