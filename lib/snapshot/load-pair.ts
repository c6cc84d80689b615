/**
 * The two inputs of a diff as snapshots. When both are of a format whose reader can narrow
 * (lib/narrow), what they hold written alike is left unread — unchanged, and counted — and only
 * the rest is read; otherwise both are read whole, the second alike the first.
 */
import type { SnapshotMetadata } from '../model/metadata';
import type { Snapshot } from '../model/snapshot';
import { narrowHere, type FirstPass } from '../narrow/first-pass';
import type { Narrowing } from '../narrow/narrowing';
import type { FormatName } from '../parse/format-names';
import type { Reader } from '../parse/reader';
import { detectReader, readerNamed } from '../parse/registry';
import type { FirstPassThread } from './first-pass-thread';
import type { OnProgress } from '../progress';
import { parseSnapshot, type LoadOptions } from './load-snapshot';
import { countedIn, type MemoryBudget } from './memory-budget';
import { decodeInput } from './read-input';

/** An input as read: its bytes and what to call it. */
export interface InputBytes {
  source: string;
  /** Emptied once read, with PairOptions.release. */
  bytes: Buffer;
  /** Its metadata, when known already (LoadOptions.metadata): its header is then not read. */
  metadata?: SnapshotMetadata | null;
}

export interface PairOptions extends Omit<LoadOptions, 'alike' | 'onProgress'> {
  /** Leave unread what both inputs hold written alike (default); false reads both whole. */
  narrow?: boolean;
  /** Progress of reading one input. */
  onProgress?: (source: string) => OnProgress | undefined;
  /** Told as each step begins: the first pass over both inputs, then the reading of what it left (or of both whole; with `release`, the bytes already let go). */
  onStep?: (step: 'first pass' | 'parse') => void;
  /** What the inputs were counted to hold as read (ReadOptions.mayReadInPart): what is to be read of them must fit. */
  budget?: MemoryBudget;
  /**
   * Let go of the inputs' bytes (InputBytes.bytes set empty) as soon as the first pass has cut
   * what is left to read out of them: a large input's bytes are most of the memory a diff holds.
   */
  release?: boolean;
}

const EMPTY = Buffer.alloc(0);

/** Detection reads the first lines only: the narrowing reader then checks every line itself. */
const SAMPLE_BYTES = 64 * 1024;

function narrowingReader(input: InputBytes, options: PairOptions) {
  if (options.format && options.format !== 'auto') return readerNamed(options.format);
  const sample = decodeInput(input.bytes.subarray(0, SAMPLE_BYTES));
  return detectReader(sample, input.source);
}

/** Both inputs read, the second alike the first: `text` is what is read of each (all of it, or a first pass's excerpt). */
function readBoth(inputs: [InputBytes, InputBytes], text: (side: 0 | 1) => string, options: LoadOptions & Pick<PairOptions, 'onProgress'>, extra: (side: 0 | 1) => LoadOptions = () => ({})): [Snapshot, Snapshot] {
  const load = (side: 0 | 1, alike?: Snapshot) => parseSnapshot(text(side), inputs[side].source, { ...options, ...extra(side), alike, metadata: inputs[side].metadata, onProgress: options.onProgress?.(inputs[side].source) });
  const b = load(0);
  return [b, load(1, b)];
}

/** The narrowing reader both inputs are of, if any. */
function commonFirstPass(before: InputBytes, after: InputBytes, options: PairOptions): Reader | null {
  const reader = options.narrow === false || options.allowTruncated ? null : narrowingReader(before, options);
  return reader?.firstPass && narrowingReader(after, options) === reader ? reader : null;
}

/** Both inputs as snapshots, the first pass (if any) over both on this thread. */
export function loadPair(before: InputBytes, after: InputBytes, options: PairOptions = {}): [Snapshot, Snapshot] {
  const reader = commonFirstPass(before, after, options);
  if (!reader?.firstPass) return readPair([before, after], null, null, options);
  options.onStep?.('first pass');
  const progress = { before: options.onProgress?.(before.source), after: options.onProgress?.(after.source) };
  return readPair([before, after], narrowHere(reader.firstPass, before.bytes, after.bytes, progress), reader, options);
}

/** An input with its first pass made, to be read against several others (natdiff scale's polls, drift's nodes). */
export interface SplitInput {
  input: InputBytes;
  reader: Reader;
  split: unknown;
}

