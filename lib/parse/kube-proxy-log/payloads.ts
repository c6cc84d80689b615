/**
 * Pulls the iptables-restore payload out of a kube-proxy log. kube-proxy has logged it in three
 * shapes over the years:
 *   - `… proxier.go:1592] Restoring iptables rules: *filter` and the payload on the lines after;
 *   - klog structured, multi-line:  `… "Restoring iptables" rules=<` then tab-indented lines, then ` >`;
 *   - klog structured, quoted:      `… "Restoring iptables" rules="*filter\n…"` (and JSON logs).
 */
import { InputError } from '../../errors';

/** A klog line: `I1206 05:11:22.123456    1234 proxier.go:1592] …`. */
export const KLOG_HEADER = /^[IWEF]\d{4} \d\d:\d\d:\d\d\.\d+\s+\d+\s+\S+:\d+\] /;

export interface Payload {
  text: string;
  /** Log line number of each payload line. */
  lineNumbers: number[];
  /** Log line where the payload starts. */
  line: number;
}

const PLAIN_MARK = 'Restoring iptables rules: ';
const STRUCTURED = /"Restoring iptables(?: rules)?" (?:.*\s)?rules=/;

function unquoteGo(s: string): string | null {
  try {
    return JSON.parse(s) as string;
  } catch {
    return null;
  }
}

/** Every restore payload in the log, in order. */
export function extractPayloads(text: string, source: string): Payload[] {
  const lines = text.split('\n');
  const payloads: Payload[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = (lines[i] as string).replace(/\r$/, '');
    const n = i + 1;
    const plain = line.indexOf(PLAIN_MARK);
    if (plain >= 0) {
      const body = [line.slice(plain + PLAIN_MARK.length)];
      const numbers = [n];
      i++;
      while (i < lines.length && !KLOG_HEADER.test(lines[i] as string)) {
        body.push((lines[i] as string).replace(/\r$/, ''));
        numbers.push(++i);
      }
      payloads.push({ text: body.join('\n'), lineNumbers: numbers, line: n });
      continue;
    }
    const structured = STRUCTURED.exec(line);
    if (structured) {
      const rest = line.slice(structured.index + structured[0].length);
      if (rest.startsWith('<')) {
        const body: string[] = [];
        const numbers: number[] = [];
        i++;
        while (i < lines.length && (lines[i] as string).replace(/\r$/, '') !== ' >') {
          body.push((lines[i] as string).replace(/\r$/, '').replace(/^\t/, ''));
          numbers.push(++i);
        }
        i++;
        payloads.push({ text: body.join('\n'), lineNumbers: numbers, line: n });
        continue;
      }
      const quoted = /^"(?:[^"\\]|\\.)*"/.exec(rest);
      const value = quoted ? unquoteGo(quoted[0]) : null;
      if (value !== null) payloads.push(singleLinePayload(value, n));
      i++;
      continue;
    }
    if (line.startsWith('{') && line.includes('Restoring iptables')) {
      const value = jsonRules(line);
      if (value !== null) payloads.push(singleLinePayload(value, n));
    }
    i++;
  }
  if (payloads.length === 0) {
    throw new InputError(
      'is a kube-proxy log without an iptables-restore payload; raise kube-proxy\'s verbosity (-v=5, or -v=9 on recent versions) so it logs "Restoring iptables"',
      source,
    );
  }
  return payloads;
}

function jsonRules(line: string): string | null {
  try {
    const entry = JSON.parse(line) as Record<string, unknown>;
    return typeof entry.rules === 'string' ? entry.rules : null;
  } catch {
    return null;
  }
}

function singleLinePayload(value: string, line: number): Payload {
  const count = value.split('\n').length;
  return { text: value, lineNumbers: new Array<number>(count).fill(line), line };
}
