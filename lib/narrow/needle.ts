/**
 * A byte string looked for in an input by a part of it that is rarer than its start: Node's search
 * stops at every byte equal to the first one of what it looks for, and a space or a dash begins
 * most words of a dump (` endpoints` is found some five times faster as `dpoints`).
 */
export class Needle {
  private readonly part: Buffer;

  /** `from`: where the part looked for begins in `bytes`. */
  constructor(
    readonly bytes: Buffer,
    private readonly from = 0,
  ) {
    this.part = bytes.subarray(from);
  }

  /** Where the needle next occurs in `haystack` at or after `at`, or -1. */
  indexIn(haystack: Buffer, at = 0): number {
    const { bytes, from } = this;
    for (let k = haystack.indexOf(this.part, at + from); k >= 0; k = haystack.indexOf(this.part, k + 1)) {
      let p = 0;
      while (p < from && haystack[k - from + p] === bytes[p]) p++;
      if (p === from) return k - from;
    }
    return -1;
  }
}
