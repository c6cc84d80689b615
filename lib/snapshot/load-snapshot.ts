/**
 * Turns an input into a Snapshot: reads the file (checks, gzip), the natdiff metadata header if
 * it has one, and hands the text to the reader of its format (lib/parse/registry.ts).
 */
import type { AlikeUnread, RulesLeftOut, Snapshot } from '../model/snapshot';
import { detectReader, readerNamed, type FormatName } from '../parse/registry';
import type { OnProgress } from '../progress';
import { decodeMetadata, type SnapshotMetadata } from './metadata';
import { readInput, type ReadOptions } from './read-input';

export interface LoadOptions {
  /** Table for iptables rule lines outside any `*table` block; default nat. */
  assumeTable?: string;
  allowTruncated?: boolean;
  /** Which restore payload of a kube-proxy log (1-based; negative counts from the end). Default: the last. */
  payload?: number;
  /** Skip detection: read the input as this format. */
  format?: 'auto' | FormatName;
  /** The other snapshot of a diff: what both hold written alike is read once. */
  alike?: Snapshot;
  onProgress?: OnProgress;
  /** The text is lines cut out of the input (lib/narrow): their line numbers there. */
  lineNumbers?: ArrayLike<number>;
  /**
   * The input's metadata, known already (what a capture was taken with, or its header read once
   * before): the text's own header, if any, is then not read again (a cluster's header is
   * megabytes of YAML at 10,000 services).
   */
  metadata?: SnapshotMetadata | null;
  /** What of the input was left unread, the other input holding it written alike (lib/narrow). */
  alikeUnread?: AlikeUnread;
  /** Rules of the chains read that were left out all the same (lib/narrow). */
  rulesLeftOut?: readonly RulesLeftOut[];
}

/** Parses input text (already read) as a snapshot. */
export function parseSnapshot(text: string, source: string, options: LoadOptions = {}): Snapshot {
  const reader = !options.format || options.format === 'auto' ? detectReader(text, source) : readerNamed(options.format);
  const { metadata, warnings } = options.metadata !== undefined ? { metadata: options.metadata, warnings: [] } : decodeMetadata(text, source);
  const snapshot = reader.read(text, {
    source,
    allowTruncated: options.allowTruncated ?? false,
    assumeTable: options.assumeTable,
    payload: options.payload,
    alike: options.alike,
    onProgress: options.onProgress,
    metadata,
    lineNumbers: options.lineNumbers,
    alikeUnread: options.alikeUnread,
    rulesLeftOut: options.rulesLeftOut,
  });
  snapshot.warnings.unshift(...warnings);
  return snapshot;
}

export async function loadSnapshot(path: string, options: LoadOptions & ReadOptions = {}): Promise<Snapshot> {
  return parseSnapshot(await readInput(path, options), path, options);
}
