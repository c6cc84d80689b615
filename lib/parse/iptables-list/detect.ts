/** Whether an input begins as `iptables -L` output, from its first line that holds anything. */
import { chainLine, ruleColumns, titleLine } from './layout';

const SAMPLE_LINES = 50;

/**
 * A `Chain` line, the column titles, or a rule line (a listing pasted from the middle of a chain,
 * or lines picked out with grep).
 */
export function looksLikeIptablesList(sample: string): boolean {
  for (const raw of sample.split('\n', SAMPLE_LINES)) {
    const line = raw.trim();
    if (line !== '') return chainLine(line) !== null || titleLine(line) !== null || ruleColumns(line, null) !== null;
  }
  return false;
}
