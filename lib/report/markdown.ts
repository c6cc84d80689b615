/**
 * GitHub-flavoured Markdown to paste into an incident ticket: a summary table, a section per
 * changed service with a bar picture of the shares before and after, other rule changes, and
 * the normalized rule diff (made with jsdiff) in a collapsible block.
 */
import { formatPatch, structuredPatch, type StructuredPatchHunk } from 'diff';
import { chainListing } from '../diff/listing';
import type { DiffReport, ServiceDiff } from '../diff/types';
import { namespaceOf } from '../model/service';
import { plural } from './notation';
import { sanitizeLine } from '../sanitize';
import {
  divertedLine, endpointCount, endpointMoves, endpointRows, ladderChange, modeNote, noEndpointsNote, noiseNotes, notComparedNote, otherChanges, otherFieldChanges,
  podText, portLabel, serviceSections, shareText, sideDescription, summaryLine, uniformShareChange, warningOrigin, where, type EndpointRow, type ServiceSection,
} from './view';

export interface MarkdownOptions {
  all: boolean;
  toolVersion: string;
}

const BAR_WIDTH = 20;
const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];
const MAX_ROWS = 40;

/** A share as a bar of BAR_WIDTH cells, in eighths of a cell. */
export function bar(share: number | null): string {
  if (share === null) return '';
  const eighths = Math.round(Math.max(0, Math.min(1, share)) * BAR_WIDTH * 8);
  const full = Math.floor(eighths / 8);
  const part = EIGHTHS[eighths % 8] as string;
  return `${'█'.repeat(full)}${part}${'·'.repeat(BAR_WIDTH - full - (part ? 1 : 0))}`;
}

/** A word GitHub would turn into a link: `scheme://…`, `www.…`, or one with an `@` (an e-mail address). */
const LINKISH = /(\S*(?:[a-z][a-z0-9+.-]*:\/\/|www\.|@)\S*)/i;

/**
 * Text safe in a table cell, a heading or a list item: no control characters, no pipes, no
 * markup (`~` included: strikethrough), no entities, and no autolinks: a word that would become
 * one is shown as code.
 */
