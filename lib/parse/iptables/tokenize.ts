/**
 * Splits one rule line into arguments the way iptables-restore does (iptables/xshared.c
 * add_param_to_argv): whitespace separates, double quotes group, and inside quotes a backslash
 * makes the next character literal. `quoted[i]` remembers that token i was (partly) quoted, so a
 * quoted "-x" stays a value and is never read as an option. Built from slices of the line, with
 * no object per token: this runs once for every rule of dumps with hundreds of thousands of them.
 */
export interface Tokens {
  values: string[];
  /** null when the line has no quotes at all. */
  quoted: boolean[] | null;
}

export class TokenizeError extends Error {}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 11 || c === 12;
}

export function tokenize(line: string): Tokens {
  if (line.indexOf('"') === -1) return { values: splitPlain(line), quoted: null };
  const values: string[] = [];
  const quoted: boolean[] = [];
  const n = line.length;
  let i = 0;
  while (i < n) {
    while (i < n && isSpace(line.charCodeAt(i))) i++;
    if (i >= n) break;
    let value = '';
    let wasQuoted = false;
    let segment = i;
    while (i < n) {
      const c = line.charCodeAt(i);
      if (c === 34 /* " */) {
        value += line.slice(segment, i);
        wasQuoted = true;
        i++;
        segment = i;
        for (;;) {
          if (i >= n) throw new TokenizeError('unterminated double quote');
          const q = line.charCodeAt(i);
          if (q === 34) break;
          if (q === 92 /* \ */ && i + 1 < n) {
            value += line.slice(segment, i);
            segment = i + 1;
            i += 2;
            continue;
          }
          i++;
        }
        value += line.slice(segment, i);
        i++;
        segment = i;
      } else if (isSpace(c)) {
        break;
      } else {
        i++;
      }
    }
    value += line.slice(segment, i);
    values.push(value);
    quoted.push(wasQuoted);
  }
  return { values, quoted };
}

/** Whitespace other than the space iptables-save separates words with. */
const OTHER_SPACE = /[\t\n\v\f\r]/;

/** Dumps separate words with single spaces: found with indexOf, unless the line has any other whitespace. */
function splitPlain(line: string): string[] {
  if (OTHER_SPACE.test(line)) return splitOnWhitespace(line);
  const words: string[] = [];
  let start = 0;
  for (;;) {
    const end = line.indexOf(' ', start);
    if (end === start || (end < 0 && start === line.length)) return splitOnWhitespace(line);
    if (end < 0) break;
    words.push(line.slice(start, end));
    start = end + 1;
  }
  words.push(line.slice(start));
  return words;
}

function splitOnWhitespace(line: string): string[] {
  const values: string[] = [];
  let start = -1;
  for (let i = 0; i <= line.length; i++) {
    const space = i === line.length || isSpace(line.charCodeAt(i));
    if (space) {
      if (start >= 0) values.push(line.slice(start, i));
      start = -1;
    } else if (start < 0) {
      start = i;
    }
  }
  return values;
}

const SAFE_WORD = /^[A-Za-z0-9_-]+$/;

/** How iptables-save prints a string argument (libxtables xtables_save_string). */
export function saveString(s: string): string {
  if (s.length > 0 && SAFE_WORD.test(s)) return s;
  return `"${s.replace(/["\\']/g, (m) => `\\${m}`)}"`;
}

/** A value as it must be written to survive a round trip through iptables-restore. */
export function valueText(v: string): string {
  if (v !== '' && !/[\s"\\']/.test(v)) return v;
  return `"${v.replace(/["\\]/g, (m) => `\\${m}`)}"`;
}
