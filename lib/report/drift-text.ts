/**
 * The drift report on one screen: the drifting ports first, each with its odd node(s) and what
 * they lack or have besides the others (or the EndpointSlices), then what could not be compared,
 * then a count of the ports every node agrees on.
 */
import { heldAgainstNothing } from '../drift/filter';
import type { Difference, DriftReport, DriftService } from '../drift/types';
import { sanitizeLine } from '../sanitize';
import { plural } from './notation';
import { palette, type Palette } from './text';

export interface DriftTextOptions {
  color: boolean;
  /** List consistent ports too, and every drifting port. */
  all: boolean;
}

/** Drifting ports listed, a line each where one node differs: the report stays on one screen (`--all` and JSON list them all). */
const MAX_PORTS = 15;
const MAX_ADDRESSES = 6;
const MAX_NOT_COMPARABLE = 5;

function addresses(list: readonly string[]): string {
  const shown = list.slice(0, MAX_ADDRESSES).map(sanitizeLine).join(', ');
  return list.length > MAX_ADDRESSES ? `${shown}, … (${list.length} in all)` : shown || 'none';
}

function names(nodes: readonly string[]): string {
  return nodes.map(sanitizeLine).join(', ');
}

/** `lacks A; sends to B (on none of the others)`: how one node differs from the reference. */
function differenceText(d: Difference, others: string, p: Palette): string {
  if (d.absent) return p.removed('the port is missing');
  if (d.sharesDiffer) return p.changed('the same endpoints, shared otherwise');
  const parts = [];
  if (d.lacks.length > 0) parts.push(p.removed(`lacks ${addresses(d.lacks)}`));
  if (d.extra.length > 0) parts.push(p.added(`sends to ${addresses(d.extra)} (${others})`));
  return parts.join('; ');
}

function differenceLine(d: Difference, others: string, p: Palette): string {
  return `    ${sanitizeLine(d.node)}: ${differenceText(d, others, p)}`;
}

function headline(s: DriftService): string {
  const what: string[] = [];
  if (s.tie) what.push(`tie: no endpoint set is held by more nodes than another (${names(s.outliers)})`);
  else if (s.outliers.length > 0) {
    const missing = s.differences.filter((d) => d.absent).map((d) => d.node);
    const differing = s.outliers.filter((n) => !missing.includes(n));
    if (differing.length > 0) what.push(`${names(differing)} ${differing.length === 1 ? 'differs' : 'differ'} from the other nodes`);
    if (missing.length > 0) what.push(`missing on ${names(missing)}`);
  }
  if (s.stale.length > 0) what.push(`stale: ${names(s.stale)}`);
  return what.join('; ');
}

/**
 * The one node that differs from all the others, where nothing else is to be said (no stale node,
 * or that node alone, stale where the others match the EndpointSlices): the port is one line.
 */
function oneOddNode(s: DriftService): Difference | null {
  const [d] = s.differences;
  if (s.tie || s.differences.length !== 1 || !d) return null;
  if (s.stale.length === 0) return d;
  const slicesAgree = s.stale.length === 1 && s.stale[0] === d.node && s.expected !== null && s.majority !== null && s.expected.join('\0') === s.majority.join('\0');
  return slicesAgree ? d : null;
}

function portLines(s: DriftService, p: Palette): string[] {
  const head = p.changed(`~ ${p.bold(sanitizeLine(s.name))}  ${s.protocol ?? '?'}`);
  const odd = oneOddNode(s);
  if (odd) {
    const stale = s.stale.length > 0 ? ' · stale: the EndpointSlices agree with the other nodes' : '';
    return [odd.absent ? `${head}  missing on ${sanitizeLine(odd.node)}${stale}` : `${head}  ${sanitizeLine(odd.node)}: ${differenceText(odd, 'on none of the others', p)}${stale}`];
  }
  const lines = [`${head}  ${headline(s)}`];
  if (s.tie) {
    const groups = new Map<string, string[]>();
    for (const node of s.outliers) {
      const port = s.nodes[node];
      const set = port?.absent ? 'the port is missing' : `${addresses(port?.endpoints ?? [])}${port?.shares && port.shares !== 'equal' ? ` (${sanitizeLine(port.shares)})` : ''}`;
      groups.set(set, [...(groups.get(set) ?? []), node]);
    }
    for (const [set, nodes] of groups) lines.push(`    ${names(nodes)}: ${set}`);
  } else {
    for (const d of s.differences) lines.push(differenceLine(d, 'on none of the others', p));
  }
  if (s.expected !== null && s.stale.length > 0) {
    lines.push(`    EndpointSlices: ${addresses(s.expected)}`);
    for (const d of s.staleDifferences) lines.push(differenceLine(d, 'not a ready endpoint', p));
  }
  return lines;
}

