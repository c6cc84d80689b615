/**
 * People paste what they ran on an IPVS node into one file: `iptables-save -t nat`, then
 * `ipvsadm -Ln` (or the other way round, or several of each). ipvsadm's lines are told apart by
 * their first characters, so each line goes to the part it belongs to; blank lines are blank in
 * both.
 */
import { isIpvsLine, startsIpvsOutput } from './lines';

export interface TextPart {
  /**
   * The part's lines, from its first to its last, with the other part's lines between them left
   * blank: line `firstLine + i` of the whole input is line `i` of the text.
   */
  text: string;
  /** 1-based line in the whole input where the part's text starts. */
  firstLine: number;
}

export interface SplitParts {
  ipvs: TextPart | null;
  rest: TextPart | null;
}

/** Cheap, from the first line that holds anything: whether the input begins as ipvsadm output. */
export function looksLikeIpvs(sample: string): boolean {
  for (const line of sample.split('\n', 50)) {
    const text = line.trim();
    if (text !== '') return isIpvsLine(text);
  }
  return false;
}

/**
 * What every line startsIpvsOutput takes holds, written out: only lines holding it are looked at.
 * An iptables dump has `-A CHAIN`, never `-A -t`: a 40 MB one holds none.
 */
const IPVS_OUTPUT_HINT = /IP Virtual Server version |Prot LocalAddress:Port|IPVS connection entries|-[Aa]\s+(?:-[tuf]|--sctp-service)\s/g;

/**
 * Whether ipvsadm output begins on any line (a listing's first lines, an ipvsadm-save line):
 * pasted after something else, or after a natdiff snapshot's header. Detection asks this of every
 * input, so it scans the text for the hint and splits out only the lines that hold one.
 */
export function holdsIpvsOutput(text: string): boolean {
  const hint = new RegExp(IPVS_OUTPUT_HINT);
  for (let m = hint.exec(text); m !== null; m = hint.exec(text)) {
    const start = text.lastIndexOf('\n', m.index) + 1;
    const newline = text.indexOf('\n', m.index);
    const end = newline < 0 ? text.length : newline;
    if (startsIpvsOutput(text.slice(start, end).trim())) return true;
    // The next match is looked for from the next line, so every line holding one is looked at once.
    hint.lastIndex = end + 1;
  }
  return false;
}

/** `mine[i]`: line i belongs to this part; null for a blank line. */
function part(lines: string[], mine: (boolean | null)[], endsWithNewline: boolean): TextPart | null {
  const first = mine.indexOf(true);
  if (first < 0) return null;
  const last = mine.lastIndexOf(true);
  const kept = lines.slice(first, last + 1).map((line, i) => (mine[first + i] ? line : ''));
  const open = last === lines.length - 1 && !endsWithNewline;
  return { text: kept.join('\n') + (open ? '' : '\n'), firstLine: first + 1 };
}

export function splitIpvsParts(text: string): SplitParts {
  const endsWithNewline = text.endsWith('\n');
  const lines = (endsWithNewline ? text.slice(0, -1) : text).split('\n');
  const ipvs = lines.map((line) => {
    const trimmed = line.trim();
    return trimmed === '' ? null : isIpvsLine(trimmed);
  });
  return {
    ipvs: part(lines, ipvs, endsWithNewline),
    rest: part(lines, ipvs.map((x) => (x === null ? null : !x)), endsWithNewline),
  };
}
