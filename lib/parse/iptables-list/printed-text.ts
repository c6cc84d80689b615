/**
 * What a rule line holds after its address columns, cut into pieces: words, and comments, which
 * the comment match prints as `/* text *\/` with the text as it is (spaces included).
 */

export interface Piece {
  /** A comment's text, or one word. */
  text: string;
  comment: boolean;
  /** Where the piece starts and ends in the text (a comment's with its delimiters). */
  start: number;
  end: number;
}

/** Where the comment opening at `open` closes (the ` *\/` followed by a space or the end), or -1. */
function commentEnd(text: string, open: number): number {
  for (let close = text.indexOf(' */', open + 2); close >= 0; close = text.indexOf(' */', close + 1)) {
    const after = close + 3;
    if (after === text.length || text.charCodeAt(after) === 32) return close;
  }
  return -1;
}

export function pieces(text: string): Piece[] {
  const out: Piece[] = [];
  let i = 0;
  while (i < text.length) {
    if (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9) {
      i++;
      continue;
    }
    const close = text.startsWith('/* ', i) ? commentEnd(text, i) : -1;
    if (close >= 0) {
      out.push({ text: text.slice(i + 3, close), comment: true, start: i, end: close + 3 });
      i = close + 3;
      continue;
    }
    let end = i;
    while (end < text.length && text.charCodeAt(end) !== 32 && text.charCodeAt(end) !== 9) end++;
    out.push({ text: text.slice(i, end), comment: false, start: i, end });
    i = end;
  }
  return out;
}

/** Reads pieces in order; a reader that does not recognise what it finds puts the cursor back. */
export class Cursor {
  constructor(
    readonly pieces: readonly Piece[],
    public at: number,
    readonly end: number,
  ) {}

  /** The word `ahead` pieces on, or null (a comment, or past the end). */
  peek(ahead = 0): string | null {
    const p = this.at + ahead < this.end ? this.pieces[this.at + ahead] : undefined;
    return p && !p.comment ? p.text : null;
  }

  take(): string | null {
    const word = this.peek();
    if (word !== null) this.at++;
    return word;
  }

  /** Takes the next word if it is `word`. */
  skip(word: string): boolean {
    if (this.peek() !== word) return false;
    this.at++;
    return true;
  }

  get done(): boolean {
    return this.at >= this.end;
  }
}
