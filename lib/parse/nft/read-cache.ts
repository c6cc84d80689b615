/**
 * What reading one nft listing learns that reading the other listing of the same diff reuses: one
 * object per diff, made by the first reading and handed to the one that reads alike it (through
 * Snapshot.sharedWithAlike), never a module's global state. Two listings of one host a sync apart
 * hold mostly the same rule lines: a line written exactly as one read before is not parsed again.
 */
import type { NftRule } from './rule';
import { HANDLE_COMMENT, isSpace } from './tokenize';

export class NftReadCache {
  /** Rules read from a chain's lines without a warning, by ruleLineKey of their line. */
  readonly rules = new Map<string, NftRule>();
}

export interface RuleLineKey {
  key: string;
  /** The line ends in a `# handle N` annotation (`nft -a`). */
  handle: boolean;
}

/**
 * A line as the cache knows it: its words without the spaces around them or a trailing
 * ` # handle N`. Two lines of one key tokenize alike (neither holds a `#` in its words, so the
 * tokenizer stops nowhere else), and their rules are written alike (rawRule takes the same off
 * both). Null when the line holds another `#` (a comment, or one in a string): it is parsed.
 */
export function ruleLineKey(line: string): RuleLineKey | null {
  const hash = line.indexOf('#');
  const words = hash < 0 ? line.length : hash;
  // After a space, the annotation ends no word (a comma before it would join the word before).
  if (hash >= 0 && (hash === 0 || !isSpace(line.charCodeAt(hash - 1)) || !HANDLE_COMMENT.test(line.slice(hash)))) return null;
  let from = 0;
  let to = words;
  while (from < to && isSpace(line.charCodeAt(from))) from++;
  while (to > from && isSpace(line.charCodeAt(to - 1))) to--;
  return from === to ? null : { key: line.slice(from, to), handle: hash >= 0 };
}
