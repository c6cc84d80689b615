/**
 * The first pass of a diff's second input made on a worker thread (lib/snapshot/first-pass-thread.ts)
 * gives the answer of both passes made on one thread: the split crosses the threads and is made
 * whole again, and a thread that fails leaves the pass to this one. The worker's code is tsc's
 * output (`npm test` builds it first), as a library user runs it; the CLI's is the bundle's.
 */
import { once } from 'node:events';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { diffSnapshots } from '../lib/diff/diff-snapshots';
import { startFirstPassThread, TWO_THREADS_FROM_BYTES, type FirstPassThread, type SplitAnswer, type SplitRequest } from '../lib/snapshot/first-pass-thread';
import { loadPair, loadPairOnTwoThreads, type InputBytes } from '../lib/snapshot/load-pair';
import { benchCluster, scaleEvent } from './bench/generate';
import { natdiff, ROOT } from './support/cli';
import { writeRestorePayload, type ClusterSpec } from './support/kube-proxy-writer';
import { answer } from './support/narrowed-answer';
import { toSaveFormat } from './support/save-format';
import { scratchDir } from './support/scratch-dir';
import { bundled, fixture } from './support/snapshots';

const WORKER = join(ROOT, 'dist', 'lib', 'snapshot', 'first-pass-worker.js');
const dump = (c: ClusterSpec, seed: number) => toSaveFormat(writeRestorePayload(c, { seed }));
const input = (source: string, text: string): InputBytes => ({ source, bytes: Buffer.from(text) });
const dir = scratchDir('natdiff-threads-');

function started(code = WORKER): FirstPassThread {
  const thread = startFirstPassThread(code);
  if (!thread) throw new Error(`${code} is missing: run npm run build (npm test does)`);
  return thread;
}

async function onTwoThreads(before: string, after: string, code?: string) {
  const thread = started(code);
  try {
    return await loadPairOnTwoThreads(input('a', before), input('b', after), thread);
  } finally {
    thread.close();
  }
}

const cluster = benchCluster(300, 6, 11);
const pairs: [string, string, string][] = [
  ['a generated cluster and its scale event', dump(cluster, 11), dump(scaleEvent(cluster, 11), 12)],
  ['the bundled coredns pair', bundled('coredns-scale-2to4-before.txt'), bundled('coredns-scale-2to4-after.txt')],
  ['two restore payloads', writeRestorePayload(cluster, { seed: 11 }), writeRestorePayload(scaleEvent(cluster, 11), { seed: 12 })],
  ['a restore payload against an iptables-save (meanings made ahead, on both threads)', writeRestorePayload(cluster, { seed: 11 }), dump(scaleEvent(cluster, 11), 12)],
  ['a pair the first pass cannot narrow (counters on rules)', dump(cluster, 11).replace(/^-A /gm, '[3:180] -A '), dump(scaleEvent(cluster, 11), 12)],
];

describe.each(pairs)('%s', (_, before, after) => {
  test('the first pass on a worker thread answers as on this thread, and leaves as much unread', async () => {
    const [b, a] = await onTwoThreads(before, after);
    const [b1, a1] = loadPair(input('a', before), input('b', after));
    expect(answer(diffSnapshots(b, a))).toEqual(answer(diffSnapshots(b1, a1)));
    expect(a.alikeUnread).toEqual(a1.alikeUnread);
  });
});

test('a worker thread ends once it has answered (its memory is given back then, not when the other thread is done): asked again, it does not answer', async () => {
  const worker = new Worker(WORKER);
  const ended = once(worker, 'exit').then(([code]) => `ended with ${code}`);
  const [, , after] = pairs[0] as [string, string, string];
  const bytes = new Uint8Array(new SharedArrayBuffer(after.length));
  bytes.set(Buffer.from(after));
  const ask = () => {
    worker.postMessage({ reader: 'iptables', bytes } satisfies SplitRequest);
    return once(worker, 'message') as Promise<[SplitAnswer]>;
  };
  try {
    const [answer] = await ask();
    expect('split' in answer && answer.split).toBeTruthy();
    expect(await Promise.race([ended, ask().then(() => 'answered again')])).toBe('ended with 0');
  } finally {
    await worker.terminate();
  }
});

