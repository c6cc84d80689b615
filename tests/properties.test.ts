/**
 * Invariants, checked on generated clusters and generated garbage:
 *  - no reordering, quoting, precision or other formatting change alters the answer;
 *  - no input makes the parser throw anything but a clear InputError.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fc, test } from '@fast-check/jest';
import { InputError } from '../lib/errors';
import { diffSnapshots } from '../lib/diff/diff-snapshots';
import { parseIptablesDump } from '../lib/parse/iptables/parse-dump';
import { sameMeaning } from '../lib/parse/iptables/rule-facts';
import { parseSnapshot } from '../lib/snapshot/load-snapshot';
import { cluster } from './support/cluster-arbitrary';
import { writeRestorePayload } from './support/kube-proxy-writer';
import { noisy } from './support/noise';
import { fixture } from './support/snapshots';

describe('noise never changes the answer', () => {
  test.prop([cluster, fc.array(fc.nat(1023), { minLength: 1, maxLength: 16 }), fc.nat(100), fc.nat(1000)], { numRuns: 60 })(
    'a kube-proxy payload vs the same rules reshuffled, requoted, re-precisioned, regrouped',
    (c, picks, shuffleKey, seed) => {
      const a = parseSnapshot(writeRestorePayload(c, { seed }), 'a');
      const b = parseSnapshot(noisy(writeRestorePayload(c, { seed: seed + 1 }), picks, shuffleKey + 1), 'b');
      const report = diffSnapshots(a, b);
      expect(report.warnings).toEqual([]);
      expect(report.chains).toEqual([]);
      expect(report.services).toHaveLength(c.services.flatMap((s) => s.ports).length);
      expect(report.services.filter((s) => s.status !== 'unchanged')).toEqual([]);
      expect(report.summary.changed).toBe(false);
    },
  );

  test.prop([cluster, fc.nat(1000)], { numRuns: 40 })('every complete endpoint ladder splits all traffic: shares sum to 1', (c, seed) => {
    const s = parseSnapshot(writeRestorePayload(c, { seed }), 'x');
    const ports = s.describe(s.serviceNames()).model.ports;
    expect(ports).toHaveLength(c.services.flatMap((svc) => svc.ports).length);
    for (const port of ports) {
      if (port.endpoints.length === 0) continue;
      expect(port.endpoints.reduce((n, e) => n + e.share, 0)).toBeCloseTo(1, 8);
      for (const e of port.endpoints) expect(e.share).toBeCloseTo(1 / port.endpoints.length, 8);
    }
  });
});

const TOKENS = ['-A', '-I', '-N', '-P', '-X', '-D', ':KUBE-SVC-TCOU7JCQXEZGVUNU', '*nat', '*filter', 'COMMIT', 'KUBE-SERVICES', 'KUBE-SEP-ABCDEFGHIJKLMNOP', '-m', 'comment', '--comment', '"', '\\', '!', '-p', 'tcp', '-d', '10.0.0.1/33', '::1', '-j', 'DNAT', '--to-destination', '[fd00::1]:0', '--probability', '1e309', 'statistic', 'recent', '--rcheck', '--set', 'MARK', '--or-mark', '0xZZ', '[1:2]', '-c', '#', 'Chain', 'table ip x {', '\u001b[31m', '…', '(略)', '\t', ' ', ''];
const junkLine = fc.oneof(fc.array(fc.constantFrom(...TOKENS), { maxLength: 12 }).map((t) => t.join(' ')), fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 20 }));

describe('the parser never throws anything but a clear error', () => {
  test.prop([fc.array(junkLine, { maxLength: 30 })], { numRuns: 400 })('token soup', (lines) => {
    try {
      const s = parseSnapshot(lines.join('\n'), 'junk');
      s.describe(s.serviceNames());
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
    }
  });

  const real = fixture('captured', 'iptables-save-of-payload.txt');
  test.prop([fc.array(fc.tuple(fc.nat(real.length), fc.nat(3), fc.string({ maxLength: 3 })), { minLength: 1, maxLength: 8 })], { numRuns: 300 })(
    'a real dump with bytes deleted, replaced and inserted',
    (edits) => {
      let text = real;
      for (const [at, kind, s] of edits) text = kind === 0 ? text.slice(0, at) + text.slice(at + 1) : kind === 1 ? text.slice(0, at) + s + text.slice(at + 1) : text.slice(0, at) + s + text.slice(at);
      try {
        const snap = parseSnapshot(text, 'mutated');
        diffSnapshots(parseSnapshot(real, 'real'), snap);
      } catch (e) {
        expect(e).toBeInstanceOf(InputError);
      }
    },
  );
});

describe('a dump cut short never reads as an outage', () => {
  const dumps = [fixture('captured', 'iptables-save-of-payload.txt'), fixture('captured', 'kube-proxy-payload.txt'), readFileSync(join(__dirname, '..', 'snapshots', 'coredns-scale-2to4-after.txt'), 'utf8')];
  test.prop([fc.constantFrom(0, 1, 2), fc.double({ min: 0, max: 1, noNaN: true })], { numRuns: 300 })(
    'cut at any byte: refused, or read as far as it goes with nothing removed',
    (which, where) => {
      const whole = dumps[which] as string;
      const cut = whole.slice(0, Math.floor(where * whole.length));
      const full = parseSnapshot(whole, 'whole');
      let part;
      try {
        parseSnapshot(cut, 'cut');
      } catch (e) {
        expect(e).toBeInstanceOf(InputError);
      }
      try {
        part = parseSnapshot(cut, 'cut', { allowTruncated: true });
      } catch (e) {
        expect(e).toBeInstanceOf(InputError);
        return;
      }
      // An `iptables -S` listing has no end to miss: cut between two lines, it may read as a whole listing of fewer rules (an
      // empty table, a chain with fewer rules), which a real node can hold; only what kube-proxy always writes shows such a cut.
      if (part.format === 'iptables -S' && (cut.endsWith('\n') || cut.length === 0)) return;
      const report = diffSnapshots(full, part);
      expect(report.summary).toMatchObject({ servicesRemoved: 0, endpointsRemoved: 0, chainsRemoved: 0 });
    },
  );

  // kube-proxy declares every chain first and writes their rules in its own order: a chain with no
  // rule yet, declared before the chain the cut ends in, may have lost its rules to the cut.
  // An `iptables -S` listing has no end to miss: cut in the middle of a line it shows; between two lines, only by what kube-proxy always writes.
  test.each([
    ["kube-proxy's restore payload", 1, true],
    ['an iptables -S listing', 2, false],
  ])('%s cut in the middle of every line (and, having an end, at every line): nothing removed', (_, which, atLines) => {
    const whole = dumps[which as number] as string;
    const full = parseSnapshot(whole, 'whole');
    const ends = [...whole.matchAll(/\n/g)].map((m) => m.index as number);
    for (const [i, end] of ends.entries()) {
      const start = i === 0 ? 0 : (ends[i - 1] as number) + 1;
      for (const at of atLines ? [end + 1, start + Math.floor((end - start) / 2)] : [start + Math.floor((end - start) / 2)]) {
        let part;
        try {
          part = parseSnapshot(whole.slice(0, at), 'cut', { allowTruncated: true });
        } catch (e) {
          expect(e).toBeInstanceOf(InputError); // nothing to read yet (no rule before the cut)
          continue;
        }
        expect({ at, ...diffSnapshots(full, part).summary }).toMatchObject({ at, servicesRemoved: 0, endpointsRemoved: 0, chainsRemoved: 0 });
      }
    }
  });
});

/**
 * Rules compared in order are first compared by their facts when those say everything the rule
 * means; that must be exactly key equality. Pieces are spelled several ways (aliases, masks,
 * precision, quoting, order) and mixed with what facts cannot say (negations, interfaces, goto,
 * other modules and options), so both outcomes and both paths are exercised.
 */
