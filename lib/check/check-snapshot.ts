/**
 * `natdiff check`: what is wrong in one snapshot. The service model's checks (model-checks.ts)
 * and what the reader found reading it, with what its rules show (Snapshot.lint); a fact both
 * make is said once, where it names its chain.
 */
import type { Warning } from '../errors';
import { SEVERITIES, type LintFinding, type Severity } from '../model/lint';
import type { ProxyMode } from '../model/service';
import type { Snapshot } from '../model/snapshot';
import { modelFindings, viewFindings } from './model-checks';

export interface CheckResult {
  source: string;
  format: string;
  mode: ProxyMode | null;
  /** Why the input holds only part of its rules (a fragment, a cut listing): nothing is said of the rest. */
  partial: string | null;
  /** Most severe first, then by line. */
  findings: LintFinding[];
  /** What reading the input warned about (its lines that do not parse…). */
  warnings: Warning[];
}

/** One finding per id and line: the first told (the rules', then the model's, then the reader's). */
function once(findings: LintFinding[]): LintFinding[] {
  const kept = new Map<string, LintFinding>();
  for (const f of findings) {
    const key = f.line === null ? `${f.id}:${f.message}` : `${f.id}@${f.line}`;
    if (!kept.has(key)) kept.set(key, f);
  }
  return [...kept.values()];
}

function rank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

function byPlace(x: LintFinding, y: LintFinding): number {
  return rank(x.severity) - rank(y.severity) || (x.line ?? Infinity) - (y.line ?? Infinity) || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0) || (x.message < y.message ? -1 : x.message > y.message ? 1 : 0);
}

export function checkSnapshot(snapshot: Snapshot): CheckResult {
  const view = snapshot.describe(snapshot.serviceNames());
  const rules = snapshot.lint?.() ?? [];
  const repeatedIn = new Set(rules.flatMap((f) => (f.id === 'repeated-rule' && f.chain !== null ? [f.chain] : [])));
  const findings = once([...rules, ...modelFindings(view, snapshot.ruleset), ...viewFindings(view.findings, snapshot.ruleset, repeatedIn)]).sort(byPlace);
  return { source: snapshot.source, format: snapshot.format, mode: view.model.mode, partial: snapshot.partial, findings, warnings: [...snapshot.warnings, ...view.warnings] };
}

/** Whether any finding is an error (`natdiff check` exits 1). */
export function hasErrors(result: Pick<CheckResult, 'findings'>): boolean {
  return result.findings.some((f) => f.severity === 'error');
}
