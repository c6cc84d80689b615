/** The README shows what the demo really prints. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { natdiff, ROOT } from './support/cli';

test('the README sample is the output of `npm run demo`', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const sample = /and prints:\n\n```text\n([\s\S]*?)```/.exec(readme)?.[1];
  const demo = natdiff(['diff', 'snapshots/coredns-scale-2to4-before.txt', 'snapshots/coredns-scale-2to4-after.txt'], { env: { NO_COLOR: '1' } });
  expect(sample).toBe(demo.stdout);
});

test('the README trace sample is what natdiff trace prints', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const sample = /`natdiff trace snapshots\/coredns-scale-2to4-after\.txt --to 10\.96\.0\.10:53\/udp` prints:\n\n```text\n([\s\S]*?)```/.exec(readme)?.[1];
  const trace = natdiff(['trace', 'snapshots/coredns-scale-2to4-after.txt', '--to', '10.96.0.10:53/udp'], { env: { NO_COLOR: '1' } });
  expect(sample).toBe(trace.stdout);
});

test('the README sections are whole: the trace section follows the drift JSON, and holds its own', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const trace = readme.slice(readme.indexOf('## `natdiff trace`'), readme.indexOf('## Reports'));
  expect(trace).not.toContain('"nodes"');
  expect(trace).toMatch(/```json\n\{\n {2}"formatVersion": 1,\n {2}"destinations"/);
});
