/**
 * The progress line of a large diff, seen from outside: on a terminal (a pseudo-terminal here)
 * it names each phase and is erased before the report; with --quiet, and in a pipe, there is none.
 */
import { appendFileSync, copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generatePair, type GeneratedPair } from '../bench/generate';
import { natdiffAsync } from '../support/cli';
import { natdiffInTerminal, terminalUnavailableReason } from '../support/terminal';

const ERASE = '\r\u001b[2K';
const PROGRESS = /^. (reading \S+ \d+%|building the service models \d+%|comparing \d+ chains \d+%)$/;

// 500 services of 10 endpoints: some 22,000 lines a side, over the 16,384 after which the engine
// first reports its progress. Slow on a loaded machine: the CLI may take its time.
const tmp = mkdtempSync(join(tmpdir(), 'natdiff-progress-'));
let pair: GeneratedPair;
beforeAll(() => {
  pair = generatePair(tmp, 500, 10);
});
const piped = (args: string[]) => natdiffAsync(args, { timeoutMs: 120_000 });
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const noTerminal = terminalUnavailableReason();
if (noTerminal) console.warn(`skipping the progress tests on a terminal: ${noTerminal}`);

(noTerminal ? describe.skip : describe)('on a terminal', () => {
  test('one line names the phases, and is erased before the report, which is the one a pipe gets', async () => {
    const tty = natdiffInTerminal(['diff', pair.before, pair.after, '--no-color']);
    expect(tty.status).toBe(1);
    // The first report of each phase passes the throttle: the first file is always named.
    expect(tty.output).toMatch(new RegExp(`^${ERASE.replace('[', '\\[')}. reading ${pair.before} \\d+%`));
    const erased = tty.output.lastIndexOf(ERASE);
    const shown = tty.output.slice(0, erased).split(ERASE).filter((s) => s !== '');
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.filter((s) => !PROGRESS.test(s))).toEqual([]);
    const report = tty.output.slice(erased + ERASE.length).replace(/\r\n/g, '\n');
    expect(report).toBe((await piped(['diff', pair.before, pair.after])).stdout);
  });

  test('--quiet: nothing at all, only the exit code', () => {
    expect(natdiffInTerminal(['diff', '-q', pair.before, pair.after])).toEqual({ status: 1, output: '' });
  });
});

test('in a pipe: stdout is the report, stderr the warnings about the input and nothing else', async () => {
  const cut = join(tmp, 'after-cut.txt');
  copyFileSync(pair.after, cut);
  appendFileSync(cut, '...\n');
  const r = await piped(['diff', pair.before, cut]);
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(/^natdiff: warning: after \S+after-cut\.txt:\d+: lines were cut here by whoever made this file; what is missing cannot be diffed\nnatdiff: warning: after \S+after-cut\.txt: has lines left out by whoever made it \(a `\.\.\.` line\): what it does not hold is not compared\n$/);
  expect(r.stdout).toMatch(/^natdiff \S+500-before\.txt/);
});