test('a worker thread that fails leaves the first pass to this thread: the same answer', async () => {
  const failing = join(dir, 'failing-worker.js');
  writeFileSync(failing, "require('node:worker_threads').parentPort.on('message', () => { throw new Error('broken'); });\n");
  const [, before, after] = pairs[0] as [string, string, string];
  const [b, a] = await onTwoThreads(before, after, failing);
  const [b1, a1] = loadPair(input('a', before), input('b', after));
  expect(answer(diffSnapshots(b, a))).toEqual(answer(diffSnapshots(b1, a1)));
  expect(a.alikeUnread?.servicePorts).toBeGreaterThan(0);
});

test('a worker thread that fails as it starts leaves the first pass to this thread', async () => {
  const failing = join(dir, 'failing-at-start.js');
  writeFileSync(failing, "throw new Error('broken at start');\n");
  const thread = started(failing);
  const [, before, after] = pairs[0] as [string, string, string];
  try {
    const [b, a] = await loadPairOnTwoThreads(input('a', before), input('b', after), thread);
    expect(answer(diffSnapshots(b, a))).toEqual(answer(diffSnapshots(...loadPair(input('a', before), input('b', after)))));
  } finally {
    thread.close();
  }
});

test('the CLI splits inputs of several megabytes on two threads and answers as it does for the same input from stdin (one thread)', () => {
  const big = benchCluster(2000, 8, 5);
  const before = join(dir, 'before.txt');
  const after = join(dir, 'after.txt');
  writeFileSync(before, dump(big, 5));
  writeFileSync(after, dump(scaleEvent(big, 5), 6));
  expect([before, after].every((f) => statSync(f).size >= TWO_THREADS_FROM_BYTES)).toBe(true);
  const files = natdiff(['diff', before, after, '-o', 'json']);
  const piped = natdiff(['diff', before, '-', '-o', 'json'], { input: dump(scaleEvent(big, 5), 6) });
  expect(files.status).toBe(1);
  expect(files.stderr).toBe('');
  expect(files.stdout.replaceAll(JSON.stringify(after), '"stdin"')).toBe(piped.stdout);
});

test('two large dumps are read at once, but of two refused the first is told, as when they are read one after the other', () => {
  const big = dump(benchCluster(2000, 8, 5), 5);
  const before = join(dir, 'binary-before.txt');
  const after = join(dir, 'binary-after.txt');
  // Refused as binary once read in part: the second refusal may come first.
  writeFileSync(before, `${big}\0\n`);
  writeFileSync(after, `${big.slice(0, 1000)}\0\n${big}`);
  expect([before, after].every((f) => statSync(f).size >= TWO_THREADS_FROM_BYTES)).toBe(true);
  const run = natdiff(['diff', before, after]);
  expect(run.status).toBe(2);
  expect(run.stderr).toBe(`natdiff: ${before}: is a binary file, not a dump\n`);
});

test('when the first input cannot be narrowed, the thread is closed without waiting for its answer (both are read whole)', async () => {
  let closed = 0;
  // A thread that never answers: waiting for it would never end.
  const silent: FirstPassThread = { split: () => new Promise<unknown>(() => undefined), close: () => void closed++ };
  const [, , after] = pairs[0] as [string, string, string];
  // Counters on its rules (iptables-save -c): read whole.
  const counted = writeRestorePayload(cluster, { seed: 11 }).replace(/^-A /gm, '[3:180] -A ');
  const [b, a] = await loadPairOnTwoThreads(input('a', counted), input('b', after), silent);
  expect(closed).toBe(1);
  expect(a.alikeUnread).toBeUndefined();
  expect(answer(diffSnapshots(b, a))).toEqual(answer(diffSnapshots(...loadPair(input('a', counted), input('b', after)))));
});

test('when the inputs are of a format with no first pass (nftables listings), the thread is closed before they are read', async () => {
  let closed = 0;
  let closedWhenRead = -1;
  const silent: FirstPassThread = { split: () => new Promise<unknown>(() => undefined), close: () => void closed++ };
  const listing = fixture('nftables', 'k8s-1.30-1.33.list.txt');
  const onStep = (step: string) => {
    if (step === 'parse') closedWhenRead = closed;
  };
  const [b, a] = await loadPairOnTwoThreads(input('a', listing), input('b', listing), silent, { onStep });
  expect(closedWhenRead).toBe(1);
  expect(answer(diffSnapshots(b, a))).toEqual(answer(diffSnapshots(...loadPair(input('a', listing), input('b', listing)))));
});
