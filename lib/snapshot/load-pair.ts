/**
 * The two inputs of a diff as snapshots. When both are of a format whose reader can narrow
 * (lib/narrow), what they hold written alike is left unread — unchanged, and counted — and only
 * the rest is read; otherwise both are read whole, the second alike the first.
 */
import type { Snapshot } from '../model/snapshot';
import { detectReader, readerNamed } from '../parse/registry';
import type { OnProgress } from '../progress';
import { parseSnapshot, type LoadOptions } from './load-snapshot';
import type { MemoryBudget } from './memory-budget';
import { decodeInput } from './read-input';

/** An input as read: its bytes and what to call it. */
export interface InputBytes {
  source: string;
  bytes: Buffer;
}

export interface PairOptions extends Omit<LoadOptions, 'alike' | 'onProgress'> {
  /** Leave unread what both inputs hold written alike (default); false reads both whole. */
  narrow?: boolean;
  /** Progress of reading one input. */
  onProgress?: (source: string) => OnProgress | undefined;
  /** Told as each step begins: the first pass over both inputs, then the reading of what it left (or of both whole). */
  onStep?: (step: 'first pass' | 'parse') => void;
  /** What the inputs were counted to hold as read (ReadOptions.mayReadInPart): what is to be read of them must fit. */
  budget?: MemoryBudget;
}

/** Detection reads the first lines only: the narrowing reader then checks every line itself. */
const SAMPLE_BYTES = 64 * 1024;

function narrowingReader(input: InputBytes, options: PairOptions) {
  if (options.format && options.format !== 'auto') return readerNamed(options.format);
  const sample = decodeInput(input.bytes.subarray(0, SAMPLE_BYTES));
  return detectReader(sample, input.source);
}

/** Both inputs read, the second alike the first: `text` is what is read of each (all of it, or a first pass's excerpt). */
function readBoth(inputs: [InputBytes, InputBytes], text: (side: 0 | 1) => string, options: LoadOptions & Pick<PairOptions, 'onProgress'>, extra: (side: 0 | 1) => LoadOptions = () => ({})): [Snapshot, Snapshot] {
  const load = (side: 0 | 1, alike?: Snapshot) => parseSnapshot(text(side), inputs[side].source, { ...options, ...extra(side), alike, onProgress: options.onProgress?.(inputs[side].source) });
  const b = load(0);
  return [b, load(1, b)];
}

export function loadPair(before: InputBytes, after: InputBytes, options: PairOptions = {}): [Snapshot, Snapshot] {
  const reader = options.narrow === false || options.allowTruncated ? null : narrowingReader(before, options);
  let narrowing = null;
  if (reader?.narrow && narrowingReader(after, options) === reader) {
    options.onStep?.('first pass');
    narrowing = reader.narrow(before.bytes, after.bytes, { before: options.onProgress?.(before.source), after: options.onProgress?.(after.source) });
  }
  options.onStep?.('parse');
  const sources = [before.source, after.source];
  const inputs: [InputBytes, InputBytes] = [before, after];
  if (!reader || !narrowing) {
    options.budget?.admit(options.budget.totals(), sources);
    return readBoth(inputs, (side) => decodeInput(inputs[side].bytes), options);
  }
  const left = [narrowing.before, narrowing.after] as const;
  options.budget?.admit({ bytes: left.reduce((n, e) => n + e.text.length, 0), lines: left.reduce((n, e) => n + e.lineNumbers.length, 0), objects: 0 }, sources);
  const format = reader.name as LoadOptions['format'];
  const alikeUnread = narrowing.alike;
  return readBoth(inputs, (side) => left[side].text, options, (side) => ({ format, lineNumbers: left[side].lineNumbers, alikeUnread }));
}
