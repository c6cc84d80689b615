/**
 * What a reader's first pass over two inputs finds: the parts both hold written alike, which are
 * then never read (unchanged, counted), and the lines of each input left to read — the parts that
 * differ and what those need. The reader of that format decides what a part is (lib/parse/*):
 * this is its shape, and the one way to cut lines out of an input.
 */
import type { AlikeUnread, RulesLeftOut } from '../model/snapshot';
import type { LineIndex } from './line-index';

/** Lines cut out of a larger input, in their order, with their 1-based line numbers there. */
export interface Excerpt {
  text: string;
  lineNumbers: Uint32Array;
  /** Rules of chains read that were left out all the same (they route to what is left unread). */
  leftOut?: readonly RulesLeftOut[];
}

export interface Narrowing {
  before: Excerpt;
  after: Excerpt;
  alike: AlikeUnread;
}

/** Lines `kept` of `index` (0-based, in order), as one text. */
export function keptLines(index: LineIndex, kept: Int32Array): Excerpt {
  const { starts } = index;
  const count = kept.length;
  const numbers = new Uint32Array(count);
  let bytes = 0;
  for (let k = 0; k < count; k++) {
    const i = kept[k] as number;
    numbers[k] = i + 1;
    bytes += (starts[i + 1] as number) - (starts[i] as number);
  }
  const out = Buffer.allocUnsafe(bytes);
  let at = 0;
  for (let k = 0; k < count; ) {
    // Lines kept one after another are copied at once, the newlines between them with them.
    const first = (numbers[k] as number) - 1;
    let last = first;
    for (k++; k < count && numbers[k] === last + 2; k++) last++;
    at += index.bytes.copy(out, at, starts[first], index.end(last));
    out[at++] = 0x0a;
  }
  return { text: out.toString('utf8'), lineNumbers: numbers };
}
