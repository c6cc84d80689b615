/**
 * The progress of a long diff: the engine reports it at a coarse grain when asked (and the answer
 * does not change), the CLI throttles it by an injected clock and writes one line to a terminal.
 */
import { fc, test as prop } from '@fast-check/jest';
import { ProgressLine, progressText, throttle } from '../../cli/progress';
import { Spinner, type LineStream } from '../../cli/spinner';
import { diffSnapshots } from '../../lib/diff/diff-snapshots';
import type { DiffReport } from '../../lib/diff/types';
import type { Snapshot } from '../../lib/model/snapshot';
import type { ProgressPhase } from '../../lib/progress';
import { parseSnapshot } from '../../lib/snapshot/load-snapshot';
import { benchCluster, scaleEvent } from '../bench/generate';
import { writeRestorePayload } from '../support/kube-proxy-writer';

describe('throttle', () => {
  test('passes the first call, then at most one per interval of the clock; the calls between are dropped', () => {
    let now = 1000;
    const passed: number[] = [];
    const f = throttle(100, () => now, (n: number) => passed.push(n));
    for (const [step, n] of [[0, 1], [50, 2], [49, 3], [1, 4], [250, 5], [0, 6], [99, 7], [1, 8]] as const) {
      now += step;
      f(n);
    }
    expect(passed).toEqual([1, 4, 5, 8]);
  });

  prop.prop([fc.array(fc.nat({ max: 300 }), { maxLength: 60 }), fc.integer({ min: 1, max: 200 })])(
    'any call times: passed calls are an interval apart, and a call is dropped only within an interval of the last passed one',
    (steps, every) => {
      let now = 0;
      let lastPassed = -Infinity;
      const f = throttle(every, () => now, () => {
        expect(now - lastPassed).toBeGreaterThanOrEqual(every);
        lastPassed = now;
      });
      for (const step of steps) {
        now += step;
        const before = lastPassed;
        f();
        if (lastPassed === before) expect(now - before).toBeLessThan(every);
      }
    },
  );
});

describe('what the line says', () => {
  test.each([
    ['reading', 45, 100, 'after.txt', 'reading after.txt 45%'],
    ['reading', 0, 0, 'empty.txt', 'reading empty.txt 0%'],
    ['modelling', 1, 2, undefined, 'building the service models 50%'],
    ['comparing', 3200, 8123, undefined, 'comparing 8123 chains 39%'],
  ] as [ProgressPhase, number, number, string | undefined, string][])('%s %d/%d', (phase, done, total, file, text) => {
    expect(progressText(phase, done, total, file)).toBe(text);
  });

  test('a file name is data, never terminal control', () => {
    expect(progressText('reading', 1, 2, 'a\u001b[2Jb.txt')).toBe('reading a\\x1b[2Jb.txt 50%');
  });
});

function fakeTerminal(isTTY: boolean): { stream: LineStream; written: string[] } {
  const written: string[] = [];
  return { stream: { isTTY, columns: 30, write: (s: string) => written.push(s) > 0 } as LineStream, written };
}

describe('the progress line on a terminal', () => {
  test('each update replaces the line, cut to the terminal width; clear erases it once', () => {
    const { stream, written } = fakeTerminal(true);
    let now = 0;
    const progress = new ProgressLine(new Spinner(stream), () => now);
    const reading = progress.callback('after.txt') as NonNullable<ReturnType<ProgressLine['callback']>>;
    reading('reading', 10, 100);
    now = 50;
    reading('reading', 20, 100);
    now = 100;
    reading('reading', 30, 100);
    progress.callback()?.('comparing', 1, 8123);
    progress.clear();
    progress.clear();
    expect(written).toEqual(['\r\u001b[2K⠋ reading after.txt 10%', '\r\u001b[2K⠙ reading after.txt 30%', '\r\u001b[2K']);
    now = 200;
    progress.callback()?.('comparing', 1, 8123);
    expect(written.at(-1)).toBe('\r\u001b[2K⠹ comparing 8123 chains 0%');
    now = 300;
    progress.callback('/var/tmp/incident-4711/worker-1/after.txt')?.('reading', 1, 2);
    expect(written.at(-1)).toBe('\r\u001b[2K⠸ reading /var/tmp/incident-…'); // 29 columns: one short of the terminal's 30
  });

  test('off (not a terminal, or --quiet): the engine gets no callback, and nothing is written', () => {
    for (const line of [new Spinner(fakeTerminal(false).stream), new Spinner(fakeTerminal(true).stream, false)]) {
      const progress = new ProgressLine(line, () => 0);
      expect(progress.callback('a.txt')).toBeUndefined();
      expect(progress.callback()).toBeUndefined();
    }
    const { stream, written } = fakeTerminal(false);
    new ProgressLine(new Spinner(stream)).clear();
    expect(written).toEqual([]);
  });
});

describe('the engine reports its progress when asked', () => {
  // 1,000 services of 10 endpoints: some 44,000 lines and 11,000 chains a side.
  const cluster = benchCluster(1000, 10, 7);
  const beforeText = writeRestorePayload(cluster, { seed: 7 });
  const afterText = writeRestorePayload(scaleEvent(cluster, 7), { seed: 8 });
  const calls: [ProgressPhase, number, number][] = [];
  const record = (phase: ProgressPhase, done: number, total: number) => calls.push([phase, done, total]);
  let readingCalls = 0;
  let before: Snapshot;
  let after: Snapshot;
  let report: DiffReport;
  beforeAll(() => {
    before = parseSnapshot(beforeText, 'before', { onProgress: record });
    readingCalls = calls.length;
    after = parseSnapshot(afterText, 'after', { alike: before, onProgress: record });
    report = diffSnapshots(before, after, { onProgress: record });
  });

  test('reading: characters of the text, every 16,384 lines, rising', () => {
    const reading = calls.filter(([phase]) => phase === 'reading');
    const first = reading.slice(0, readingCalls);
    expect(first.length).toBe(Math.floor(beforeText.split('\n').length / 16384));
    expect(first.every(([, done, total], i) => total === beforeText.length && done > 0 && done < total && (i === 0 || done > (first[i - 1] as [ProgressPhase, number, number])[1]))).toBe(true);
    expect(reading.slice(readingCalls).every(([, , total]) => total === afterText.length)).toBe(true);
  });

  test('then the service models, side by side, then the chain pairs every 4,096', () => {
    const rest = calls.filter(([phase]) => phase !== 'reading');
    expect(rest.slice(0, 2)).toEqual([['modelling', 0, 2], ['modelling', 1, 2]]);
    const comparing = rest.slice(2);
    expect(comparing.length).toBeGreaterThan(1);
    expect(comparing.map(([phase, done]) => [phase, done])).toEqual(comparing.map((_, i) => ['comparing', 4096 * (i + 1)]));
    expect(new Set(comparing.map(([, , total]) => total)).size).toBe(1);
  });

  test('and answers as it does unasked', () => {
    const unasked = diffSnapshots(before, after);
    expect(report.summary).toEqual(unasked.summary);
    expect(report.services).toEqual(unasked.services);
  });
});
