import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../lib/snapshot/write-file';
import { scratchDir } from '../support/scratch-dir';

/** The pid of a process that has ended. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
  return Number(child.stdout.trim());
}

describe('temp files of writers killed with SIGKILL', () => {
  const stale = scratchDir('natdiff-stale-');
  const temp = scratchDir('natdiff-temp-');

  test('go with the next write to that directory; a live writer\'s stays', () => {
    const dir = stale;
    const dead = `.report.json.${deadPid()}.0123456789ab.tmp`;
    const live = `.report.json.${process.pid}.0123456789ab.tmp`;
    const notOurs = '.report.json.tmp';
    for (const name of [dead, live, notOurs]) writeFileSync(join(dir, name), 'half a report');
    writeFileAtomic(join(dir, 'other.md'), 'x\n');
    expect(readdirSync(dir).sort()).toEqual([live, notOurs, 'other.md'].sort());
    expect(readFileSync(join(dir, 'other.md'), 'utf8')).toBe('x\n');
  });

  test('the temp file of a write names its writer', () => {
    const dir = temp;
    let seen: string[] = [];
    writeFileAtomic(join(dir, 'r.json'), (function* () {
      seen = readdirSync(dir);
      yield '{}';
    })());
    expect(seen).toEqual([expect.stringMatching(new RegExp(`^\\.r\\.json\\.${process.pid}\\.[0-9a-f]{12}\\.tmp$`))]);
  });
});