describe('facts that say everything decide equality exactly as keys do', () => {
  /** Per part of a rule, how often it is there and groups of spellings of one value (most say the same; the property decides). */
  const SLOTS: { groups: string[][]; presentPercent: number }[] = [
    { presentPercent: 50, groups: [['-s 10.0.0.1', '-s 10.0.0.1/32', '--source 10.0.0.1', '-s 10.0.0.1/255.255.255.255'], ['-s 10.0.0.2/32'], ['-s 10.0.0.0/24', '-s 10.0.0.0/255.255.255.0', '-s 10.0.0.7/24'], ['-s fd00::1', '-s fd00:0::1/128']] },
    { presentPercent: 50, groups: [['-d 10.96.0.1', '-d 10.96.0.1/32', '--destination 10.96.0.1', '--dst 10.96.0.1'], ['-d 10.96.0.2'], ['-d 10.96.0.01']] },
    { presentPercent: 80, groups: [['-p tcp', '-p TCP', '-p 6', '--protocol tcp'], ['-p tcp'], ['-p udp', '-p 17'], ['-p all', '-p 0'], ['-p sctp']] },
    { presentPercent: 50, groups: [['-m comment --comment "ns/svc:http"', '-m comment --comment ns/svc:http', '-m comment --comment "other one"']] },
    {
      presentPercent: 40,
      groups: [
        ['-m tcp --dport 80', '--dport 80', '-m tcp --dport 0x50', '-m tcp --destination-port 80', '-m tcp --dport 80:80'], ['-m tcp --dport 80'], ['-m tcp --dport 81'], ['-m udp --dport 80', '-m udp --destination-port 80'],
        ['-m tcp --dport 80:90', '-m tcp --dport 80:0x5a'], ['-m tcp --dport http'], ['-m tcp', '-m udp', '-m sctp'],
      ],
    },
    {
      presentPercent: 30,
      groups: [
        ['-m statistic --mode random --probability 0.5', '-m statistic --mode random --probability 0.50000000000', '-m statistic --probability 0.5 --mode random', '-m statistic --mode RANDOM --probability 0.5', '-m statistic --probability 0.5'],
        ['-m statistic --mode random --probability 0.3333333333', '-m statistic --mode random --probability 0.33333333349'], ['-m statistic --mode random --probability 0.33333'], ['-m statistic --mode random --probability 2'],
      ],
    },
    {
      presentPercent: 20,
      groups: [
        ['! -s 10.0.0.1/32'], ['! -d 10.96.0.1'], ['! -p tcp'], ['-i eth0'], ['-o eth0'], ['-f'], ['-m tcp ! --dport 80'], ['-m tcp --sport 80'], ['-m tcp --dport 80 --dport 81'],
        ['-m statistic --mode random ! --probability 0.5'], ['-m statistic --mode nth --every 2'], ['-m comment --comment x -m comment --comment y'],
        ['-m mark --mark 0x4000/0x4000'], ['-m recent --name X --rcheck'], ['-m addrtype --src-type LOCAL'], ['-m multiport --dports 80,81'], ['-m conntrack --ctstate NEW'],
      ],
    },
  ];
  const TARGETS: string[][] = [
    ['-j KUBE-SEP-A', '--jump KUBE-SEP-A'], ['-j KUBE-SEP-B'], ['-g KUBE-SEP-A'], ['-j KUBE-MARK-MASQ'], ['-j RETURN'], ['-j REJECT', '-j REJECT --reject-with icmp-port-unreachable'],
    ['-j DNAT --to-destination 10.0.0.1:80', '-j DNAT --to 10.0.0.1:80', '-j DNAT --to-destination 10.0.0.1:0080'], ['-j DNAT --to-destination 10.0.0.1:81'], ['-j DNAT --to-destination 10.0.0.1:80 --random'],
    ['-j DNAT --to-destination 10.0.0.1'], ['-j DNAT --to-destination [fd00:0::1]:80', '-j DNAT --to-destination [fd00::1]:80'], ['-j DNAT'], ['-j DNAT --to-destination 10.0.0.1:80 --to-destination 10.0.0.2:80'],
    ['-j MARK --set-xmark 0x4000/0x4000', '-j MARK --or-mark 0x4000'], ['-j KUBE-SEP-A [unsupported revision]'], [''],
    ['-j DNAT --to-destination 10.0.0.1:80 -j DNAT', '-j KUBE-SEP-A -j KUBE-SEP-B'], ['-j "DNAT --to-destination 10.0.0.1:80"', '-j "KUBE-SEP-A"'],
  ];
  /** One slot of both rules: absent, or a spelling of a group; the second keeps the group (respelled) or takes any. */
  const slot = (groups: string[][], presentPercent: number) =>
    fc.record({ a: fc.noBias(fc.nat()), b: fc.noBias(fc.nat()), spellA: fc.noBias(fc.nat()), spellB: fc.noBias(fc.nat()), here: fc.noBias(fc.nat(99)), hereB: fc.noBias(fc.nat(99)), keep: fc.noBias(fc.nat(3)) }).map(({ a, b, spellA, spellB, here, hereB, keep }) => {
      const pick = (present: boolean, g: number, spell: number) => {
        const group = groups[g % groups.length] as string[];
        return present ? [group[spell % group.length] as string] : [];
      };
      return [pick(here < presentPercent, a, spellA), keep > 0 ? pick(here < presentPercent, a, spellB) : pick(hereB < presentPercent, b, spellB)] as const;
    });
  const order = (parts: string[], key: (p: string, i: number) => number) => parts.map((p, i) => [key(p, i), p] as const).sort((x, y) => x[0] - y[0]).map(([, p]) => p);
  const pair = fc.tuple(fc.tuple(...SLOTS.map((s) => slot(s.groups, s.presentPercent))), slot(TARGETS, 95), fc.func(fc.integer()), fc.func(fc.integer())).map(([slots, [targetA, targetB], orderA, orderB]): [string, string] => [
    `-A X ${order(slots.flatMap(([a]) => a), orderA).join(' ')} ${targetA.join('')}`,
    `-A X ${order(slots.flatMap(([, b]) => b), orderB).join(' ')} ${targetB.join('')}`,
  ]);
  const ruleOrNull = (line: string) => [...(parseIptablesDump(`${line}\n`, { source: 'p' }).ruleset.tables.get('nat')?.chains.get('X')?.rules ?? [])][0] ?? null;

  test.prop([pair], { numRuns: 3000 })('sameMeaning(a, b), when it knows, is a.key === b.key', ([lineA, lineB]) => {
    let a;
    let b;
    try {
      a = ruleOrNull(lineA);
      b = ruleOrNull(lineB);
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      return;
    }
    if (!a || !b) return;
    const known = sameMeaning(a.facts, b.facts);
    if (known !== null) expect(known).toBe(a.key === b.key);
    expect(a.sameAs(b)).toBe(a.key === b.key);
  });

  test.each([
    ['a second jump', '-A X -p tcp -m tcp -j DNAT --to-destination 10.0.0.1:80', '-A X -p tcp -j DNAT --to-destination 10.0.0.1:80 -j DNAT'],
    ['a second jump elsewhere', '-A X -j KUBE-SEP-B', '-A X -j KUBE-SEP-A -j KUBE-SEP-B'],
    ['a target name with spaces', '-A X -j DNAT --to-destination 10.0.0.1:80', '-A X -j "DNAT --to-destination 10.0.0.1:80"'],
    ['a quoted target name', '-A X -j KUBE-SEP-A', '-A X -j "KUBE-SEP-A"'],
    ['goto', '-A X -j KUBE-SEP-A', '-A X -g KUBE-SEP-A'],
    ['a port match of another protocol', '-A X -p udp -m udp --dport 80 -j RETURN', '-A X -p udp -m tcp --dport 80 -j RETURN'],
    ['a probability after a port match', '-A X -p tcp -m tcp --dport 80 -m statistic --mode random --probability 0.5 -j RETURN', '-A X -p tcp -m statistic --mode random --probability 0.5 -m tcp --dport 80 -j RETURN'],
  ])('found by review: %s', (_, lineA, lineB) => {
    const a = ruleOrNull(lineA);
    const b = ruleOrNull(lineB);
    if (!a || !b) throw new Error('both lines are rules');
    expect(a.sameAs(b)).toBe(a.key === b.key);
    expect(b.sameAs(a)).toBe(a.key === b.key);
  });

  test('kube-proxy rules say everything in their facts, so a noisy dump is compared without keys', () => {
    const complete = (line: string) => ruleOrNull(line)?.facts.complete;
    expect(complete('-A X -s 10.244.0.5/32 -j KUBE-MARK-MASQ')).toBe(true);
    expect(complete('-A X -m comment --comment "ns/s:p" -m tcp -p tcp -j DNAT --to-destination 10.244.0.5:53')).toBe(true);
    expect(complete('-A X -m comment --comment "ns/s:p -> 10.244.0.5:53" -m statistic --mode random --probability 0.3333333333 -j KUBE-SEP-A')).toBe(true);
    expect(complete('-A X -d 10.96.0.10/32 -p udp -m comment --comment "ns/s:p cluster IP" -m udp --dport 53 -j KUBE-SVC-A')).toBe(true);
    expect(complete('-A X ! -s 10.244.0.0/16 -d 10.96.0.10/32 -p udp -m udp --dport 53 -j KUBE-MARK-MASQ')).toBe(false);
  });
});
