/**
 * An iptables rule specification (what follows `-A CHAIN` in iptables-save), written word by word
 * as the rule parser reads it back: option names and `!` as they are, values quoted where they
 * could be taken for an option or a negation, or hold what iptables-restore's quoting protects.
 */
import { valueText } from '../iptables/tokenize';

/** Words of a specification, already written as they go into the line. */
export type SpecWords = string[];

export function specValue(v: string): string {
  if (v !== '!' && !v.startsWith('-')) return valueText(v);
  return `"${v.replace(/["\\]/g, (m) => `\\${m}`)}"`;
}

/** `[!] --name value…`. */
export function option(name: string, values: readonly string[] = [], negated = false): SpecWords {
  const words = negated ? ['!', name] : [name];
  for (const v of values) words.push(specValue(v));
  return words;
}

/** `-m module` and its options. */
export function match(module: string, ...options: SpecWords[]): SpecWords {
  return ['-m', specValue(module), ...options.flat()];
}
