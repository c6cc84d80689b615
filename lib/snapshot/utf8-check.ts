/**
 * Whether a stream of chunks is UTF-8 text, checked chunk by chunk with Node's own validator (a
 * character cut by the end of a chunk is checked with the start of the next).
 */
import { isUtf8 } from 'node:buffer';

/** How many bytes the character that starts with this byte has (1 for a byte no character starts with: the check then fails). */
function sequenceLength(lead: number): number {
  if (lead < 0xc0) return 1;
  if (lead < 0xe0) return 2;
  if (lead < 0xf0) return 3;
  return lead < 0xf8 ? 4 : 1;
}

/** Where the last character of `chunk` starts when the chunk ends before it does; else the chunk's length. */
function cutAt(chunk: Buffer): number {
  for (let back = 1; back <= 3 && back <= chunk.length; back++) {
    const b = chunk[chunk.length - back] as number;
    if ((b & 0xc0) === 0x80) continue;
    return sequenceLength(b) > back ? chunk.length - back : chunk.length;
  }
  return chunk.length;
}

export class Utf8Check {
  /** The start of a character the previous chunk cut. */
  private carry: Buffer = Buffer.alloc(0);

  /** False as soon as the text so far cannot be UTF-8. */
  add(chunk: Buffer): boolean {
    let from = 0;
    if (this.carry.length > 0) {
      const need = sequenceLength(this.carry[0] as number) - this.carry.length;
      if (chunk.length < need) {
        this.carry = Buffer.concat([this.carry, chunk]);
        return true;
      }
      if (!isUtf8(Buffer.concat([this.carry, chunk.subarray(0, need)]))) return false;
      from = need;
    }
    const cut = cutAt(chunk);
    const whole = cut >= from;
    if (whole && !isUtf8(chunk.subarray(from, cut))) return false;
    this.carry = Buffer.from(chunk.subarray(whole ? cut : from));
    return true;
  }

  /** Whether the text, now complete, is UTF-8 (no character left cut at its end). */
  end(): boolean {
    return this.carry.length === 0;
  }
}
