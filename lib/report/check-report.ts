/**
 * The report of `natdiff check`. Text, on one screen: the findings by severity, then by id; the
 * places of one id listed compactly (findings that say the same thing share a line), and why the
 * id matters said once. JSON/YAML: `{ formatVersion: 1, findings: [...] }`, one finding an item,
 * each message reading on its own.
 */
import type { CheckResult } from '../check/check-snapshot';
import { SEVERITIES, type LintFinding, type Severity } from '../model/lint';
import { sanitizeLine } from '../sanitize';
import { plural } from './notation';
import { palette, type Palette } from './text';

/** The version of the check document; a field's meaning changes only with it. */
export const CHECK_FORMAT_VERSION = 1;

export type CheckDocumentFinding = Pick<LintFinding, 'id' | 'severity' | 'chain' | 'line' | 'message'>;

export function checkDocument(result: Pick<CheckResult, 'findings'>): { formatVersion: number; findings: CheckDocumentFinding[] } {
  return { formatVersion: CHECK_FORMAT_VERSION, findings: result.findings.map(({ id, severity, chain, line, message }) => ({ id, severity, chain, line, message })) };
}

const HEADINGS: Record<Severity, string> = { error: 'errors', warning: 'warnings', info: 'information' };

/** Lines of one id shown (`-o json` lists every finding). */
const MAX_LINES_PER_ID = 5;
/** Places named on a line of findings that say the same thing. */
const MAX_PLACES = 3;

/** Where a finding is: `CHAIN:LINE` (or the chain alone); `line N` for a line outside every chain. */
function placeOf(f: LintFinding): string | null {
  if (f.chain !== null) return f.line === null ? sanitizeLine(f.chain) : `${sanitizeLine(f.chain)}:${f.line}`;
  return f.line === null ? null : `line ${f.line}`;
}

/** The findings of one id that say the same thing (their detail and explanation), with their places. */
function alike(findings: readonly LintFinding[]): { detail: string; places: string[] }[] {
  const groups = new Map<string, { detail: string; places: string[] }>();
  for (const f of findings) {
    const place = placeOf(f);
    // A finding without a place says where it is in its detail: it shares a line with none.
    const key = place === null ? `\0${groups.size}` : `${f.detail}\0${f.explanation}`;
    const group = groups.get(key) ?? { detail: f.detail, places: [] };
    if (place !== null) group.places.push(place);
    groups.set(key, group);
  }
  return [...groups.values()];
}

function placesText(places: readonly string[]): string {
  const shown = places.slice(0, MAX_PLACES).join(', ');
  return places.length > MAX_PLACES ? `${shown} and ${places.length - MAX_PLACES} more` : shown;
}

/** The lines of one id, then why it matters; an explanation another id gave above is pointed to, not said again (`told`: explanation → id). */
function idLines(id: string, findings: readonly LintFinding[], paint: (s: string) => string, p: Palette, told: Map<string, string>): string[] {
  const groups = alike(findings);
  const lines = groups.slice(0, MAX_LINES_PER_ID).map((g) => `  ${paint(id)}  ${g.places.length > 0 ? `${placesText(g.places)}  ` : ''}${sanitizeLine(g.detail)}`);
  if (groups.length > MAX_LINES_PER_ID) lines.push(`  ${paint(id)}  … and ${groups.length - MAX_LINES_PER_ID} more (-o json lists every finding)`);
  for (const why of new Set(findings.map((f) => f.explanation))) {
    const before = told.get(why);
    lines.push(p.dim(`      ${before === undefined ? sanitizeLine(why) : `(as for ${before}, above)`}`));
    if (before === undefined) told.set(why, id);
  }
  return lines;
}

function counts(findings: readonly LintFinding[]): string {
  const n = (s: Severity) => findings.filter((f) => f.severity === s).length;
  return `${plural(n('error'), 'error')}, ${plural(n('warning'), 'warning')}, ${n('info')} information`;
}

export function renderCheckText(result: CheckResult, { color }: { color: boolean }): string {
  const p = palette(color);
  const paints: Record<Severity, (s: string) => string> = { error: p.removed, warning: p.changed, info: p.dim };
  const out = [`natdiff check ${sanitizeLine(result.source)} (${sanitizeLine(result.format)}${result.mode ? `, kube-proxy ${result.mode} mode` : ''}): ${counts(result.findings)}`];
  const told = new Map<string, string>();
  for (const severity of SEVERITIES) {
    const group = result.findings.filter((f) => f.severity === severity);
    if (group.length === 0) continue;
    out.push('', paints[severity](HEADINGS[severity]));
    for (const id of new Set(group.map((f) => f.id))) out.push(...idLines(id, group.filter((f) => f.id === id), paints[severity], p, told));
  }
  if (result.findings.length === 0) out.push('', 'nothing to report');
  if (result.partial !== null) out.push('', `Partial input: ${sanitizeLine(result.partial)}`);
  if (result.warnings.length > 0) out.push('', `${plural(result.warnings.length, 'warning')} about the input (printed on stderr): what it does not show is not checked`);
  return `${out.join('\n')}\n`;
}
