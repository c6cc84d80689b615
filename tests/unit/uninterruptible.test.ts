import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { CLI } from '../support/cli';

/** In a process of its own: Ctrl-C is sent to the process that holds it. */
function run(step: string): { stdout: string; status: number | null } {
  const runModule = join(CLI, '..', 'run.js');
  const script = `require(${JSON.stringify(runModule)}).uninterruptible(() => { ${step} }).then((i) => console.log(i, process.listenerCount('SIGINT')))`;
  return spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 10_000 });
}

describe('a step that must finish once started (an atomic write)', () => {
  test('Ctrl-C during it is held until it is done, then said', () => {
    const r = run("process.kill(process.pid, 'SIGINT'); console.log('finished');");
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('finished\ntrue 0\n');
  });

  test('without Ctrl-C it just runs', () => {
    expect(run('').stdout).toBe('false 0\n');
  });
});
