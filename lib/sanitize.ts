/**
 * Text copied from a dump (comments, chain names, policies, excerpts of bad lines) can hold
 * terminal escape sequences, invisible characters, bidi overrides or HTML. Everything echoed
 * passes through here: such characters become visible `\xNN` escapes, so nothing from the input
 * can move the cursor, recolour output, hide or reorder text, or become markup where a report is
 * pasted.
 */
// Controls (Cc: C0 with tabs and newlines, so one echoed value is one line; DEL; C1), format
// characters (Cf: zero-width space and joiners, word joiner, soft hyphen, bidi marks, embeddings,
// overrides and isolates, BOM, tag characters), line and paragraph separators, and the `<` that
// opens an HTML tag, comment, declaration or processing instruction.
const UNSAFE = /[\p{Cc}\p{Cf}\u2028\u2029]|<(?=[a-zA-Z/!?])/gu;

/** Whether `text` holds anything `replaceUnsafe` would replace. */
export function hasUnsafe(text: string): boolean {
  UNSAFE.lastIndex = 0;
  return UNSAFE.test(text);
}

/** `text` with every unsafe character replaced by `escape(its code point)`. */
export function replaceUnsafe(text: string, escape: (codePoint: number) => string): string {
  return hasUnsafe(text) ? text.replace(UNSAFE, (c) => escape(c.codePointAt(0) as number)) : text;
}

function visible(code: number): string {
  const hex = code.toString(16);
  return code < 0x100 ? `\\x${hex.padStart(2, '0')}` : code <= 0xffff ? `\\u${hex.padStart(4, '0')}` : `\\u{${hex}}`;
}

export function sanitizeLine(text: string): string {
  return replaceUnsafe(text, visible);
}
