/**
 * What a listing cannot show, said once per kind (with how often and where first), not once per
 * line: a listing of 10,000 rules without -v would otherwise bury the report in one warning.
 */
import type { Warning } from '../../errors';
import { excerpt } from '../line-reader';

export type LossKind = 'interfaces' | 'opaque' | 'probability' | 'comments' | 'headless';

interface Seen {
  line: number | null;
  detail: string;
  count: number;
}

function times(n: number, one: string, many: string): string {
  return n === 1 ? `1 ${one}` : `${n} ${many}`;
}

const MESSAGES: Record<LossKind, (s: Seen) => string> = {
  interfaces: () => 'listed without -v: there are no in/out interface columns, so a rule that matches an interface reads as if it matched any (list with -v to compare interfaces)',
  opaque: (s) =>
    `${times(s.count, 'rule prints', 'rules print')} text natdiff cannot read back into iptables options (first: ${excerpt(s.detail)}); it is kept as printed, so such a rule compares equal only to one listed alike, never to an iptables-save`,
  probability: (s) =>
    `${times(s.count, 'probability is', 'probabilities are')} printed with fewer than 11 decimals (first: ${excerpt(s.detail)}; iptables before 1.4.11 printed 6): the shares read from them are approximate, and their rules do not compare equal to an iptables-save of the same rules`,
  comments: () =>
    'no rule carries a comment: the service port names kube-proxy writes in comments are unknown, so service ports are named by cluster IP, port and protocol unless the other snapshot names their chains',
  headless: (s) =>
    `${times(s.count, 'rule line comes', 'rule lines come')} before any \`Chain\` line (grep output?): the chain ${s.count === 1 ? 'it belongs' : 'they belong'} to is unknown, so ${s.count === 1 ? 'it is' : 'they are'} left out`,
};

export class Losses {
  private readonly seen = new Map<LossKind, Seen>();

  note(kind: LossKind, line: number | null, detail = ''): void {
    const seen = this.seen.get(kind);
    if (seen) seen.count++;
    else this.seen.set(kind, { line, detail, count: 1 });
  }

  warnings(source: string): Warning[] {
    return [...this.seen].map(([kind, seen]) => ({ source, line: seen.line, message: MESSAGES[kind](seen) }));
  }
}
