import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { signalExitCode, type StopSignal } from '../../cli/run';
import { CLI } from '../support/cli';

/**
 * In a process of its own: the signal is sent to the process that holds it. `after` is what runs
 * first: the step runs as soon as the script starts, or once a file has been read (an I/O callback,
 * as when natdiff has read its inputs).
 */
function run(step: string, after: 'start' | 'io' = 'start'): { stdout: string; status: number | null } {
  const runModule = JSON.stringify(join(CLI, '..', 'run.js'));
  const listeners = "['SIGINT', 'SIGTERM', 'SIGHUP'].map((s) => process.listenerCount(s)).join('')";
  const first = after === 'io' ? `require('node:fs').promises.readFile(${runModule})` : 'Promise.resolve()';
  const script = `${first}.then(() => require(${runModule}).uninterruptible(() => { ${step} })).then((s) => console.log(s, ${listeners}))`;
  return spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 10_000 });
}

describe('a step that must finish once started (an atomic write)', () => {
  test.each(['SIGINT', 'SIGTERM', 'SIGHUP'])('%s during it is held until it is done, then said', (signal) => {
    const r = run(`process.kill(process.pid, '${signal}'); console.log('finished');`);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`finished\n${signal} 000\n`);
  });

  test('held too when the step runs once I/O has been done (the event loop then checks for signals before it ends)', () => {
    const r = run("process.kill(process.pid, 'SIGTERM'); console.log('finished');", 'io');
    expect(r.stdout).toBe('finished\nSIGTERM 000\n');
  });

  test('of several, the first is said', () => {
    expect(run("process.kill(process.pid, 'SIGHUP'); process.kill(process.pid, 'SIGTERM');").stdout).toBe('SIGHUP 000\n');
  });

  test('without a signal it just runs', () => {
    expect(run('').stdout).toBe('null 000\n');
  });
});

test('a held signal ends natdiff as the shell reports it: 128 + its number', () => {
  expect(['SIGINT', 'SIGTERM', 'SIGHUP'].map((s) => signalExitCode(s as StopSignal))).toEqual([130, 143, 129]);
});
