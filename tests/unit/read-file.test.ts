/**
 * A regular file is read straight into the buffer that keeps it, slice by slice (the next slice
 * read while this one is checked), with every guarantee of reading a stream: each slice is
 * checked as it comes, a character may be cut between slices, and the file may grow or shrink
 * while read. The slices are made small here, so that small files have many.
 */
import { fc, test as prop } from '@fast-check/jest';
import { appendFileSync, mkdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { InputError } from '../../lib/errors';
import { countedIn, MemoryBudget, type ReadSoFar } from '../../lib/snapshot/memory-budget';
import { readInputBytes } from '../../lib/snapshot/read-input';
import { scratchDir } from '../support/scratch-dir';

const tmp = scratchDir('natdiff-read-file-');
/** A real dump (kube-proxy's rules for CoreDNS scaled to 4 replicas): 10 KiB, 160 slices of 64 bytes. */
const DUMP = readFileSync('snapshots/coredns-scale-2to4-after.txt');
const SLICE = 64;

let files = 0;
function file(bytes: Buffer | string): string {
  const path = join(tmp, `f${files++}.txt`);
  writeFileSync(path, bytes);
  return path;
}

/** A budget that lets everything through, and calls `onSlice` with what was read so far at each slice. */
class Watching extends MemoryBudget {
  constructor(private readonly onSlice: (soFar: ReadSoFar) => void) {
    super(Number.MAX_SAFE_INTEGER);
  }

  override reading(source: string, soFar: ReadSoFar): void {
    this.onSlice({ ...soFar });
    super.reading(source, soFar);
  }
}

const refusal = (path: string, message: string) => new InputError(message, path);

test('a real dump read in slices is the file, counted as it comes: one check a slice', async () => {
  const path = file(DUMP);
  const seen: number[] = [];
  const budget = new Watching((soFar) => seen.push(soFar.bytes));
  expect(Buffer.compare(await readInputBytes(path, { budget }, SLICE), DUMP)).toBe(0);
  expect(seen).toEqual(Array.from({ length: Math.ceil(DUMP.length / SLICE) }, (_, i) => Math.min((i + 1) * SLICE, DUMP.length)));
  expect(budget.counted()).toEqual({ bytes: DUMP.length, lines: DUMP.toString().split('\n').length - 1, objects: DUMP.toString().split('{').length - 1 });
});

test('iptables-save output that a diff may read in part is read to its end unchecked and uncounted: its lines are counted (countedIn) only if it is read whole', async () => {
  const saved = readFileSync('tests/fixtures/corpus/24-kubeadm-2018-weave-docker-iptables-save.txt');
  const seen: number[] = [];
  const budget = new Watching((soFar) => seen.push(soFar.bytes));
  expect(Buffer.compare(await readInputBytes(file(saved), { budget, mayReadInPart: true }, SLICE), saved)).toBe(0);
  expect(seen).toEqual([]);
  expect(budget.counted()).toEqual({ bytes: saved.length, lines: 0, objects: 0 });
  expect(countedIn([saved, DUMP])).toEqual({ bytes: saved.length + DUMP.length, lines: 130 + 97, objects: 0 });
});

prop.prop([fc.string({ unit: 'grapheme', minLength: 1, maxLength: 300 }).filter((s) => !s.includes('\0')), fc.integer({ min: 1, max: 40 })], { numRuns: 100 })(
  'any text reads back as written, whatever the slice size (characters cut between slices)',
  async (s, slice) => {
    const bytes = Buffer.from(s, 'utf8');
    expect(Buffer.compare(await readInputBytes(file(bytes), {}, slice), bytes)).toBe(0);
  },
);

test('a character cut between two slices is text; one made invalid there is not', async () => {
  const euroAtCut = Buffer.concat([DUMP.subarray(0, SLICE - 1), Buffer.from('€\n')]);
  expect(Buffer.compare(await readInputBytes(file(euroAtCut), {}, SLICE), euroAtCut)).toBe(0);
  const broken = Buffer.from(euroAtCut);
  broken[SLICE] = 0x41; // the euro sign's second byte, the first of the second slice
  const path = file(broken);
  await expect(readInputBytes(path, {}, SLICE)).rejects.toThrow(refusal(path, 'is not UTF-8 text, so not a dump'));
});

test('a NUL byte in the second slice: refused as binary when that slice is checked, before the next', async () => {
  const path = file(Buffer.concat([DUMP.subarray(0, SLICE + 10), Buffer.from([0]), DUMP.subarray(SLICE + 10)]));
  const seen: number[] = [];
  await expect(readInputBytes(path, { budget: new Watching((soFar) => seen.push(soFar.bytes)) }, SLICE)).rejects.toThrow(refusal(path, 'is a binary file, not a dump'));
  expect(seen).toEqual([SLICE]);
});

test('an image is refused by its first bytes', async () => {
  const path = file(Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a]), DUMP]));
  await expect(readInputBytes(path, {}, SLICE)).rejects.toThrow(refusal(path, 'is a PNG image, not a dump'));
});

test('a gzip-compressed file is read as the dump it holds', async () => {
  expect(Buffer.compare(await readInputBytes(file(gzipSync(DUMP)), {}, SLICE), DUMP)).toBe(0);
});

test('an empty file, and a directory, are refused', async () => {
  const empty = file('');
  await expect(readInputBytes(empty, {}, SLICE)).rejects.toThrow(refusal(empty, 'is empty'));
  const dir = join(tmp, 'a-directory');
  mkdirSync(dir);
  await expect(readInputBytes(dir, {}, SLICE)).rejects.toThrow(refusal(dir, 'is a directory, not a dump'));
});

describe('a file that changes while read', () => {
  // Changed once its first slice is checked: the second slice is being read then, the third not yet.
  const changedAfterFirstSlice = (change: () => void) => {
    let changed = false;
    return new Watching(() => {
      if (!changed) change();
      changed = true;
    });
  };

  test('grown: read to its new end', async () => {
    const path = file(DUMP);
    const more = Buffer.from('-A KUBE-SERVICES -j RETURN\n'.repeat(100));
    const read = await readInputBytes(path, { budget: changedAfterFirstSlice(() => appendFileSync(path, more)) }, SLICE);
    expect(Buffer.compare(read, Buffer.concat([DUMP, more]))).toBe(0);
  });

  test('shrunk: what is left of it', async () => {
    const path = file(DUMP);
    const left = 5 * SLICE + 7;
    const read = await readInputBytes(path, { budget: changedAfterFirstSlice(() => truncateSync(path, left)) }, SLICE);
    expect(Buffer.compare(read, DUMP.subarray(0, left))).toBe(0);
  });
});
