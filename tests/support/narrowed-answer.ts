/**
 * The narrowed reading's contract (lib/narrow): a pair read narrowed answers as the pair read
 * whole — the same changed services (field for field), chains, noise and summary — except that
 * unchanged services are not listed and nothing is said about what was left unread.
 */
import { diffSnapshots } from '../../lib/diff/diff-snapshots';
import type { DiffReport } from '../../lib/diff/types';
import { InputError } from '../../lib/errors';
import { reportDocument } from '../../lib/report/json';
import { loadPair } from '../../lib/snapshot/load-pair';

const input = (source: string, text: string) => ({ source, bytes: Buffer.from(text) });

export function report(a: string, b: string, narrow: boolean): DiffReport {
  const [before, after] = loadPair(input('a', a), input('b', b), { narrow });
  return diffSnapshots(before, after);
}

/** What must not change: everything but the unchanged services listed, and findings and warnings. */
export function answer(r: DiffReport): unknown {
  const doc = reportDocument(r, 'test', { all: true }) as Record<string, unknown>;
  const services = (doc.services as { status: string }[]).filter((s) => s.status !== 'unchanged');
  return { ...doc, services, findings: null, warnings: null };
}

/** The report, or the message of the InputError that refuses the pair. */
export function refusalOr(make: () => DiffReport): DiffReport | string {
  try {
    return make();
  } catch (e) {
    if (e instanceof InputError) return e.message;
    throw e;
  }
}

const said = (r: DiffReport) => [...r.findings, ...r.warnings].map((x) => `${x.side}: ${x.message}`);

/** The pair read narrowed and read whole: the same answer, and nothing said that the whole reading does not say. */
export function expectSameAnswer(a: string, b: string): DiffReport | null {
  const whole = refusalOr(() => report(a, b, false));
  const narrowed = refusalOr(() => report(a, b, true));
  if (typeof whole === 'string' || typeof narrowed === 'string') {
    expect(narrowed).toEqual(whole);
    return null;
  }
  expect(answer(narrowed)).toEqual(answer(whole));
  const all = new Set(said(whole));
  expect(said(narrowed).filter((s) => !all.has(s))).toEqual([]);
  return narrowed;
}

/** Whether the pair read narrowed answers otherwise than read whole (expectSameAnswer's test, as a value). */
export function answersDiffer(a: string, b: string): boolean {
  const whole = refusalOr(() => report(a, b, false));
  const narrowed = refusalOr(() => report(a, b, true));
  if (typeof whole === 'string' || typeof narrowed === 'string') return narrowed !== whole;
  if (JSON.stringify(answer(narrowed)) !== JSON.stringify(answer(whole))) return true;
  const all = new Set(said(whole));
  return said(narrowed).some((s) => !all.has(s));
}
