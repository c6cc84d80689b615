/**
 * Text copied from a dump (comments, chain names, excerpts of bad lines) can hold terminal
 * escape sequences or bidi overrides. Everything echoed passes through here: control characters
 * become visible `\xNN` escapes, so nothing from the input can move the cursor or recolour output.
 */
// C0 (tabs and newlines included: one echoed value is one line), DEL, C1, the Unicode direction
// marks and bidi embedding/override/isolate controls, line and paragraph separators, and BOM.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;

function escape(c: string): string {
  const code = c.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

export function sanitizeLine(text: string): string {
  UNSAFE.lastIndex = 0;
  return UNSAFE.test(text) ? text.replace(UNSAFE, escape) : text;
}
