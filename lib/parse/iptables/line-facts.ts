/** A rule line of an input's first pass (lib/narrow) read as the full reading reads it, when the bytes alone do not say enough. */
import type { LineIndex } from '../../narrow/line-index';
import { ruleFacts, type RuleFacts } from './rule-facts';
import { RuleSyntaxError } from './rule-walk';
import { tokenize, TokenizeError } from './tokenize';

const NO_WARNINGS = { warn: () => undefined };

/** Rule line `i` (`-A CHAIN …`) as the full reading reads it; null when it reads no rule there. */
export function lineFacts(index: LineIndex, i: number): RuleFacts | null {
  try {
    return ruleFacts(tokenize(index.text(i)), 2, NO_WARNINGS);
  } catch (e) {
    if (e instanceof TokenizeError || e instanceof RuleSyntaxError) return null;
    throw e;
  }
}
