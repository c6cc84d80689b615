/**
 * natdiff told to stop (a `kill`, a closed terminal) while `--out` streams a report into its temp
 * file: the write is finished and put in place first, then natdiff exits as the signal asks
 * (128 + its number), leaving no temp file. The signal is sent when the temp file appears.
 */
import { mkdtempSync, readdirSync, readFileSync, watch, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { natdiffAsync } from '../support/cli';
import { scratchDir } from '../support/scratch-dir';

const RULES = 40_000;
const tmp = scratchDir('natdiff-signals-');
const BEFORE = join(tmp, 'before.txt');
const AFTER = join(tmp, 'after.txt');
// A chain that gains 40k rules with long comments: a 12 MB JSON report, streamed for a while.
writeFileSync(BEFORE, '*nat\n:BIG - [0:0]\nCOMMIT\n');
writeFileSync(AFTER, `*nat\n:BIG - [0:0]\n${`-A BIG -m comment --comment "${'x'.repeat(250)}" -j RETURN\n`.repeat(RULES)}COMMIT\n`);

test.each([
  ['SIGTERM', 143],
  ['SIGHUP', 129],
] as const)('%s while the report is written: held until it is in place, then exit %i', async (signal, code) => {
  const dir = mkdtempSync(join(tmp, 'out-'));
  const out = join(dir, 'report.json');
  const watcher = watch(dir);
  const r = await natdiffAsync(['diff', BEFORE, AFTER, '-o', 'json', '--out', out], {
    onSpawn: (child) => {
      watcher.on('change', (_, name) => {
        if (String(name).endsWith('.tmp') && !child.killed) child.kill(signal);
      });
    },
  });
  watcher.close();
  expect(r.stderr).toBe(`natdiff: interrupted (${signal}); ${out} was written in full first\n`);
  expect(r.status).toBe(code);
  expect(readdirSync(dir)).toEqual(['report.json']);
  expect(JSON.parse(readFileSync(out, 'utf8')).chains[0].rulesAdded).toHaveLength(RULES);
});
