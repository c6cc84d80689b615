/** The README shows what natdiff really prints. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { natdiff, ROOT } from './support/cli';

test('the README sample is the output of `npm run demo`', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const sample = /and prints:\n\n```text\n([\s\S]*?)```/.exec(readme)?.[1];
  const demo = natdiff(['diff', 'snapshots/coredns-scale-2to4-before.txt', 'snapshots/coredns-scale-2to4-after.txt'], { env: { NO_COLOR: '1' } });
  expect(sample).toBe(demo.stdout);
});

test('the README sample of natdiff check is its output on the fixture it names', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const sample = /\n```text\n(natdiff check duplicate-endpoint\.txt [\s\S]*?)```/.exec(readme)?.[1];
  const r = natdiff(['check', 'duplicate-endpoint.txt'], { cwd: join(ROOT, 'tests', 'fixtures', 'hand-made', 'check'), env: { NO_COLOR: '1' } });
  expect(sample).toBe(r.stdout);
});
