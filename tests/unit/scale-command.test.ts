/** `natdiff scale` leaves the process as it found it when it stops early. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ArgumentsCamelCase } from 'yargs';
import { scaleCommand } from '../../cli/commands/scale';
import type { ScaleArgs } from '../../cli/commands/scale-options';

describe('an early error', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'natdiff-scale-command-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('--report names a file that exists: refused before anything runs, and no Ctrl-C handler is left installed', async () => {
    const report = join(dir, 'incident.md');
    writeFileSync(report, 'my notes');
    const handlers = process.listenerCount('SIGINT');
    const args = { _: [], $0: 'natdiff', workload: 'deployment/web', replicas: 2, report, force: false, dir, timeout: '3m', interval: '1s', settle: '10s', dryRun: false, output: 'text' } as unknown as ArgumentsCamelCase<ScaleArgs>;
    await expect(scaleCommand(args)).rejects.toThrow(`${report}: already exists; pass --force to replace it (checked before scaling anything)`);
    expect(process.listenerCount('SIGINT')).toBe(handlers);
  });
});
