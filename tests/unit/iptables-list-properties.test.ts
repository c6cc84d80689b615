/**
 * Invariants of the `iptables -L` reader, on token soup and on damaged real listings:
 *  - no input makes it throw anything but InputError, and what it reads can be modelled and
 *    compared (every rule's canonical key can be built);
 *  - a listing cut at any byte is refused, or read with nothing invented or removed: every chain
 *    it reads holds the rules the whole listing gives that chain (but for a cut between two lines
 *    of its first, built-in chain: that is a listing of one chain, `iptables -L PREROUTING`).
 */
import { fc, test } from '@fast-check/jest';
import { InputError } from '../../lib/errors';
import { BUILTIN_CHAINS } from '../../lib/parse/iptables/builtin-chains';
import { readIptablesList } from '../../lib/parse/iptables-list';
import type { IptablesDump } from '../../lib/parse/iptables/parse-dump';
import { buildServiceView } from '../../lib/parse/iptables/services';
import { fixture } from '../support/snapshots';

const REALS = [
  fixture('iptables-list', 'kube-proxy-nat-L-n.txt'),
  fixture('iptables-list', 'kube-proxy-nat-L-n-v-x-line-numbers.txt'),
  fixture('iptables-list', 'matches-L-n-v.txt'),
  fixture('iptables-list', 'kube-proxy-ip6-nat-L-n-v.txt'),
  fixture('corpus', '01-eks-echoserver-scale-before.txt'),
  fixture('corpus', '20-minikube-10ep-svc-chain-list-uneven.txt'),
  fixture('corpus', '28-kubeadm-flannel-nodeport-nvL-counters-same-state-as-06.txt'),
];

const TOKENS = [
  'Chain', 'KUBE-SERVICES', 'KUBE-SVC-6ZVPY37LGINYSSPR', 'KUBE-SEP-GPWR3APAVUJOODXU', 'PREROUTING', '(policy ACCEPT)', '(policy ACCEPT 0 packets, 0 bytes)', '(1 references)', '(0 references)',
  'target     prot opt source               destination', ' pkts bytes target     prot opt in     out     source               destination', 'num', 'pkts', 'bytes',
  '0', '6', '17', 'all', 'tcp', '!6', '--', '-f', '!f', '*', '!docker0', 'eth+', '0.0.0.0/0', '::/0', '10.96.0.1', '!10.244.0.0/16', '10.0.0.0/255.0.255.0', 'anywhere', '346K', '21M',
  '/*', '*/', '/* kube-system/kube-dns:dns */', 'tcp dpt:53', 'dpts:1:2', 'dpt:!22', 'flags:0x17/0x02', 'option=5', 'statistic mode random probability 0.50000000000', 'probability', '0.333330', 'mode', 'nth', 'every',
  'recent:', 'CHECK', 'SET', 'seconds:', 'name:', 'side:', 'source', 'mask:', '!', 'ADDRTYPE match dst-type LOCAL', 'src-type', 'mark match', 'MARK', 'or', 'xset', '0x4000/0x4000', 'multiport dports', '80,443',
  'ctstate', 'RELATED,ESTABLISHED', 'match-set', 'dst,dst', 'PHYSDEV match', '--physdev-is-in', 'limit: avg 3/hour burst 5', 'to:10.244.0.5:53', 'to:[fd00::1]:53', 'to:', 'random-fully', 'masq ports:', 'redir ports',
  'reject-with', '[goto]', 'DNAT', 'SNAT', 'MASQUERADE', 'LOG', 'CONNMARK', '"', '\\', '-m', '-j', '\u001b[31m', '\t', '...', '',
];
const junkLine = fc.oneof(fc.array(fc.constantFrom(...TOKENS), { maxLength: 14 }).map((t) => t.join(' ')), fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 20 }));

/** Reads, models and compares what it read; only InputError may come out. */
function readsOrRefuses(text: string, allowTruncated: boolean): void {
  let dump: IptablesDump;
  try {
    dump = readIptablesList(text, { source: 'junk', allowTruncated });
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return;
  }
  for (const table of dump.ruleset.tables.values()) for (const chain of table.chains.values()) for (const rule of chain.rules) expect(typeof rule.key).toBe('string');
  buildServiceView(dump.ruleset, { source: 'junk', fragment: true });
}

describe('the reader never throws anything but a clear error', () => {
  test.prop([fc.array(junkLine, { maxLength: 30 }), fc.boolean()], { numRuns: 500 })('token soup', (lines, allowTruncated) => {
    readsOrRefuses(lines.join('\n'), allowTruncated);
  });

  test.prop([fc.constantFrom(...REALS.keys()), fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.nat(3), fc.constantFrom(...TOKENS)), { minLength: 1, maxLength: 8 }), fc.boolean()], { numRuns: 400 })(
    'a real listing with bytes deleted, replaced and inserted, and lines dropped',
    (which, edits, allowTruncated) => {
      let text = REALS[which] as string;
      for (const [where, kind, s] of edits) {
        const at = Math.floor(where * text.length);
        if (kind === 0) text = text.slice(0, at) + text.slice(at + 1);
        else if (kind === 1) text = text.slice(0, at) + s + text.slice(at + 1);
        else if (kind === 2) text = text.slice(0, at) + s + text.slice(at);
        else text = text.slice(0, text.lastIndexOf('\n', at) + 1) + text.slice(text.indexOf('\n', at) + 1);
      }
      readsOrRefuses(text, allowTruncated);
    },
  );
});

function rulesByChain(dump: IptablesDump): Map<string, string[]> {
  const table = [...dump.ruleset.tables.values()][0];
  return new Map([...(table?.chains.values() ?? [])].map((c) => [c.name, c.rules.map((r) => r.key)]));
}

describe('a listing cut short never reads as removed rules', () => {
  // Whole-table listings and kube-proxy chains: a listing of one other chain cut between two lines is a shorter listing.
  const WHOLE = [0, 1, 3, 4, 5, 6];
  test.prop([fc.constantFrom(...WHOLE), fc.double({ min: 0, max: 1, noNaN: true }), fc.boolean()], { numRuns: 600 })(
    'cut at any byte, or after any line: refused, or read with every chain it holds as the whole listing has it',
    (which, where, afterLine) => {
      const whole = REALS[which] as string;
      const at = Math.floor(where * whole.length);
      const cut = whole.slice(0, afterLine ? whole.indexOf('\n', at) + 1 : at);
      // Cut between two lines of its first chain, a listing of the whole table is a listing of that one built-in chain (`iptables -L PREROUTING`).
      const chains = cut.match(/^Chain \S+/gm) ?? [];
      fc.pre(!(cut.endsWith('\n') && chains.length === 1 && BUILTIN_CHAINS.has((chains[0] as string).slice(6))));
      const full = rulesByChain(readIptablesList(whole, { source: 'whole' }));
      let read: IptablesDump;
      try {
        read = readIptablesList(cut, { source: 'cut', allowTruncated: true });
      } catch (e) {
        expect(e).toBeInstanceOf(InputError);
        return;
      }
      for (const [chain, keys] of rulesByChain(read)) expect([chain, keys]).toEqual([chain, full.get(chain)]);
      if (read.cutShort) expect(() => readIptablesList(cut, { source: 'cut' })).toThrow(InputError);
    },
  );
});
