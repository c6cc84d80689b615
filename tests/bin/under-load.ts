/**
 * `npm run test:load`: the whole test suite with two CPU-burning processes beside it, as on a
 * shared two-core machine. The burners are killed by pid whatever happens (the suite fails, the
 * runner is interrupted, and then the suite is too); exits with npm test's code.
 */
import { spawn } from 'node:child_process';

const BURNERS = 2;
const started = Date.now();
const burners = Array.from({ length: BURNERS }, () => spawn('sh', ['-c', 'while :; do :; done'], { stdio: 'ignore' }));

function stopBurners(): void {
  for (const b of burners) if (b.exitCode === null && b.signalCode === null) b.kill('SIGKILL');
}
process.on('exit', stopBurners);

// A process group of its own, so that a signal to this runner reaches every process of the suite.
const suite = spawn('npm', ['test'], { stdio: 'inherit', detached: true });
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    stopBurners();
    if (suite.pid !== undefined) process.kill(-suite.pid, signal);
  });
}
suite.on('error', (e) => {
  process.stderr.write(`test:load: cannot run npm test: ${e.message}\n`);
  process.exit(2);
});
suite.on('close', (code, signal) => {
  stopBurners();
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  process.stderr.write(`test:load: npm test beside ${BURNERS} CPU burners ${code === 0 ? 'passed' : `failed (${signal ?? `exit ${code}`})`} in ${seconds} s\n`);
  process.exit(code ?? 1);
});
