/**
 * What a reader's first pass over two inputs finds: the parts both hold written alike, which are
 * then never read (unchanged, counted), and the lines of each input left to read — the parts that
 * differ and what those need. The reader of that format decides what a part is (lib/parse/*):
 * this is its shape, and the one way to cut lines out of an input.
 */
import type { AlikeUnread } from '../model/snapshot';
import type { LineIndex } from './line-index';

/** Lines cut out of a larger input, in their order, with their 1-based line numbers there. */
export interface Excerpt {
  text: string;
  lineNumbers: Uint32Array;
}

export interface Narrowing {
  before: Excerpt;
  after: Excerpt;
  alike: AlikeUnread;
}

/** The lines of `index` that `keep` selects, as one text. */
export function cutLines(index: LineIndex, keep: (line: number) => boolean): Excerpt {
  const numbers: number[] = [];
  let bytes = 0;
  for (let i = 0; i < index.count; i++) {
    if (!keep(i)) continue;
    numbers.push(i + 1);
    bytes += (index.ends[i] as number) - (index.starts[i] as number) + 1;
  }
  const out = Buffer.allocUnsafe(bytes);
  let at = 0;
  for (const n of numbers) {
    at += index.bytes.copy(out, at, index.starts[n - 1], index.ends[n - 1]);
    out[at++] = 0x0a;
  }
  return { text: out.toString('utf8'), lineNumbers: Uint32Array.from(numbers) };
}
