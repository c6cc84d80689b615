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

function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\r' || c === '\n' || c === '\f' || c === '\v';
}

export function tokenizeLine(text: string, line: number): TokenizedLine {
  const tokens: Token[] = [];
  let handle = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (c === '#') {
      handle = /^#\s*handle\s+\d+\s*$/.test(text.slice(i));
      break;
    }
    if (c === '"') {
      const close = text.indexOf('"', i + 1);
      if (close < 0) throw new NftSyntaxError('a string is not closed (no second ")');
      tokens.push({ text: text.slice(i + 1, close), quoted: true, line });
      i = close + 1;
      continue;
    }
    if (c === '{' || c === '}' || c === ';') {
      tokens.push({ text: c, quoted: false, line });
      i++;
      continue;
    }
    let j = i;
    while (j < text.length) {
      const d = text[j] as string;
      if (isSpace(d) || d === '{' || d === '}' || d === ';' || d === '"' || d === '#') break;
      if (d === ',') {
        const next = text[j + 1];
        if (next === undefined || isSpace(next) || next === '}' || next === '{' || next === ',') break;
      }
      j++;
    }
    if (j > i) tokens.push({ text: text.slice(i, j), quoted: false, line });
    if (text[j] === ',') {
      tokens.push({ text: ',', quoted: false, line });
      j++;
    }
    i = j;
  }
  return { tokens, handle };
}