/** Per node and reason, the ports it could not be compared for. */
function notComparableLines(report: DriftReport, p: Palette): string[] {
  const groups = new Map<string, { node: string; why: string; ports: string[] }>();
  for (const s of report.services) {
    for (const [node, port] of Object.entries(s.nodes)) {
      if (port.notComparable === null) continue;
      const key = `${node}\0${port.notComparable}`;
      const group = groups.get(key) ?? { node, why: port.notComparable, ports: [] };
      group.ports.push(s.name);
      groups.set(key, group);
    }
  }
  const lines = [...groups.values()].slice(0, MAX_NOT_COMPARABLE).map((g) => {
    const some = g.ports.slice(0, 3).map(sanitizeLine).join(', ');
    return p.dim(`? ${sanitizeLine(g.node)}: ${plural(g.ports.length, 'port')} not compared (${some}${g.ports.length > 3 ? ', …' : ''}): ${sanitizeLine(g.why)}`);
  });
  if (groups.size > MAX_NOT_COMPARABLE) lines.push(p.dim(`? … and ${groups.size - MAX_NOT_COMPARABLE} more (-o json lists them all)`));
  return lines;
}

function consistentLine(s: DriftService): string {
  const held = Object.values(s.nodes).filter((n) => n.notComparable === null && !n.absent);
  const what = heldAgainstNothing(s) ? `not compared (${plural(s.compared, 'node')} could be)` : `${plural(held[0]?.endpoints.length ?? 0, 'endpoint')} on ${plural(held.length, 'node')}`;
  return `  ${sanitizeLine(s.name)}  ${s.protocol ?? '?'}  ${what}`;
}

export function renderDriftText(report: DriftReport, options: DriftTextOptions): string {
  const p = palette(options.color);
  const nodes = report.nodes.map((n) => `${sanitizeLine(n.name)}${n.mode ? ` (${n.mode})` : ''}`);
  const out = [`natdiff drift: ${plural(report.nodes.length, 'node')}: ${nodes.join(', ')}`, ''];
  const drifting = report.services.filter((s) => s.status === 'drift');
  const shown = options.all ? drifting : drifting.slice(0, MAX_PORTS);
  for (const s of shown) out.push(...portLines(s, p));
  if (shown.length < drifting.length) out.push(`… and ${plural(drifting.length - shown.length, 'more drifting port')} (--all or -o json lists them all)`);
  if (shown.length > 0) out.push('');
  const notCompared = notComparableLines(report, p);
  if (notCompared.length > 0) out.push(...notCompared, '');
  const { summary } = report;
  if (options.all) {
    for (const s of report.services) if (s.status === 'consistent') out.push(consistentLine(s));
    if (summary.consistent > 0) out.push('');
  }
  const agreeing = summary.consistent - summary.notCompared;
  out.push(`${plural(agreeing, 'port')} consistent on every node compared${!options.all && agreeing > 0 ? ' (--all lists them)' : ''}`);
  if (summary.notCompared > 0) out.push(`${plural(summary.notCompared, 'port')} not compared: fewer than two nodes could be compared for ${summary.notCompared === 1 ? 'it' : 'them'} (? above says why)`);
  const outliers = [...new Set(drifting.flatMap((s) => (s.tie ? [] : s.outliers)))].sort();
  const ties = drifting.filter((s) => s.tie).length;
  const tail = [
    `${summary.drifting} of ${plural(summary.ports, 'port')} ${summary.drifting === 1 ? 'drifts' : 'drift'}`,
    ...(outliers.length > 0 ? [`odd ${outliers.length === 1 ? 'node' : 'nodes'}: ${names(outliers)}`] : []),
    ...(ties > 0 ? [`${plural(ties, 'tie')} (no odd node can be told)`] : []),
    ...(report.withExpected ? [summary.staleNodes.length > 0 ? `stale against the EndpointSlices: ${names(summary.staleNodes)}` : 'every node matches the EndpointSlices'] : []),
  ];
  out.push(tail.join(' · '));
  return `${out.join('\n')}\n`;
}
