/**
 * The meaning hash of a rule line (lib/parse/iptables/meaning-hash.ts), which lets the first pass
 * leave unread the services of two dumps written differently: read from a plain line's bytes, it
 * is the hash read from the rule's tokens (the reference), for every line of real and generated
 * dumps and for any respelling or mangling of them; and two lines of one chain hash alike only
 * when the rule diff takes them for one rule with one comment.
 */
import { fc, test as property } from '@fast-check/jest';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { indexLines } from '../../lib/narrow/line-index';
import { MeaningHasher } from '../../lib/parse/iptables/meaning-hash';
import { parseRule } from '../../lib/parse/iptables/rule';
import { tokenize } from '../../lib/parse/iptables/tokenize';
import { benchCluster } from '../bench/generate';
import { writeRestorePayload } from '../support/kube-proxy-writer';
import { toSaveFormat } from '../support/save-format';
import { bundled, fixture } from '../support/snapshots';

const hasher = new MeaningHasher();

function ruleLines(text: string): string[] {
  return text.split('\n').filter((l) => l.startsWith('-A '));
}

/** The line's hash read from its bytes (null: not plain) and from its tokens (null: none). */
function both(line: string): { plain: string | null; tokens: string | null } {
  const index = indexLines(Buffer.from(`${line}\n`));
  const out = new Int32Array(2);
  const plain = hasher.plainRule(index, 0, out);
  const fromBytes = plain === null ? null : plain ? `${out[0]}:${out[1]}` : 'none';
  const fromTokens = hasher.byTokens(line, out) ? `${out[0]}:${out[1]}` : 'none';
  return { plain: fromBytes, tokens: fromTokens };
}

const cluster = benchCluster(40, 4, 3);
const payload = writeRestorePayload(cluster, { seed: 3 });
const realLines = [
  ...ruleLines(payload),
  ...ruleLines(toSaveFormat(payload)),
  ...ruleLines(bundled('coredns-scale-2to4-before.txt')),
  ...readdirSync(join(__dirname, '..', 'fixtures', 'corpus'))
    .filter((f) => f.endsWith('.txt'))
    .flatMap((f) => ruleLines(fixture('corpus', f))),
];

test('every rule line of generated and real dumps: read from its bytes, the hash read from its tokens', () => {
  let plain = 0;
  for (const line of realLines) {
    const h = both(line);
    if (h.plain === null) continue;
    plain++;
    expect({ line, hash: h.plain }).toEqual({ line, hash: h.tokens });
  }
  // Most of kube-proxy's rules are read from their bytes.
  expect(plain).toBeGreaterThan(realLines.length / 2);
});

/**
 * The rules kube-proxy writes that are not complete facts (a negated source; session affinity's
 * `recent` lists), each as its restore payload and as iptables-save write it.
 */
const KEYED_PAIRS: [payload: string, save: string][] = [
  [
    '-A KUBE-SVC-X -m comment --comment "ns/svc:http cluster IP" -m tcp -p tcp -d 10.96.31.204 --dport 80 ! -s 10.64.0.0/10 -j KUBE-MARK-MASQ',
    '-A KUBE-SVC-X ! -s 10.64.0.0/10 -d 10.96.31.204/32 -p tcp -m comment --comment "ns/svc:http cluster IP" -m tcp --dport 80 -j KUBE-MARK-MASQ',
  ],
  [
    '-A KUBE-SVC-X -m recent --name KUBE-SEP-Y --rcheck --seconds 10800 --reap -j KUBE-SEP-Y',
    '-A KUBE-SVC-X -m recent --rcheck --seconds 10800 --reap --name KUBE-SEP-Y --mask 255.255.255.255 --rsource -j KUBE-SEP-Y',
  ],
  [
    '-A KUBE-SEP-Y -m recent --name KUBE-SEP-Y --set -m tcp -p tcp -j DNAT --to-destination 10.64.144.117:8080',
    '-A KUBE-SEP-Y -p tcp -m recent --set --name KUBE-SEP-Y --mask 255.255.255.255 --rsource -m tcp -j DNAT --to-destination 10.64.144.117:8080',
  ],
];

test('kube-proxy\'s negated-source masquerade and session affinity rules: read from their bytes, payload and iptables-save spellings hash alike', () => {
  for (const [written, saved] of KEYED_PAIRS) {
    const [w, s] = [both(written), both(saved)];
    expect({ written, hash: w.plain }).toEqual({ written, hash: w.tokens });
    expect({ saved, hash: s.plain }).toEqual({ saved, hash: s.tokens });
    expect(w.plain).not.toBe('none');
    expect(w.plain).toBe(s.plain);
  }
});