function cell(text: string): string {
  return sanitizeLine(text)
    .split(LINKISH)
    .map((part, i) => (i % 2 === 1 ? code(part) : part.replace(/[\\`*_{}[\]<>|#~&]/g, (c) => `\\${c}`)))
    .join('');
}

/** Text safe inside an HTML block, where Markdown escapes are not read. */
function html(text: string): string {
  return sanitizeLine(text).replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function code(text: string): string {
  const clean = sanitizeLine(text);
  const ticks = '`'.repeat(Math.max(1, ...(clean.match(/`+/g) ?? []).map((m) => m.length + 1)));
  return `${ticks}${ticks.length > 1 ? ' ' : ''}${clean.replace(/\|/g, '\\|')}${ticks.length > 1 ? ' ' : ''}${ticks}`;
}

function shareCell(share: number | null): string {
  return share === null ? '—' : `\`${bar(share)}\` ${shareText(share)}`;
}

const STATUS_MARK: Record<EndpointRow['status'], string> = { added: '➕ ', removed: '➖ ', kept: '' };

function summaryTable(services: ServiceDiff[]): string[] {
  const lines = ['| Service port | Change | Protocol / address | Endpoints | Probabilities | Shares |', '|---|---|---|---|---|---|'];
  for (const d of services) {
    const side = (port: ServiceDiff['before']): string => (port ? `${endpointCount(port)}` : '?');
    const counts = d.status === 'added' ? `${endpointCount(d.after)}` : d.status === 'removed' ? `${endpointCount(d.before)} → 0` : `${side(d.before)} → ${side(d.after)}${endpointMoves(d)}`;
    lines.push(`| ${cell(d.label)} | ${d.status} | ${cell(where(d.after ?? d.before))} | ${counts} | ${cell(ladderChange(d) ?? '—')} | ${cell(uniformShareChange(d) ?? 'uneven (see below)')} |`);
  }
  return lines;
}

function portSection(d: ServiceDiff, label: string, depth: string, pods: DiffReport['pods']): string[] {
  const lines = [`${depth} ${cell(label)} (${cell(where(d.after ?? d.before))}) — ${d.status}`, ''];
  const facts: string[] = [];
  if (d.endpointsAdded.length > 0) facts.push(`endpoints added: ${d.endpointsAdded.map(code).join(', ')}`);
  if (d.endpointsRemoved.length > 0) facts.push(`endpoints removed: ${d.endpointsRemoved.map(code).join(', ')}`);
  const ladder = ladderChange(d);
  if (ladder) facts.push(`probabilities ${code(ladder)}`);
  for (const c of otherFieldChanges(d)) facts.push(`${c.label}: ${code(c.before)} → ${code(c.after)}`);
  const diverted = divertedLine(d);
  if (diverted) facts.push(`**not sent to endpoints**: ${code(diverted)}`);
  const note = noEndpointsNote(d.after ?? d.before);
  if (note) facts.push(note);
  lines.push(...facts.map((f) => `- ${f}`), '');
  const rows = endpointRows(d, pods);
  if (rows.length > 0) {
    const withPods = rows.some((r) => r.pod);
    const namespace = d.name ? namespaceOf(d.name) : null;
    lines.push(withPods ? '| Endpoint | Pod | Before | After |' : '| Endpoint | Before | After |', withPods ? '|---|---|---|---|' : '|---|---|---|');
    for (const r of rows.slice(0, MAX_ROWS)) {
      const issues = r.issues.length > 0 ? ` ⚠ ${r.issues.join(', ')}` : '';
      const pod = withPods ? ` ${cell(podText(r.pod, namespace)) || '—'} |` : '';
      lines.push(`| ${STATUS_MARK[r.status]}${code(r.address)}${issues} |${pod} ${shareCell(r.before)} | ${shareCell(r.after)} |`);
    }
    if (rows.length > MAX_ROWS) lines.push(`| … ${rows.length - MAX_ROWS} more | | |`);
    lines.push('');
  }
  return lines;
}

/** A changed service: its one port, or a heading with a subsection per changed port. */
function serviceSection(section: ServiceSection, pods: DiffReport['pods']): string[] {
  const changed = section.ports.filter((d) => d.status !== 'unchanged' && d.status !== 'not-compared');
  const h = section.heading;
  if (changed.length === 0) return [];
  return [...(h ? [`### ${cell(h.name)} — ${h.tally}`, ''] : []), ...changed.flatMap((d) => portSection(d, portLabel(d, section), h ? '####' : '###', pods))];
}

function otherSection(report: DiffReport): string[] {
  const others = otherChanges(report);
  if (others.length === 0) return [];
  const lines = [`### Other rule changes (table ${cell(report.table)})`, ''];
  for (const o of others) {
    const c = o.chain;
    const what =
      c.status === 'renamed'
        ? `renamed from ${code(c.renamedFrom ?? '?')}, same meaning`
        : c.status === 'changed'
          ? [o.added.length ? `${plural(o.added.length, 'rule')} added` : '', o.removed.length ? `${plural(o.removed.length, 'rule')} removed` : '', o.changed.length ? `${plural(o.changed.length, 'rule')} changed` : '', c.reordered === 'possible' ? 'reordered (may change behaviour)' : '', c.policy ? `policy ${code(c.policy.before ?? '-')} → ${code(c.policy.after ?? '-')}` : '', c.declaration ? `declared ${code(c.declaration.before ?? '-')} → ${code(c.declaration.after ?? '-')}` : '']
              .filter(Boolean)
              .join(', ')
          : `${c.status} (${plural(c.status === 'added' ? c.added.length : c.removed.length, 'rule')})`;
    lines.push(`- ${code(c.name)}: ${what}`);
  }
  lines.push('');
  return lines;
}

function fence(body: string): string {
  const longest = Math.max(2, ...(body.match(/`+/g) ?? []).map((m) => m.length));
  return '`'.repeat(longest + 1);
}

/** The chains that changed, as normalized text, diffed with jsdiff. */
/** Where a hunk's lines begin, 0-based (a hunk of no lines on a side gives the line it follows). */
const hunkBegin = (start: number, lines: number): number => (lines === 0 ? start : start - 1);

/**
 * Hunk b added to the end of hunk a when b begins where a ends on both sides, as one diff of the
 * whole listing would have it (a's lines grow in place: joining thousands of chains stays linear).
 */
function joinInto(a: StructuredPatchHunk, b: StructuredPatchHunk): boolean {
  const oldBegin = hunkBegin(a.oldStart, a.oldLines);
  const newBegin = hunkBegin(a.newStart, a.newLines);
  if (hunkBegin(b.oldStart, b.oldLines) !== oldBegin + a.oldLines || hunkBegin(b.newStart, b.newLines) !== newBegin + a.newLines) return false;
  a.oldLines += b.oldLines;
  a.newLines += b.newLines;
  a.oldStart = a.oldLines === 0 ? oldBegin : oldBegin + 1;
  a.newStart = a.newLines === 0 ? newBegin : newBegin + 1;
  for (const line of b.lines) a.lines.push(line);
  return true;
}

/**
 * The normalized listing of the changed chains as a unified diff. Each chain is diffed on its
 * own and its hunks moved to its lines: one diff of the whole listing is quadratic in the
 * changed lines (Myers), so thousands of changed chains took minutes.
 */
export function normalizedPatch(report: DiffReport): string {
  const listing = (c: DiffReport['chains'][number], side: 'before' | 'after'): string[] => {
    const present = side === 'before' ? c.status !== 'added' : c.status !== 'removed';
    return present ? [`:${c.name}`, ...chainListing(c, side)].map(sanitizeLine) : [];
  };
  const text = (lines: string[]): string => (lines.length > 0 ? `${lines.join('\n')}\n` : '');
  const hunks: StructuredPatchHunk[] = [];
  const offset = { before: 0, after: 0 };
  for (const c of report.chains) {
    const before = listing(c, 'before');
    const after = listing(c, 'after');
    for (const h of structuredPatch('', '', text(before), text(after), undefined, undefined, { context: 2 }).hunks) {
      const moved = { ...h, oldStart: h.oldStart + offset.before, newStart: h.newStart + offset.after };
      const last = hunks.at(-1);
      if (!last || !joinInto(last, moved)) hunks.push(moved);
    }
    offset.before += before.length;
    offset.after += after.length;
  }
  const header = `normalized ${sanitizeLine(report.table)}`;
  return formatPatch({ oldFileName: sanitizeLine(report.before.source), newFileName: sanitizeLine(report.after.source), oldHeader: header, newHeader: header, hunks });
}

export function renderMarkdown(report: DiffReport, options: MarkdownOptions): string {
  const sections = serviceSections(report, options.all);
  const listed = sections.flatMap((section) => section.ports);
  const side = (i: DiffReport['before']): string => `${code(i.source)} (${cell(sideDescription(i))})`;
  const out: string[] = [`## natdiff: ${side(report.before)} → ${side(report.after)}`, ''];
  const modes = modeNote(report);
  if (modes) out.push(`> ⚠ ${cell(modes)}`, '');
  out.push(`**${cell(summaryLine(report))}**`, '');
  if (listed.length > 0) out.push(...summaryTable(listed), '');
  const unchanged = report.summary.byService.unchanged;
  if (unchanged > 0 && !options.all) out.push(`${plural(unchanged, 'service')} unchanged.`, '');
  const notCompared = notComparedNote(report);
  if (notCompared && !options.all) out.push(`${cell(notCompared)}.`, '');
  for (const section of sections) out.push(...serviceSection(section, report.pods));
  for (const line of otherSection(report)) out.push(line);
  if (report.findings.length > 0) {
    out.push('### Notes', '', ...report.findings.map((f) => `- ${f.side === 'both' ? '' : `${f.side}: `}${cell(f.message)}`), '');
  }
  if (report.warnings.length > 0) {
    out.push('### Input warnings', '', ...report.warnings.map((w) => `- ${warningOrigin(w, report, code)}: ${cell(w.message)}`), '');
  }
  const noise = noiseNotes(report);
  if (noise.length > 0) out.push(`<sub>Ignored as noise: ${cell(noise.join(' · '))}</sub>`, '');
  if (report.chains.length > 0) {
    const patch = normalizedPatch(report);
    const f = fence(patch);
    out.push('<details>', `<summary>Normalized rule diff (table ${html(report.table)})</summary>`, '', `${f}diff`, patch.trimEnd(), f, '', '</details>', '');
  }
  out.push(`<sub>natdiff ${cell(options.toolVersion)} · ${cell(report.before.format)} → ${cell(report.after.format)}</sub>`);
  return `${out.join('\n')}\n`;
}
