/**
 * A report as long as its input renders in every format: no writer passes an input-sized list
 * as the arguments of one call (`push(...lines)`), which overflows the stack past about 120k.
 */
import type { ChainDiff, DiffReport } from '../../lib/diff/types';
import { renderJson } from '../../lib/report/json';
import { renderMarkdown } from '../../lib/report/markdown';
import { renderText } from '../../lib/report/text';
import { renderYaml } from '../../lib/report/yaml';
import { diffTexts } from '../support/snapshots';

const CHAINS = 130_000;

/** The report of CHAINS chains whose policy changed (built directly: parsing as many would be slow). */
function manyChangedChains(): DiffReport {
  const one = diffTexts('*nat\n:C - [0:0]\nCOMMIT\n', '*nat\n:C DROP [0:0]\nCOMMIT\n');
  const [template] = one.chains as [ChainDiff];
  const chains = Array.from({ length: CHAINS }, (_, i): ChainDiff => ({ ...template, name: `C${i}`, rules: { ...template.rules, beforeName: `C${i}` } }));
  return { ...one, chains };
}

describe(`${CHAINS} changed chains`, () => {
  const report = manyChangedChains();

  test('the template is one changed chain: its policy', () => {
    expect(report.chains[0]).toMatchObject({ name: 'C0', status: 'changed', policy: { before: null, after: 'DROP' } });
  });

  test.each([
    ['text', () => renderText(report, { color: false, all: false })],
    ['markdown', () => renderMarkdown(report, { all: false, toolVersion: 'v' })],
    ['json', () => renderJson(report, 'v', { all: true })],
    ['yaml', () => renderYaml(report, 'v', { all: true })],
  ])('%s: every chain is in the report', (_, render) => {
    const out = render();
    expect(out).toContain(`C${CHAINS - 1}`);
  });
});
