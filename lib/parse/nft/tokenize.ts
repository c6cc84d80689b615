/**
 * Splits a line of `nft list` output into words. Braces and semicolons stand alone; a comma
 * stands alone when a space, a brace or the line's end follows it (nft's element separator) and
 * stays inside the word otherwise (`established,related`); `#` outside a string starts a comment
 * (`# handle 12` from `nft -a`, `# Warning: …` from iptables-nft). Quoted strings are one token.
 */

export interface Token {
  text: string;
  /** Written in double quotes: a string, never a keyword. */
  quoted: boolean;
  line: number;
}

export interface TokenizedLine {
  tokens: Token[];
  /** The line carried a `# handle N` annotation (`nft -a`). */
  handle: boolean;
}

export class NftSyntaxError extends Error {}

/** `# handle N` as a line's only comment, from its `#` on (`nft -a`). */
export const HANDLE_COMMENT = /^#\s*handle\s+\d+\s*$/;

/** Space, tab, newline, vertical tab, form feed, carriage return: what separates words (`trim` takes more). */
export function isSpace(code: number): boolean {
  return code === 32 || (code >= 9 && code <= 13);
}

/** Where a bare word ends: a space, a brace, a semicolon, a quote or a `#`. */
function endsWord(code: number): boolean {
  return isSpace(code) || code === 123 || code === 125 || code === 59 || code === 34 || code === 35;
}

/** Whether the comma at `j` stands alone: a space, a brace, another comma or the line's end follows it. */
function separatingComma(text: string, j: number): boolean {
  if (j + 1 >= text.length) return true;
  const next = text.charCodeAt(j + 1);
  return isSpace(next) || next === 125 || next === 123 || next === 44;
}

export function tokenizeLine(text: string, line: number): TokenizedLine {
  const tokens: Token[] = [];
  let handle = false;
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (c === 35) {
      handle = HANDLE_COMMENT.test(text.slice(i));
      break;
    }
    if (c === 34) {
      const close = text.indexOf('"', i + 1);
      if (close < 0) throw new NftSyntaxError('a string is not closed (no second ")');
      tokens.push({ text: text.slice(i + 1, close), quoted: true, line });
      i = close + 1;
      continue;
    }
    if (c === 123 || c === 125 || c === 59) {
      tokens.push({ text: text[i] as string, quoted: false, line });
      i++;
      continue;
    }
    let j = i;
    while (j < text.length) {
      const d = text.charCodeAt(j);
      if (endsWord(d) || (d === 44 && separatingComma(text, j))) break;
      j++;
    }
    if (j > i) tokens.push({ text: text.slice(i, j), quoted: false, line });
    if (j < text.length && text.charCodeAt(j) === 44) {
      tokens.push({ text: ',', quoted: false, line });
      j++;
    }
    i = j;
  }
  return { tokens, handle };
}