const WORDS = ['!', '-m', 'tcp', 'udp', 'TCP', '6', '-p', '--dport', '80', '080', '0', '65536', '10.0.0.1', '10.0.0.1/32', '10.0.0.0/8', '10.0.0.256', '01.0.0.1', '-s', '-d', '-j', '-g', 'DNAT', '--to-destination', '10.1.2.3:80', '10.1.2.3:0', '10.1.2.3', '--comment', 'comment', '"a b"', '"a\\"b"', '""', 'statistic', '--mode', 'random', 'nth', '--probability', '0.5', '1.5', '0.333333333333333', '0.3333333333333333', '.5', '0.', '1.0', '0.33333', '0.33333333349', 'x', '[unsupported', 'revision]', 'é', 'KUBE-MARK-MASQ', '--set-xmark', '0x4000/0x4000', '--to-ports', '-c', '',
  'recent', 'RECENT', '--name', '--set', '--rcheck', '--update', '--seconds', '--reap', '--hitcount', '--mask', '--rsource', '--rdest', '255.255.255.255', '255.255.255.0', 'DEFAULT', 'KUBE-SEP-Y', "a'b", 'a\\b', '-5', '10800', '010800', '1e3', '10.64.0.0/10', '10.64.0.1/10', '10.64.0.0/010', '10.64.0.0/255.192.0.0', '10.64.0.0/33', '0.0.0.0/0', 'fd00::/64'];

type Edit = [op: 'swap' | 'drop' | 'double' | 'replace' | 'insert', at: number, word: string];
const edits = fc.array(fc.tuple(fc.constantFrom('swap' as const, 'drop' as const, 'double' as const, 'replace' as const, 'insert' as const), fc.nat(), fc.constantFrom(...WORDS)), { minLength: 1, maxLength: 4 });

/** A line mangled: words swapped, dropped, doubled or replaced. */
function edited(line: string, changes: Edit[]): string {
  const words = line.split(' ');
  for (const [op, at, word] of changes) {
    // The first two words (-A CHAIN) stay: a rule line of the chain.
    const k = 2 + (at % Math.max(1, words.length - 2));
    if (op === 'swap' && k + 1 < words.length) [words[k], words[k + 1]] = [words[k + 1] as string, words[k] as string];
    else if (op === 'drop' && words.length > 3) words.splice(k, 1);
    else if (op === 'double') words.splice(k, 0, words[k] ?? word);
    else if (op === 'replace') words[k] = word;
    else words.splice(k, 0, word);
  }
  return words.join(' ');
}

/** A real line mangled; one in five of kube-proxy's keyed rules (few among the real lines). */
const mangled = fc
  .tuple(fc.oneof({ arbitrary: fc.constantFrom(...realLines), weight: 4 }, { arbitrary: fc.constantFrom(...KEYED_PAIRS.flat()), weight: 1 }), edits)
  .map(([line, changes]) => edited(line, changes));

property.prop([mangled], { numRuns: 3000 })('any mangled rule line: read from its bytes (when plain), the hash read from its tokens', (line) => {
  const h = both(line);
  if (h.plain !== null) expect(h.plain).toBe(h.tokens);
});

/** `words` with `word` put among them. */
function among(words: string[], word: string, at: number): string[] {
  const k = at % (words.length + 1);
  return [...words.slice(0, k), word, ...words.slice(k)];
}

const address = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('10.0.0.1', '10.0.0.1/32', '10.64.0.0/10', '0.0.0.0/0') },
  fc.constantFrom('10.64.0.1/10', '10.64.0.0/010', '10.64.0.0/255.192.0.0', '10.0.0.0/33', '01.0.0.1', 'fd00::1'),
);
const recentOptions = fc
  .tuple(fc.constantFrom('--set', '--rcheck', '--set', '--rcheck', '--set --rcheck', '--rcheck --set', '--update'), fc.constantFrom('--name KUBE-SEP-Y', '--name DEFAULT', ''), fc.shuffledSubarray(['--seconds 10800', '--reap', '--mask 255.255.255.255', '--rsource']), fc.nat(), fc.nat())
  .map(([mode, name, options, at, nameAt]) => among(name === '' ? options : among(options, name, nameAt), mode, at));
