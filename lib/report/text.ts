/**
 * The terminal report: one screen per incident. Changed services first (endpoints, probability
 * ladder, shares), then chain changes no service explains, then what was ignored, then a
 * one-line summary.
 */
import kleur from 'kleur';
import type { DiffReport, ServiceDiff } from '../diff/types';
import { namespaceOf } from '../model/service';
import { plural } from './notation';
import { sanitizeLine } from '../sanitize';
import {
  divertedLine, endpointCount, endpointMoves, endpointRows, ladderChange, modeNote, noEndpointsNote, noiseNotes, notComparedNote, otherChanges, otherFieldChanges,
  podText, portLabel, serviceSections, shareText, sourceLine, summaryLine, where, type EndpointRow, type OtherChange, type ServiceSection,
} from './view';

export interface TextOptions {
  color: boolean;
  /** List unchanged services too. */
  all: boolean;
}

export type Paint = (s: string) => string;
export interface Palette {
  added: Paint;
  removed: Paint;
  changed: Paint;
  dim: Paint;
  bold: Paint;
}

export function palette(color: boolean): Palette {
  const plain: Paint = (s) => s;
  if (!color) return { added: plain, removed: plain, changed: plain, dim: plain, bold: plain };
  // kleur decides on its own from the environment at load time; the caller has decided already.
  kleur.enabled = true;
  const k = kleur;
  return { added: (s) => k.green(s), removed: (s) => k.red(s), changed: (s) => k.yellow(s), dim: (s) => k.dim(s), bold: (s) => k.bold(s) };
}

const MAX_ROWS = 12;
const MAX_RULES_PER_CHAIN = 6;
const MAX_FINDINGS = 5;

/** What a line is about, for its marker and its colour. */
type Change = ServiceDiff['status'];

const MARKERS: Record<Change, string> = { added: '+', removed: '-', changed: '~', unchanged: ' ', 'not-compared': '?' };
const ROW_MARKERS: Record<EndpointRow['status'], string> = { added: '+', removed: '-', kept: ' ' };

/** A line about something added is green as a whole, removed red, changed yellow (as dyff and terraform do); not compared, dim. */
function paint(change: Change, p: Palette): Paint {
  return change === 'unchanged' ? (s) => s : change === 'not-compared' ? p.dim : p[change];
}

/** An endpoint on both sides is a change when its share is. */
function rowChange(r: EndpointRow): Change {
  return r.status !== 'kept' ? r.status : shareText(r.before) === shareText(r.after) ? 'unchanged' : 'changed';
}

function rowLines(rows: EndpointRow[], p: Palette, namespace: string | null): string[] {
  const width = Math.max(...rows.map((r) => r.address.length), 8);
  const line = (r: EndpointRow): string => {
    const issues = r.issues.length > 0 ? p.changed(`  (${r.issues.join(', ')})`) : '';
    const pod = r.pod ? p.dim(`  ${podText(r.pod, namespace)}`) : '';
    const shares = `${shareText(r.before).padStart(6)} → ${shareText(r.after)}`;
    return paint(rowChange(r), p)(`    ${ROW_MARKERS[r.status]} ${r.address.padEnd(width)}  ${pod ? shares.padEnd(16) : shares}${pod}${issues}`);
  };
  if (rows.length <= MAX_ROWS) return rows.map(line);
  // Endpoints that came or went first, then the rest folded, one line per kind.
  const moved = rows.filter((r) => r.status !== 'kept');
  const listed = moved.slice(0, MAX_ROWS);
  const unlisted = [...moved.slice(MAX_ROWS), ...rows.filter((r) => r.status === 'kept')];
  const folds = (['added', 'removed', 'kept'] as const).flatMap((status) => {
    const folded = unlisted.filter((r) => r.status === status);
    return folded.length > 0 ? [foldLine(status, folded, listed.length > 0, p)] : [];
  });
  return [...listed.map(line), ...folds];
}

/** `… 28 more added  — → 2.5% each`, `36 other endpoints  2.5% → 2.4% each`, `40 endpoints  2.5% each, unchanged`. */
function foldLine(status: EndpointRow['status'], rows: EndpointRow[], listedAbove: boolean, p: Palette): string {
  const one = (shares: (number | null)[]): string | null => {
    const texts = new Set(shares.map(shareText));
    return texts.size === 1 ? ([...texts][0] as string) : null;
  };
  const before = one(rows.map((r) => r.before));
  const after = one(rows.map((r) => r.after));
  const shares = before === null || after === null ? 'shares vary (-o json for all)' : before === after ? `${after} each, unchanged` : `${before} → ${after} each`;
  const what = status === 'kept' ? plural(rows.length, listedAbove ? 'other endpoint' : 'endpoint') : `… ${rows.length} more ${status}`;
  const change: Change = status !== 'kept' ? status : before === after ? 'unchanged' : 'changed';
  return paint(change, p)(`      ${what}  ${shares}`);
}

