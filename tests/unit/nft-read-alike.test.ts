/**
 * The second nft listing of a diff read alike the first (NftReadCache: a rule line written as one
 * read before is not parsed again) is the listing read alone: the same tables, chains, rules,
 * warnings and flags, and the same report, on every nftables fixture and on lines written to
 * trip the line key (handles, commas and `#` in odd places, counters, other spaces).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { diffSnapshots } from '../../lib/diff/diff-snapshots';
import { parseNftText } from '../../lib/parse/nft/parse-text';
import { NftReadCache, ruleLineKey } from '../../lib/parse/nft/read-cache';
import type { NftDump } from '../../lib/parse/nft/dump';
import { renderJson } from '../../lib/report/json';
import { parseSnapshot } from '../../lib/snapshot/load-snapshot';
import { fixture } from '../support/snapshots';

/** What a reading holds, rule by rule, without the objects' identities. */
function contents(dump: NftDump): unknown {
  const { ruleset: _view, ...rest } = dump;
  return JSON.parse(JSON.stringify({ ...rest, tables: dump.tables.map((t) => ({ ...t, scope: null, chains: [...t.chains.values()], sets: [...t.sets.values()] })) }, (key, value) => (key === 'scope' ? undefined : value)));
}

/** The second listing read alone, and read alike the first: how many of its rules it took from the first. */
function bothWays(first: string, second: string): { alone: NftDump; alike: NftDump; reused: number } {
  const cache = new NftReadCache();
  const read = parseNftText(first, { source: 'first', learn: cache });
  const alike = parseNftText(second, { source: 'second', learn: cache, alike: cache });
  const firstStatements = new Set(read.tables.flatMap((t) => [...t.chains.values()].flatMap((c) => c.rules.map((r) => r.statements))));
  const reused = alike.tables.flatMap((t) => [...t.chains.values()].flatMap((c) => c.rules)).filter((r) => firstStatements.has(r.statements)).length;
  return { alone: parseNftText(second, { source: 'second' }), alike, reused };
}

const listing = (lines: string[]) => `table ip kube-proxy {\n\tchain c {\n${lines.map((l) => `\t\t${l}\n`).join('')}\t}\n}\n`;

describe('lines that look alike but are not, read alike the first listing', () => {
  const cases: [string, string, string][] = [
    ['a comma before a handle written without a space', 'ip daddr { 10.0.0.1, 10.0.0.2 } ct state new,# handle 3', 'ip daddr { 10.0.0.1, 10.0.0.2 } ct state new,'],
    ['a handle annotation, then none', 'ip saddr 10.0.0.1 jump x # handle 7', 'ip saddr 10.0.0.1 jump x'],
    ['a `#` in a comment string', 'ip saddr 10.0.0.1 jump x comment "a # handle 7"', 'ip saddr 10.0.0.1 jump x comment "a # handle 8"'],
    ['counter values, then others', 'ip saddr 10.0.0.1 counter packets 3 bytes 180 jump x', 'ip saddr 10.0.0.1 counter packets 0 bytes 0 jump x'],
    ['a non-breaking space around the words', '\u00a0ip saddr 10.0.0.1 jump x', 'ip saddr 10.0.0.1 jump x\u00a0'],
    ['a rule natdiff cannot read, then the same', 'frobnicate the packet', 'frobnicate the packet'],
    ['a carriage return at the end', 'ip saddr 10.0.0.1 jump x\r', 'ip saddr 10.0.0.1 jump x'],
  ];
  test.each(cases)('%s: the listing as read alone', (_, before, after) => {
    const first = listing([before, 'meta l4proto tcp dnat to 10.0.0.1:80']);
    for (const second of [listing([after, 'meta l4proto tcp dnat to 10.0.0.1:80']), listing([before, after]), first]) {
      const { alone, alike } = bothWays(first, second);
      expect(contents(alike)).toEqual(contents(alone));
    }
  });

  test('a line written alike takes the first listing rule: its statements are not parsed again', () => {
    const first = listing(['ip saddr 10.0.0.1 jump x', 'meta l4proto tcp dnat to 10.0.0.1:80']);
    const { alike, reused } = bothWays(first, listing(['ip saddr 10.0.0.1 jump x # handle 4', 'meta l4proto tcp dnat to 10.0.0.2:80']));
    expect(reused).toBe(1);
    expect(alike.hadHandles).toBe(true);
  });

  test.each([
    ['\t\tip saddr 10.0.0.1 jump x # handle 12', 'ip saddr 10.0.0.1 jump x', true],
    ['ip saddr 10.0.0.1 jump x,# handle 12', null, false],
    ['ip saddr 10.0.0.1 jump x # not a handle', null, false],
    ['jump x comment "#"', null, false],
    [' \t ', null, false],
  ])('the key of %j is %j', (line, key, handle) => {
    const k = ruleLineKey(line);
    expect(k?.key ?? null).toBe(key);
    if (k) expect(k.handle).toBe(handle);
  });
});

/** nftables listings in text that the reader reads (JSON and `nft -f` scripts are read otherwise). */
const DIR = join(__dirname, '..', 'fixtures', 'nftables');
const listings = readdirSync(DIR).filter((f) => f.endsWith('.txt') && !f.startsWith('iptables-nft'));

/** The listing less its first DNAT rule, and with every rule line annotated with a handle. */
const withoutFirstDnat = (text: string) => text.replace(/^[^\n]*dnat to[^\n]*\n/m, '');
const withHandles = (text: string) => text.replace(/^(\t\t[a-z][^\n{}]*[^{\n])$/gm, (line, _m, offset: number) => `${line} # handle ${offset % 97}`);

test('the fixtures hold nftables listings', () => {
  expect(listings.length).toBeGreaterThan(10);
});

test.each(listings)('%s, against itself less a rule and with handles: read alike, as read alone, and the same report', (file) => {
  const text = fixture('nftables', file);
  for (const second of [withoutFirstDnat(text), withHandles(text)]) {
    const { alone, alike, reused } = bothWays(text, second);
    expect(contents(alike)).toEqual(contents(alone));
    expect(reused).toBeGreaterThan(0);
    const first = parseSnapshot(text, 'a');
    const report = (b: ReturnType<typeof parseSnapshot>) => renderJson(diffSnapshots(first, b), 'test', { all: true });
    expect(report(parseSnapshot(second, 'b', { alike: first }))).toBe(report(parseSnapshot(second, 'b')));
  }
});
