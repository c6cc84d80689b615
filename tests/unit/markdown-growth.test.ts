/**
 * The Markdown report's normalized rule diff grows with the number of changed chains, never
 * faster: 4,000 chains each with one rule changed took 7 s, 8,000 took 44 s and 16,000 took 8
 * minutes when the whole listing was one jsdiff (Myers' diff is quadratic in the changed lines).
 * Time is compared, never limited: rendering 4N must take under 8 times as long as N (a square
 * would take 16), in CPU time, the best of a few rounds taken in turn.
 */
import { applyPatch } from 'diff';
import type { DiffReport } from '../../lib/diff/types';
import { renderMarkdown } from '../../lib/report/markdown';
import { growthRatio } from '../support/growth';
import { diffTexts } from '../support/snapshots';

const ROUNDS = 3;

/** `n` chains, each with its one rule changed (RETURN → ACCEPT). */
function changedRulesReport(n: number): DiffReport {
  const dump = (target: string) => {
    const names = Array.from({ length: n }, (_, i) => `C${i}`);
    return `*nat\n${names.map((c) => `:${c} - [0:0]`).join('\n')}\n${names.map((c) => `-A ${c} -j ${target}`).join('\n')}\nCOMMIT\n`;
  };
  return diffTexts(dump('RETURN'), dump('ACCEPT'));
}

test('the normalized rule diff of 4 times as many changed chains takes under 8 times as long', () => {
  const small = changedRulesReport(1_000);
  const large = changedRulesReport(4_000);
  expect(large.chains).toHaveLength(4_000);
  const render = (report: DiffReport) => () => void renderMarkdown(report, { all: false, toolVersion: 'v' });
  expect(growthRatio(render(small), render(large), ROUNDS)).toBeLessThan(8);
});

test('the normalized rule diff applies to the before listing and gives the after listing (chains changed, removed and added)', () => {
  const before = '*nat\n:C0 - [0:0]\n:C1 - [0:0]\n:C2 - [0:0]\n-A C0 -j RETURN\n-A C1 -j RETURN\n-A C2 -j RETURN\n-A C2 -j DROP\nCOMMIT\n';
  const after = '*nat\n:C0 - [0:0]\n:C2 - [0:0]\n:C3 - [0:0]\n-A C0 -j ACCEPT\n-A C2 -j RETURN\n-A C2 -j ACCEPT\n-A C3 -j MASQUERADE\nCOMMIT\n';
  const report = diffTexts(before, after);
  expect(report.chains.map((c) => `${c.name} ${c.status}`)).toEqual(['C0 changed', 'C1 removed', 'C2 changed', 'C3 added']);
  const md = renderMarkdown(report, { all: false, toolVersion: 'v' });
  const patch = md.slice(md.indexOf('```diff\n') + 8, md.lastIndexOf('\n```'));
  const listing = (lines: string[]) => `${lines.join('\n')}\n`;
  expect(applyPatch(listing([':C0', '-A C0 -j RETURN', ':C1', '-A C1 -j RETURN', ':C2', '-A C2 -j RETURN', '-A C2 -j DROP']), patch)).toBe(
    listing([':C0', '-A C0 -j ACCEPT', ':C2', '-A C2 -j RETURN', '-A C2 -j ACCEPT', ':C3', '-A C3 -j MASQUERADE']),
  );
});
