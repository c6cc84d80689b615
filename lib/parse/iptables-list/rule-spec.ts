/**
 * One listed rule as the iptables rule specification it stands for: the columns as base options
 * (`! -s 10.244.0.0/16`, `-p 6`, `! -o docker0`), the printed matches and target text read back
 * into options. Text no reader knows is kept, as printed, in a match of its own
 * (`-m listed --text "owner UID match 0"`): the rule still compares with one listed alike.
 */
import type { RuleColumns } from './layout';
import { readMatch } from './printed-matches';
import { targetReader } from './printed-targets';
import { Cursor, pieces, type Piece } from './printed-text';
import { match, option, specValue, type SpecWords } from './spec';

/** The module that keeps printed text natdiff cannot read back (no iptables match is named so). */
const LISTED_MODULE = 'listed';

/** Why a line is not a rule of the listing. */
export class LineError extends Error {}

/** The listing printed names (listed without -n): they cannot be compared with addresses. */
export class NamesError extends Error {}

export type Loss = 'probability' | 'opaque';

export interface ListedRule {
  /** What follows `-A CHAIN`. */
  spec: string;
  family: 'ipv4' | 'ipv6';
}

const ANY_ADDRESS = new Set(['0.0.0.0/0', '::/0']);
const ANY_INTERFACE = new Set(['*', '+']);

function negation(column: string): { value: string; negated: boolean } {
  return column.startsWith('!') ? { value: column.slice(1), negated: true } : { value: column, negated: false };
}

function addressOption(name: '-s' | '-d', column: string): SpecWords {
  const { value, negated } = negation(column);
  if (value === 'anywhere') throw new NamesError();
  return ANY_ADDRESS.has(value) && !negated ? [] : option(name, [value], negated);
}

function interfaceOption(name: '-i' | '-o', column: string): SpecWords {
  const { value, negated } = negation(column);
  return ANY_INTERFACE.has(value) && !negated ? [] : option(name, [value], negated);
}

function protocolOption(column: string): SpecWords {
  const { value, negated } = negation(column);
  if (!/^[a-z0-9][a-z0-9._-]*$/i.test(value)) throw new LineError('the protocol column holds no protocol');
  return (value === '0' || value.toLowerCase() === 'all') && !negated ? [] : option('-p', [value], negated);
}

function fragmentOption(column: string): SpecWords {
  return column.endsWith('f') ? option('-f', [], column.startsWith('!')) : [];
}

/** Where the target's own text starts: the first piece from which its reader reads to the end. */
function targetText(all: readonly Piece[], from: number, target: string | null): { at: number; words: SpecWords } {
  const read = target === null ? null : targetReader(target);
  if (read) {
    // The target prints after every match, comments included.
    let lo = from;
    for (let i = all.length - 1; i >= from; i--) {
      if (all[i]?.comment) {
        lo = i + 1;
        break;
      }
    }
    for (let at = lo; at <= all.length; at++) {
      const words = read(new Cursor(all, at, all.length));
      if (words !== null) return { at, words };
    }
  }
  return { at: all.length, words: [] };
}

/** Matches from `from` to `to`: comments, what the readers know, and the rest kept as printed up to the next comment. */
function matches(rest: string, all: readonly Piece[], from: number, to: number, note: (loss: Loss, detail: string) => void): SpecWords {
  const words: SpecWords = [];
  const c = new Cursor(all, from, to);
  while (!c.done) {
    const piece = all[c.at] as Piece;
    if (piece.comment) {
      words.push(...match('comment', option('--comment', [piece.text])));
      c.at++;
      continue;
    }
    const read = readMatch(c, note);
    if (read) {
      words.push(...read);
      continue;
    }
    let end = c.at;
    while (end < to && !all[end]?.comment) end++;
    const text = rest.slice(piece.start, (all[end - 1] as Piece).end);
    note('opaque', text);
    words.push(...match(LISTED_MODULE, option('--text', [text])));
    c.at = end;
  }
  return words;
}

export function listedRule(columns: RuleColumns, note: (loss: Loss, detail: string) => void): ListedRule {
  const words: SpecWords = [...addressOption('-s', columns.source), ...addressOption('-d', columns.destination)];
  if (columns.interfaces) words.push(...interfaceOption('-i', columns.interfaces.in), ...interfaceOption('-o', columns.interfaces.out));
  words.push(...protocolOption(columns.protocol), ...fragmentOption(columns.fragment));
  const all = pieces(columns.rest);
  const goto = all[0]?.text === '[goto]' && !all[0].comment;
  const from = goto ? 1 : 0;
  const target = targetText(all, from, columns.target);
  words.push(...matches(columns.rest, all, from, target.at, note));
  if (columns.target !== null) words.push(goto ? '-g' : '-j', specValue(columns.target), ...target.words);
  const family = columns.source.includes(':') || columns.destination.includes(':') ? 'ipv6' : 'ipv4';
  return { spec: words.join(' '), family };
}