/** The input's first pass; null when its reader has none or cannot narrow it. */
export function splitInput(input: InputBytes, options: Pick<PairOptions, 'format'> = {}): SplitInput | null {
  const reader = narrowingReader(input, options);
  const split = reader.firstPass?.split(input.bytes) ?? null;
  return split === null ? null : { input, reader, split };
}

/**
 * Both inputs as snapshots, only what the first pass leaves of them read (the first input's pass
 * made already); null when it cannot narrow them (nothing is read then: a caller that needs only
 * the second reads it alone).
 */
export function loadNarrowedPair(before: SplitInput, after: InputBytes, options: Omit<PairOptions, 'narrow' | 'release'> = {}): [Snapshot, Snapshot] | null {
  const firstPass = before.reader.firstPass;
  if (!firstPass || options.allowTruncated || narrowingReader(after, options) !== before.reader) return null;
  const split = firstPass.split(after.bytes);
  const narrowing = split === null ? null : firstPass.pair(before.split, split);
  return narrowing === null ? null : readPair([before.input, after], narrowing, before.reader, options);
}

/**
 * Both inputs as snapshots, the first pass over the second on `thread` while this thread makes the
 * first's (see first-pass-thread.ts). The answer is loadPair's.
 */
export async function loadPairOnTwoThreads(before: InputBytes, after: InputBytes, thread: FirstPassThread, options: PairOptions = {}): Promise<[Snapshot, Snapshot]> {
  const reader = commonFirstPass(before, after, options);
  const firstPass = reader?.firstPass;
  if (!reader || !firstPass) {
    // Not needed: its memory goes before the inputs are read whole.
    thread.close();
    return readPair([before, after], null, null, options);
  }
  options.onStep?.('first pass');
  return readPair([before, after], await narrowOnTwoThreads(firstPass, reader, before, after, thread, options), reader, options);
}

/**
 * The first pass, the second input's on `thread` (which ends once it has answered: its memory goes
 * with it; closed as soon as the first input cannot be narrowed: its answer is then not needed).
 */
async function narrowOnTwoThreads(firstPass: FirstPass<unknown>, reader: Reader, before: InputBytes, after: InputBytes, thread: FirstPassThread, options: PairOptions): Promise<Narrowing | null> {
  // Null when the thread failed (it should not): the second input is then split here.
  const plan = firstPass.plan?.(before.bytes, after.bytes);
  const theirs = thread.split(reader.name as FormatName, after.bytes, plan).then(
    (data) => ({ data }),
    () => null,
  );
  const ours = firstPass.split(before.bytes, options.onProgress?.(before.source), plan);
  if (ours === null) {
    thread.close();
    return null;
  }
  const answer = await theirs;
  thread.close();
  const split = answer === null ? firstPass.split(after.bytes, options.onProgress?.(after.source), plan) : answer.data === null ? null : firstPass.unpack(answer.data, after.bytes);
  return split !== null ? firstPass.pair(ours, split) : null;
}

/** Both inputs read: what the first pass left of each, or (without one) both whole. */
function readPair(inputs: [InputBytes, InputBytes], narrowing: Narrowing | null, reader: Reader | null, options: PairOptions): [Snapshot, Snapshot] {
  // Let go of before the step is told: a caller may collect garbage there.
  if (options.release && reader && narrowing) for (const input of inputs) input.bytes = EMPTY;
  options.onStep?.('parse');
  const sources = inputs.map((i) => i.source);
  if (!reader || !narrowing) {
    options.budget?.admit(countedIn(inputs.map((i) => i.bytes)), sources);
    return readBoth(inputs, (side) => decodeInput(inputs[side].bytes), options);
  }
  const left = [narrowing.before, narrowing.after] as const;
  options.budget?.admit({ bytes: left.reduce((n, e) => n + e.text.length, 0), lines: left.reduce((n, e) => n + e.lineNumbers.length, 0), objects: 0 }, sources);
  const format = reader.name as LoadOptions['format'];
  const alikeUnread = narrowing.alike;
  return readBoth(inputs, (side) => left[side].text, options, (side) => ({ format, lineNumbers: left[side].lineNumbers, alikeUnread, rulesLeftOut: left[side].leftOut }));
}
