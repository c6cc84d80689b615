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
  divertedLine, endpointCount, endpointRows, ladderChange, modeNote, noEndpointsNote, noiseNotes, notComparedNote, otherChanges, otherFieldChanges,
  podText, serviceListing, shareText, sourceLine, summaryLine, where, type EndpointRow, type OtherChange,
} from './view';

export interface TextOptions {
  color: boolean;
  /** List unchanged services too. */
  all: boolean;
}

type Paint = (s: string) => string;
interface Palette {
  added: Paint;
  removed: Paint;
  changed: Paint;
  dim: Paint;
  bold: Paint;
}

function palette(color: boolean): Palette {
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

function marker(status: ServiceDiff['status'] | EndpointRow['status'], p: Palette): string {
  switch (status) {
    case 'added':
      return p.added('+');
    case 'removed':
      return p.removed('-');
    case 'changed':
      return p.changed('~');
    case 'not-compared':
      return p.dim('?');
    default:
      return ' ';
  }
}

function rowLines(rows: EndpointRow[], p: Palette, namespace: string | null): string[] {
  const width = Math.max(...rows.map((r) => r.address.length), 8);
  const line = (r: EndpointRow): string => {
    const issues = r.issues.length > 0 ? p.changed(`  (${r.issues.join(', ')})`) : '';
    const pod = r.pod ? p.dim(`  ${podText(r.pod, namespace)}`) : '';
    const shares = `${shareText(r.before).padStart(6)} → ${shareText(r.after)}`;
    return `    ${marker(r.status, p)} ${r.address.padEnd(width)}  ${pod ? shares.padEnd(16) : shares}${pod}${issues}`;
  };
  if (rows.length <= MAX_ROWS) return rows.map(line);
  const moved = rows.filter((r) => r.status !== 'kept');
  const kept = rows.filter((r) => r.status === 'kept');
  const out = moved.slice(0, MAX_ROWS).map(line);
  if (moved.length > MAX_ROWS) out.push(p.dim(`      … ${moved.length - MAX_ROWS} more added or removed`));
  if (kept.length > 0) {
    const before = new Set(kept.map((r) => shareText(r.before)));
    const after = new Set(kept.map((r) => shareText(r.after)));
    const shares = before.size === 1 && after.size === 1 ? `${[...before][0]} → ${[...after][0]} each` : 'shares vary (-o json for all)';
    out.push(`      ${plural(kept.length, 'other endpoint')}  ${shares}`);
  }
  return out;
}

function serviceBlock(d: ServiceDiff, p: Palette, pods: DiffReport['pods']): string[] {
  const counts =
    d.status === 'changed' || d.status === 'unchanged'
      ? endpointCount(d.before) === endpointCount(d.after)
        ? `endpoints ${endpointCount(d.after)}`
        : `endpoints ${endpointCount(d.before)} → ${endpointCount(d.after)}`
      : d.status === 'added'
        ? `added, ${plural(endpointCount(d.after), 'endpoint')}`
        : d.status === 'removed'
          ? `removed, had ${plural(endpointCount(d.before), 'endpoint')}`
          : `only in ${d.before ? 'before' : 'after'}, not compared`;
  const lines = [`${marker(d.status, p)} ${p.bold(sanitizeLine(d.label))}  ${p.dim(where(d.after ?? d.before))}  ${counts}`];
  for (const c of otherFieldChanges(d)) lines.push(`    ${c.label}: ${c.before} → ${c.after}`);
  const diverted = divertedLine(d);
  if (diverted) lines.push(`    ${p.changed(`not sent to endpoints: ${diverted}`)}`);
  const note = noEndpointsNote(d.after ?? d.before);
  if (note) lines.push(`    ${p.dim(note)}`);
  const rows = endpointRows(d, pods);
  if (rows.length > 0) {
    if (d.status !== 'unchanged') lines.push(`    probabilities  ${ladderChange(d)}`);
    lines.push(...rowLines(rows, p, d.name ? namespaceOf(d.name) : null));
  }
  return lines;
}

function ruleLine(sign: string, text: string, p: Palette, paint: Paint): string {
  return `    ${paint(sign)} ${p.dim(sanitizeLine(text))}`;
}

function chainBlock(o: OtherChange, p: Palette): string[] {
  const c = o.chain;
  const name = sanitizeLine(c.name);
  const head =
    c.status === 'added'
      ? `${p.added('+')} ${name}  added (${plural(c.added.length, 'rule')})`
      : c.status === 'removed'
        ? `${p.removed('-')} ${name}  removed (${plural(c.removed.length, 'rule')})`
        : c.status === 'renamed'
          ? `${p.changed('~')} ${name}  renamed from ${sanitizeLine(c.renamedFrom ?? '?')}, same meaning`
          : `${p.changed('~')} ${name}`;
  const lines = [`  ${head}`];
  if (c.policy) lines.push(`    policy ${c.policy.before ?? '-'} → ${c.policy.after ?? '-'}`);
  if (c.reordered === 'possible') lines.push(`    ${p.changed('rules reordered: may change which rule a packet hits')}`);
  const rules = [
    ...o.removed.map((r) => ruleLine('-', r.text, p, p.removed)),
    ...o.added.map((r) => ruleLine('+', r.text, p, p.added)),
    ...o.changed.flatMap((x) => [ruleLine('-', x.before.text, p, p.removed), ruleLine('+', x.after.text, p, p.added)]),
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
  const listed = serviceListing(report, options.all);
  for (const d of listed) out.push(...serviceBlock(d, p, report.pods), '');
  const unchanged = report.summary.servicesUnchanged;
  if (unchanged > 0 && !options.all) out.push(p.dim(`${plural(unchanged, 'service')} unchanged (--all lists ${unchanged === 1 ? 'it' : 'them'})`), '');
  const notCompared = notComparedNote(report);
  if (notCompared && !options.all) out.push(p.dim(`${notCompared}; --all lists ${report.summary.servicesNotCompared === 1 ? 'it' : 'them'}`), '');

  const others = otherChanges(report);
  if (others.length > 0) {
    out.push(p.bold(`Other changes in table ${report.table}`));
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
