/**
 * Text copied from a dump (comments, chain names, excerpts of bad lines) can hold terminal
 * escape sequences or bidi overrides. Everything echoed passes through here: control characters
 * become visible `\xNN` escapes, so nothing from the input can move the cursor or recolour output.
 */
// C0 (except nothing: tabs and newlines are not legitimate inside one echoed value), DEL, C1,
// and the Unicode bidi embedding/override/isolate controls.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

export function sanitizeLine(text: string): string {
  return UNSAFE.test(text) ? text.replace(UNSAFE, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`) : text;
}
