/**
 * The report of `natdiff check`: the findings grouped by severity, one line each with its id and
 * where it is (chain and line); as JSON/YAML, `{ formatVersion: 1, findings: [...] }`.
 */
import kleur from 'kleur';
import type { CheckResult } from '../check/check-snapshot';
import { SEVERITIES, type LintFinding, type Severity } from '../model/lint';
import { sanitizeLine } from '../sanitize';
import { plural } from './notation';

/** The version of the check document; a field's meaning changes only with it. */
export const CHECK_FORMAT_VERSION = 1;

export function checkDocument(result: Pick<CheckResult, 'findings'>): { formatVersion: number; findings: LintFinding[] } {
  return { formatVersion: CHECK_FORMAT_VERSION, findings: result.findings.map(({ id, severity, chain, line, message }) => ({ id, severity, chain, line, message })) };
}

const HEADINGS: Record<Severity, string> = { error: 'errors', warning: 'warnings', info: 'information' };

function paintOf(severity: Severity, color: boolean): (s: string) => string {
  if (!color) return (s) => s;
  // kleur decides on its own from the environment at load time; the caller has decided already.
  kleur.enabled = true;
  return severity === 'error' ? kleur.red : severity === 'warning' ? kleur.yellow : kleur.dim;
}

function where(f: LintFinding): string {
  if (f.chain !== null && f.line !== null) return `${sanitizeLine(f.chain)}:${f.line}`;
  if (f.chain !== null) return sanitizeLine(f.chain);
  return f.line !== null ? `line ${f.line}` : '-';
}

function counts(findings: readonly LintFinding[]): string {
  const n = (s: Severity) => findings.filter((f) => f.severity === s).length;
  return `${plural(n('error'), 'error')}, ${plural(n('warning'), 'warning')}, ${n('info')} information`;
}

export function renderCheckText(result: CheckResult, { color }: { color: boolean }): string {
  const out = [`natdiff check ${sanitizeLine(result.source)} (${sanitizeLine(result.format)}${result.mode ? `, kube-proxy ${result.mode} mode` : ''}): ${counts(result.findings)}`];
  for (const severity of SEVERITIES) {
    const group = result.findings.filter((f) => f.severity === severity);
    if (group.length === 0) continue;
    const paint = paintOf(severity, color);
    out.push('', paint(HEADINGS[severity]));
    for (const f of group) out.push(paint(`  ${f.id}  ${where(f)}  ${sanitizeLine(f.message)}`));
  }
  if (result.findings.length === 0) out.push('', 'nothing to report');
  return `${out.join('\n')}\n`;
}
