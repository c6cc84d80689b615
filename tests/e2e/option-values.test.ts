/**
 * Option values are checked before a command runs anything: a missing, empty or malformed value
 * is one line naming the option and exit 2. Never a fallback: `natdiff snap --node ''` once
 * captured this machine and exited 0. Every tool natdiff could run (iptables-save, ip, ssh,
 * kubectl) is shadowed on PATH by one that records being run: none may be.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectOneLineError, natdiffAsync } from '../support/cli';

const BEFORE = 'snapshots/coredns-scale-2to4-before.txt';
const AFTER = 'snapshots/coredns-scale-2to4-after.txt';
const TOOLS = ['iptables-save', 'iptables-nft-save', 'iptables-legacy-save', 'ip', 'ssh', 'kubectl'];

const tmp = mkdtempSync(join(tmpdir(), 'natdiff-options-'));
const bin = join(tmp, 'bin');
const ranLog = join(tmp, 'ran.log');
const dir = join(tmp, 'snapshots');
mkdirSync(bin);
for (const tool of TOOLS) {
  writeFileSync(join(bin, tool), `#!/bin/sh\necho "${tool} $*" >> "${ranLog}"\nexit 1\n`);
  chmodSync(join(bin, tool), 0o755);
}
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const help = (command: string) => ` \\(natdiff ${command} --help for usage\\)$`;

describe('a value that is missing, empty or malformed: one line naming the option, exit 2, nothing run', () => {
  test.concurrent.each([
    ['diff --service with no value', ['diff', BEFORE, AFTER, '--service'], `--service needs a value${help('diff')}`],
    ['diff --service= after another --service', ['diff', BEFORE, AFTER, '--service', 'kube-system/kube-dns', '--service='], `--service needs a value${help('diff')}`],
    ['diff -n \'\'', ['diff', BEFORE, AFTER, '-n', ''], `-n needs a value${help('diff')}`],
    ['diff --payload abc (once "NaN")', ['diff', BEFORE, AFTER, '--payload', 'abc'], `--payload abc: needs a whole number: 1 for the first payload, -1 for the last${help('diff')}`],
    ['diff --color=banana (once read as --no-color)', ['diff', BEFORE, AFTER, '--color=banana'], `--color=banana: --color takes no value${help('diff')}`],
    ['diff --out with no value (once the report went to stdout)', ['diff', BEFORE, AFTER, '--out'], `--out needs a value${help('diff')}`],
    ['diff --out \'\'', ['diff', BEFORE, AFTER, '--out', ''], `--out needs a value${help('diff')}`],
    ['diff with an empty file name', ['diff', '', AFTER], `BEFORE is empty: name a file, or - for stdin${help('diff')}`],
    ['snap --node \'\' (once captured this machine)', ['snap', '--node', '', '--dir', dir], `--node needs a value${help('snap')}`],
    ['snap --node followed by another option', ['snap', '--node', '--via', 'debug', '--dir', dir], `--node needs a value${help('snap')}`],
    ['snap --node given twice', ['snap', '--node', 'a', '--node', 'b', '--dir', dir], `--node is given 2 times; give it once${help('snap')}`],
    ['snap --netns=', ['snap', '--netns=', '--dir', dir], `--netns needs a value${help('snap')}`],
    ['snap --ssh=', ['snap', '--ssh=', '--dir', dir], `--ssh needs a value${help('snap')}`],
    ['snap --context \'\'', ['snap', '--context', '', '--dir', dir], `--context needs a value${help('snap')}`],
    ['snap --kubeconfig \'\'', ['snap', '--kubeconfig', '', '--dir', dir], `--kubeconfig needs a value${help('snap')}`],
    ['snap --label \'\'', ['snap', '--label', '', '--dir', dir], `--label needs a value${help('snap')}`],
    ['snap --dir \'\'', ['snap', '--dir', ''], `--dir needs a value${help('snap')}`],
    ['snap --out with no value', ['snap', '--dir', dir, '--out'], `--out needs a value${help('snap')}`],
    ['snap --exec with no command', ['snap', '--exec', '--dir', dir], `--exec needs a command after --, e.g. natdiff snap --exec -- iptables-save -t nat${help('snap')}`],
    ['snapshots --dir \'\'', ['snapshots', '--dir', ''], `--dir needs a value${help('snapshots')}`],
    ['scale --replicas 1.5', ['scale', 'deployment/web', '--replicas', '1.5', '--node', 'n1', '--dir', dir], `--replicas 1\\.5: needs a whole number, 0 or more${help('scale')}`],
    ['scale --replicas abc (once "NaN")', ['scale', 'deployment/web', '--replicas', 'abc', '--node', 'n1', '--dir', dir], `--replicas abc: needs a whole number, 0 or more${help('scale')}`],
    ['scale --replicas \'\' (a number option once read it as 0)', ['scale', 'deployment/web', '--replicas', '', '--node', 'n1', '--dir', dir], `--replicas needs a value${help('scale')}`],
    ['scale --timeout xx (once found after the before snapshot)', ['scale', 'deployment/web', '--replicas', '2', '--node', 'n1', '--dir', dir, '--timeout', 'xx'], `--timeout xx: not a duration; try 30s, 3m or 1m30s${help('scale')}`],
    ['scale --interval 1x', ['scale', 'deployment/web', '--replicas', '2', '--node', 'n1', '--dir', dir, '--interval', '1x'], `--interval 1x: not a duration; try 30s, 3m or 1m30s${help('scale')}`],
    ['scale --settle=', ['scale', 'deployment/web', '--replicas', '2', '--node', 'n1', '--dir', dir, '--settle='], `--settle needs a value${help('scale')}`],
    ['scale --command-timeout 5q', ['scale', 'deployment/web', '--replicas', '2', '--node', 'n1', '--dir', dir, '--command-timeout', '5q'], `--command-timeout 5q: not a duration; try 30s, 3m or 1m30s${help('scale')}`],
  ])('%s', async (_, args, message) => {
    const r = await natdiffAsync(args, { env: { PATH: `${bin}:${process.env.PATH}` } });
    expectOneLineError(r, new RegExp(`^natdiff: ${message}`));
    // The same temp dir serves every case: a case that ran a tool shows up here in its own failure.
    expect(existsSync(ranLog) ? readFileSync(ranLog, 'utf8') : '').toBe('');
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
  });
});

describe('well-formed values still work', () => {
  test('--color=false and --no-color turn colour off; --payload -1 is the last payload', async () => {
    const off = await natdiffAsync(['diff', BEFORE, AFTER, '--color=false'], { env: { FORCE_COLOR: '1' } });
    expect(off.status).toBe(1);
    expect(off.stdout).not.toContain('\u001b[');
    expect((await natdiffAsync(['diff', BEFORE, AFTER, '--no-color'], { env: { FORCE_COLOR: '1' } })).stdout).toBe(off.stdout);
    const last = await natdiffAsync(['diff', AFTER, 'snapshots/kube-proxy-v5-restore.log', '--payload', '-1', '-q']);
    expect(last).toEqual({ status: 1, stdout: '', stderr: '' });
  });
});