/** The parts of a rule read from its bytes, with a negation or a `recent` match among them most often. */
const parts = fc.constantFrom('tcp', 'udp').chain((protocol) =>
  fc.shuffledSubarray([
    fc.tuple(fc.constantFrom('! -s', '! -d', '-s'), address).map(([o, a]) => `${o} ${a}`),
    address.map((a) => `-d ${a}`),
    fc.constant(`-p ${protocol}`),
    fc.constantFrom(`-m ${protocol} --dport 80`, `-m ${protocol}`),
    fc.constantFrom('-m comment --comment "ns/svc:http cluster IP"', '-m comment --comment x'),
    recentOptions.map((o) => ['-m recent', ...o].join(' ')),
  ]).chain((arbitraries) => fc.tuple(...arbitraries)),
);
/** Words that make a rule something else. */
const ODD = fc.constantFrom(
  '!', '! -d 10.0.0.1', '-s 10.0.0.1', '-p tcp', '-m tcp', '-m recent', '-m RECENT', '-m statistic --mode random --probability 0.5', '--dport 80', '--set', '--rcheck', '--update', '--rdest', '--reap', '--rsource', '--set x', '--mask 255.255.255.0', '--mask FFFF',
  '--seconds 010800', '--seconds 0', '--seconds 1e3', '--seconds 100000', '--name KUBE-SEP-Z', '--name DEFAULT', '--name default', "--name a'b", '--name a\\b', '--name -5', '--name !', '--name "x y"', '--name',
);
/** A rule line of those parts in any order, then its target, now and then with odd words put among its words. */
const built = fc
  .tuple(
    parts,
    fc.oneof({ weight: 4, arbitrary: fc.constantFrom('-j KUBE-SEP-Y', '-j KUBE-MARK-MASQ', '-j DNAT --to-destination 10.1.2.3:80') }, fc.constantFrom('-j DNAT --to-destination 10.1.2.3:0', "-j a'b", '-j a\\b')),
    fc.oneof({ weight: 2, arbitrary: fc.constant([]) }, fc.array(fc.tuple(ODD, fc.nat()), { minLength: 1, maxLength: 2 })),
  )
  .map(([written, target, odd]) => odd.reduce((words, [word, at]) => among(words, word, at), [...written, target].join(' ').split(' ')))
  .map((words) => ['-A KUBE-SVC-X', ...words].join(' '));

property.prop([built], { numRuns: 3000 })('any rule line of the parts a line read from its bytes holds, in any order: read from its bytes (when plain), the hash read from its tokens', (line) => {
  const h = both(line);
  if (h.plain !== null) expect(h.plain).toBe(h.tokens);
});

test('of those lines, one in twenty or more holds a negation or a `recent` match and is read from its bytes (the property above is not idle)', () => {
  const keyed = fc.sample(built, { numRuns: 1000, seed: 1 }).filter((line) => / ! -| recent /.test(line) && both(line).plain !== null);
  expect(keyed.length).toBeGreaterThan(50);
});

/** The full reading's judgement of two lines of one chain: one rule (sameAs) with one comment, and the same facts for the service model. */
function sameForTheDiff(x: string, y: string): boolean | null {
  try {
    const rule = (line: string) => parseRule(line.split(' ')[1] as string, tokenize(line), 2, 1, line, { warn: () => undefined, matchTexts: new Map() });
    const [a, b] = [rule(x), rule(y)];
    return a.sameAs(b) && a.comment === b.comment && JSON.stringify(a.facts) === JSON.stringify(b.facts);
  } catch {
    return null;
  }
}

property.prop([mangled, edits], { numRuns: 3000 })('a line and the line edited hash alike only when the rule diff takes them for one rule with one comment, and the service model reads them alike', (x, changes) => {
  const y = edited(x, changes);
  const [hx, hy] = [both(x).tokens, both(y).tokens];
  if (hx !== 'none' && hx === hy) expect(sameForTheDiff(x, y)).toBe(true);
});

test('two lines of one canonical key that the service model reads otherwise hash otherwise (`--mode` without its value: random to the key, selective to the facts)', () => {
  const x = '-A KUBE-SVC-X -m statistic --mode random --probability 0.5 -m comment --comment a -m comment --comment a -j KUBE-SEP-Y';
  const y = x.replace('--mode random', '--mode');
  expect(both(x).tokens).not.toBe(both(y).tokens);
});

test('a line holding a NUL or a \\x01 (what the hashed text separates its parts with) has no hash, read from its bytes or its tokens', () => {
  for (const line of ['-A KUBE-SEP-X -s 10.0.0.1/32 -m comment --comment "a\u0000F" -j KUBE-MARK-MASQ', '-A KUBE-SEP-X -s 10.0.0.1/32 -j Q\u0001KUBE-MARK-MASQ']) {
    expect(both(line)).toEqual({ plain: null, tokens: 'none' });
  }
});

test('kube-proxy restore payload and iptables-save lines of one rule hash alike', () => {
  const save = ruleLines(toSaveFormat(payload));
  const written = ruleLines(payload);
  const byChain = (lines: string[]) => {
    const m = new Map<string, string[]>();
    for (const l of lines) m.set(l.split(' ')[1] as string, [...(m.get(l.split(' ')[1] as string) ?? []), l]);
    return m;
  };
  const [p, s] = [byChain(written), byChain(save)];
  let alike = 0;
  for (const [chain, lines] of p) {
    if (!chain.startsWith('KUBE-SVC-') && !chain.startsWith('KUBE-SEP-')) continue;
    lines.forEach((l, k) => {
      const t = s.get(chain)?.[k] as string;
      expect({ l, hash: both(l).tokens }).toEqual({ l, hash: both(t).tokens });
      alike++;
    });
  }
  expect(alike).toBeGreaterThan(100);
});