function serviceBlock(d: ServiceDiff, label: string, p: Palette, pods: DiffReport['pods']): string[] {
  const moves = endpointMoves(d);
  const counts =
    d.status === 'changed' || d.status === 'unchanged'
      ? endpointCount(d.before) === endpointCount(d.after) && !moves
        ? `endpoints ${endpointCount(d.after)}`
        : `endpoints ${endpointCount(d.before)} → ${endpointCount(d.after)}${moves}`
      : d.status === 'added'
        ? `added, ${plural(endpointCount(d.after), 'endpoint')}`
        : d.status === 'removed'
          ? `removed, had ${plural(endpointCount(d.before), 'endpoint')}`
          : `only in ${d.before ? 'before' : 'after'}, not compared`;
  const lines = [paint(d.status, p)(`${MARKERS[d.status]} ${p.bold(label)}  ${p.dim(where(d.after ?? d.before))}  ${counts}`)];
  for (const c of otherFieldChanges(d)) lines.push(p.changed(`    ${c.label}: ${c.before} → ${c.after}`));
  const diverted = divertedLine(d);
  if (diverted) lines.push(`    ${p.changed(`not sent to endpoints: ${diverted}`)}`);
  const note = noEndpointsNote(d.after ?? d.before);
  if (note) lines.push(`    ${p.dim(note)}`);
  const rows = endpointRows(d, pods);
  if (rows.length > 0) {
    const ladder = ladderChange(d);
    if (ladder && d.status !== 'unchanged') lines.push(paint(d.status === 'changed' && !ladder.endsWith('(unchanged)') ? 'changed' : 'unchanged', p)(`    probabilities  ${ladder}`));
    lines.push(...rowLines(rows, p, d.name ? namespaceOf(d.name) : null));
  }
  return lines;
}

/** A service: its one port, or a heading with its ports below. */
function sectionLines(section: ServiceSection, p: Palette, pods: DiffReport['pods']): string[] {
  const blocks = section.ports.flatMap((d) => serviceBlock(d, portLabel(d, section), p, pods));
  const h = section.heading;
  return h ? [paint(h.status, p)(`${MARKERS[h.status]} ${p.bold(h.name)}  ${h.tally}`), ...blocks.map((l) => `  ${l}`)] : blocks;
}

function ruleLine(change: 'added' | 'removed', text: string, p: Palette): string {
  return paint(change, p)(`    ${MARKERS[change]} ${sanitizeLine(text)}`);
}

function chainBlock(o: OtherChange, p: Palette): string[] {
  const c = o.chain;
  const name = sanitizeLine(c.name);
  const change: Change = c.status === 'added' || c.status === 'removed' ? c.status : 'changed';
  const what =
    c.status === 'added'
      ? `added (${plural(c.added.length, 'rule')})`
      : c.status === 'removed'
        ? `removed (${plural(c.removed.length, 'rule')})`
        : c.status === 'renamed'
          ? `renamed from ${sanitizeLine(c.renamedFrom ?? '?')}, same meaning`
          : '';
  const lines = [paint(change, p)(`  ${MARKERS[change]} ${name}${what ? `  ${what}` : ''}`)];
  if (c.policy) lines.push(p.changed(`    policy ${sanitizeLine(c.policy.before ?? '-')} → ${sanitizeLine(c.policy.after ?? '-')}`));
  if (c.declaration) lines.push(p.changed(`    declared ${sanitizeLine(c.declaration.before ?? '-')} → ${sanitizeLine(c.declaration.after ?? '-')}`));
  if (c.reordered === 'possible') lines.push(`    ${p.changed('rules reordered: may change which rule a packet hits')}`);
  const rules = [
    ...o.removed.map((r) => ruleLine('removed', r.text, p)),
    ...o.added.map((r) => ruleLine('added', r.text, p)),
    ...o.changed.flatMap((x) => [ruleLine('removed', x.before.text, p), ruleLine('added', x.after.text, p)]),
  ];
  if (c.status === 'added' || c.status === 'removed') return lines;
  lines.push(...rules.slice(0, MAX_RULES_PER_CHAIN));
  if (rules.length > MAX_RULES_PER_CHAIN) lines.push(p.dim(`    … ${rules.length - MAX_RULES_PER_CHAIN} more lines (-o markdown or -o json for all)`));
  return lines;
}

export function renderText(report: DiffReport, options: TextOptions): string {
  const p = palette(options.color);
  const out: string[] = [p.dim(`natdiff ${sourceLine(report)}`), ''];
  const modes = modeNote(report);
  if (modes) out.push(p.changed(modes), '');
  for (const section of serviceSections(report, options.all)) out.push(...sectionLines(section, p, report.pods), '');
  const unchanged = report.summary.byService.unchanged;
  if (unchanged > 0 && !options.all) out.push(p.dim(`${plural(unchanged, 'service')} unchanged (--all lists ${unchanged === 1 ? 'it' : 'them'})`), '');
  const notCompared = notComparedNote(report);
  if (notCompared && !options.all) out.push(p.dim(`${notCompared}; --all lists ${report.summary.servicesNotCompared === 1 ? 'it' : 'them'}`), '');

  const others = otherChanges(report);
  if (others.length > 0) {
    out.push(p.bold(`Other changes in table ${sanitizeLine(report.table)}`));
    for (const o of others) out.push(...chainBlock(o, p));
    out.push('');
  }
  if (report.findings.length > 0) {
    out.push(p.bold('Notes'));
    for (const f of report.findings.slice(0, MAX_FINDINGS)) out.push(`  ${f.side === 'both' ? '' : `${f.side}: `}${sanitizeLine(f.message)}`);
    if (report.findings.length > MAX_FINDINGS) out.push(p.dim(`  … ${report.findings.length - MAX_FINDINGS} more (-o json for all)`));
    out.push('');
  }
  const noise = noiseNotes(report);
  if (noise.length > 0) out.push(p.dim(`Ignored as noise: ${noise.join(' · ')}`));
  if (report.warnings.length > 0) out.push(p.changed(`${plural(report.warnings.length, 'warning')} about the input (printed on stderr)`));
  out.push(p.bold(summaryLine(report)));
  return `${out.join('\n')}\n`;
}
