/**
 * Splits one rule line into arguments the way iptables-restore does (iptables/xshared.c
 * add_param_to_argv): whitespace separates, double quotes group, and inside quotes a backslash
 * makes the next character literal. `quoted` remembers that a token was (partly) quoted, so a
 * quoted "-x" stays a value and is never read as an option.
 */
export interface Token {
  value: string;
  quoted: boolean;
}

export class TokenizeError extends Error {}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 11 || c === 12;
}

export function tokenize(line: string): Token[] {
  if (line.indexOf('"') === -1) return splitPlain(line);
  const tokens: Token[] = [];
  let value = '';
  let inToken = false;
  let quoted = false;
  let inQuotes = false;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (inQuotes) {
      if (c === 92 /* \ */ && i + 1 < line.length) {
        value += line[++i];
      } else if (c === 34 /* " */) {
        inQuotes = false;
      } else {
        value += line[i];
      }
      continue;
    }
    if (c === 34) {
      inQuotes = true;
      inToken = true;
      quoted = true;
    } else if (isSpace(c)) {
      if (inToken) tokens.push({ value, quoted });
      value = '';
      inToken = false;
      quoted = false;
    } else {
      value += line[i];
      inToken = true;
    }
  }
  if (inQuotes) throw new TokenizeError('unterminated double quote');
  if (inToken) tokens.push({ value, quoted });
  return tokens;
}

function splitPlain(line: string): Token[] {
  const tokens: Token[] = [];
  let start = -1;
  for (let i = 0; i <= line.length; i++) {
    const space = i === line.length || isSpace(line.charCodeAt(i));
    if (space) {
      if (start >= 0) tokens.push({ value: line.slice(start, i), quoted: false });
      start = -1;
    } else if (start < 0) {
      start = i;
    }
  }
  return tokens;
}

const SAFE_WORD = /^[A-Za-z0-9_-]+$/;

/** How iptables-save prints a string argument (libxtables xtables_save_string). */
export function saveString(s: string): string {
  if (s.length > 0 && SAFE_WORD.test(s)) return s;
  return `"${s.replace(/["\\']/g, (m) => `\\${m}`)}"`;
}
