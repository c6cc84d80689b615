/**
 * The seam every input format plugs into. A reader tells its format from the first lines, reads
 * the text into its own rule layer (iptables chains and rules; nftables tables, chains, sets and
 * maps; IPVS virtual services), and describes it as the mode-neutral service model, all behind
 * one Snapshot. A new format is a folder under lib/parse/ with a reader, and one line in
 * registry.ts.
 */
import type { SnapshotMetadata } from '../model/metadata';
import type { AlikeUnread, RulesLeftOut, Snapshot } from '../model/snapshot';
import type { FirstPass } from '../narrow/first-pass';
import type { OnProgress } from '../progress';

export interface ReadContext {
  source: string;
  /** Read an input cut short as far as it goes, instead of refusing it. */
  allowTruncated: boolean;
  /** Table for iptables rule lines outside any `*table` block; default nat. */
  assumeTable?: string;
  /** Which restore payload of a kube-proxy log (1-based; negative counts from the end). */
  payload?: number;
  /** The other snapshot of a diff: a reader may reuse what both hold written alike. */
  alike?: Snapshot;
  onProgress?: OnProgress;
  /** What natdiff recorded at capture time, when the input is a natdiff snapshot file. */
  metadata: SnapshotMetadata | null;
  /** The input line number of each line of the text, when the text is lines cut out of the input (lib/narrow). */
  lineNumbers?: ArrayLike<number>;
  /** What of the input was left unread, its other input holding it written alike (see Reader.narrow). */
  alikeUnread?: AlikeUnread;
  /** Rules of the chains read that were left out all the same (see RulesLeftOut): the snapshot keeps them. */
  rulesLeftOut?: readonly RulesLeftOut[];
}

export interface Reader {
  /** What `--format` calls it. */
  readonly name: string;
  /** What it reads, for help and messages. */
  readonly reads: string;
  /**
   * Whether the input is this format: cheap, from `sample` (its first 64 KiB), or a marker
   * searched in the whole `text` where a format can follow another in one file.
   */
  looksLike(sample: string, text: string): boolean;
  /** The input as a snapshot; bad input is an InputError naming the source and line. */
  read(text: string, context: ReadContext): Snapshot;
  /**
   * The first pass over two inputs of this format (lib/narrow): what both hold written alike is
   * left unread, and the lines left to read of each are read with `read` (with `lineNumbers` and
   * `alikeUnread`). Its `pair` is null when the two cannot be split exactly: they are then read whole.
   */
  readonly firstPass?: FirstPass<unknown>;
}
