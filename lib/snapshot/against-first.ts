/**
 * Inputs read one after another, each against a first one (lib/narrow): natdiff scale's polls of a
 * node, drift's nodes. They hold nearly the same rules, so only what differs from the first is
 * read; what the caller makes of an input (endpoints, a digest) comes from its reading and, for
 * what was left unread, from the first's. The first is the first input that can be narrowed: one
 * that cannot (another format, a dump cut short) is read whole, as is any input that cannot be
 * narrowed against it.
 */
import type { SnapshotMetadata } from '../model/metadata';
import type { Snapshot } from '../model/snapshot';
import { loadNarrowedPair, splitInput, type SplitInput } from './load-pair';
import { parseSnapshot, type LoadOptions } from './load-snapshot';

export interface TextInput {
  source: string;
  text: string;
  /** Its metadata, when known already: its header (if it has one) is then not read. */
  metadata?: SnapshotMetadata | null;
  /** Its bytes, when it was read as bytes (a file): they are not made again from the text. */
  bytes?: Buffer;
}

/** How every input is read (the progress of a whole reading told to onProgress). */
export type AgainstFirstOptions = Pick<LoadOptions, 'allowTruncated' | 'payload' | 'format' | 'onProgress'>;

/** What a caller makes of an input (`I`: the input as given, with whatever else the caller passed along). */
export interface Readings<T, I extends TextInput = TextInput> {
  /** What an input read whole gives. */
  whole(snapshot: Snapshot, input: I): T;
  /** What an input gives, read against the first: `before` and `after` are the first's and its readings of what was left to read, `first` what the first gave. */
  narrowed(before: Snapshot, after: Snapshot, first: T, input: I): T;
}

export class AgainstFirst<T, I extends TextInput = TextInput> {
  private first: { split: SplitInput; value: T } | null = null;

  constructor(
    private readonly readings: Readings<T, I>,
    private readonly options: AgainstFirstOptions = {},
  ) {}

  read(input: I): T {
    const bytes = input.bytes ?? Buffer.from(input.text);
    const first = this.first;
    const { onProgress, ...narrowing } = this.options;
    const pair = first && loadNarrowedPair(first.split, { source: input.source, bytes, metadata: input.metadata }, narrowing);
    if (first && pair) return this.readings.narrowed(pair[0], pair[1], first.value, input);
    const snapshot = parseSnapshot(input.text, input.source, { ...this.options, metadata: input.metadata });
    const value = this.readings.whole(snapshot, input);
    if (!first && !narrowing.allowTruncated) {
      // Its header read once: its excerpts are read with what it said.
      const split = splitInput({ source: input.source, bytes, metadata: snapshot.metadata }, narrowing);
      if (split) this.first = { split, value };
    }
    return value;
  }
}
