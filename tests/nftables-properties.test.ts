/**
 * Invariants of the nftables reader, with fast-check over the real fixtures: the order nft lists
 * objects and elements in never changes the model; no input makes the reader throw anything but
 * an InputError; a listing cut at any byte is refused, or read as far as it goes with nothing
 * removed.
 */
import fc from 'fast-check';
import { InputError } from '../lib/errors';
import type { Rule } from '../lib/model/ruleset';
import type { ServiceModel } from '../lib/model/service';
import { diffServices } from '../lib/diff/diff-services';
import { describeNftables, nftablesServiceNames, readNftables, type NftablesDump } from '../lib/parse/nftables';
import { editedAnywhere, jsonValuesReplaced, wordSoup } from './support/fuzz';
import { mulberry32 } from './support/kube-proxy-writer';
import { fixture } from './support/snapshots';

const TEXTS = ['k8s-1.29.list.txt', 'k8s-1.30-1.33.list-a.txt', 'k8s-1.34-1.35.list.txt', 'k8s-1.34-1.35-partial-sync.list.txt', 'k8s-1.36.list.txt', 'k8s-master-scaled.list-a.txt', 'ruleset-both-families.list.txt'];
const JSONS = ['k8s-1.29.json', 'k8s-1.34-1.35-partial-sync.json', 'k8s-master.json', 'ruleset-both-families.json'];

function read(text: string, allowTruncated = false, tables?: ReadonlySet<string>) {
  const dump = readNftables(text, { source: 'prop', allowTruncated });
  return { dump, view: describeNftables(dump, { source: 'prop', candidateNames: nftablesServiceNames(dump), tables }) };
}

function shuffled<T>(items: T[], rand: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** `{ a, b, c }` with its items in another order. */
function shuffleBraces(text: string, rand: () => number): string {
  return text.replace(/\{ ([^{}]*?) \}/g, (_, inner: string) => `{ ${shuffled(inner.split(/,\s+/), rand).join(', ')} }`);
}

/**
 * The same listing as nft could print it after another history: tables, and the sets, maps and
 * chains in each, in another order; the elements of every set, map and anonymous set too.
 */
function reorder(text: string, rand: () => number): string {
  const tables: string[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i]?.startsWith('table ')) continue;
    const header = [lines[i] as string];
    const objects: string[] = [];
    let current: string[] | null = null;
    for (i++; i < lines.length && lines[i] !== '}'; i++) {
      const line = lines[i] as string;
      if (/^\t(?:set|map|chain) /.test(line)) current = [line];
      else if (current && line === '\t}') {
        objects.push(shuffleBraces([...current, line].join('\n'), rand));
        current = null;
      } else if (current) current.push(line);
      else if (line.trim() !== '') header.push(line);
    }
    tables.push(`${header.join('\n')}\n${shuffled(objects, rand).join('\n\n')}\n}`);
  }
  return `${shuffled(tables, rand).join('\n')}\n`;
}

/** The model and the rule view as sets where order is not meaning. */
function meaningOf(dump: NftablesDump, model: ServiceModel, findings: { kind: string; message: string }[]) {
  const view: string[] = [];
  for (const [tn, t] of dump.ruleset.tables) {
    for (const [cn, c] of t.chains) {
      const keys = (c.rules as Rule[]).map((r) => r.key);
      view.push(`${tn} ${cn} ${JSON.stringify((c as unknown as { ordered: boolean }).ordered ? keys : keys.sort())}`);
    }
  }
  return { ports: model.ports, view: view.sort(), findings: findings.map((f) => `${f.kind} ${f.message}`).sort() };
}

describe('order is not meaning', () => {
  test('the order of tables, sets, maps, chains and elements in the nft text never changes the model', () => {
    fc.assert(
      fc.property(fc.constantFrom(...TEXTS), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (file, seed) => {
        const text = fixture('nftables', file);
        const original = read(text);
        const moved = read(reorder(text, mulberry32(seed)));
        expect(meaningOf(moved.dump, moved.view.model, moved.view.findings)).toEqual(meaningOf(original.dump, original.view.model, original.view.findings));
      }),
      { numRuns: 40 },
    );
  });
});

/** Reads and describes, touching every lazy part of every rule; anything thrown but an InputError fails. */
function onlyInputErrors(text: string, allowTruncated: boolean): void {
  try {
    const { dump, view } = read(text, allowTruncated);
    for (const t of dump.ruleset.tables.values()) {
      for (const c of t.chains.values()) {
        for (const r of c.rules) void [r.key, r.pairKey, r.text, r.refs, r.selector, r.comment, r.sameAs(r)];
        void view.chainIdentity(c.name);
      }
    }
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
  }
}

const NFT_WORDS = ['table', 'ip', 'ip6', 'inet', 'kube-proxy', 'chain', 'set', 'map', 'elements', '=', '{', '}', '{', '}', ',', ', ', ';', ':', ' : ', '.', ' . ', '@', '@service-ips', '"', '#', '# handle 3',
  'type', 'hook', 'priority', 'policy', 'accept', 'drop', 'goto', 'jump', 'return', 'reject', 'with', 'numgen', 'random', 'mod', '0', '2', '-1', 'vmap', 'dnat', 'to', '10.0.0.1:80', '[fd00::1]:53', 'fd00::1',
  'meta', 'l4proto', 'tcp', 'udp', 'dport', 'th', 'saddr', 'daddr', '!=', '==', '&', '|', 'mark', 'set', 'update', 'ct', 'state', 'new', 'fib', 'local', 'comment', 'counter', 'packets', '5', 'bytes', 'masquerade',
  'fully-random', 'timeout', '3h', 'flags', 'interval', 'service-ABCDEFGH-ns/svc/tcp/http', 'endpoint-ABCDEFGH-ns/svc/tcp/http__10.0.0.1/80', 'addr', 'port', 'offset', 'jhash', 'seed', 'xt', 'log', '\n', '\n', '\t'];

const soup = wordSoup(NFT_WORDS, 'table ip kube-proxy {\n\tchain c {\n\t\t');

/** A fixture with a few edits: a range removed, a word inserted. */
const edited = editedAnywhere([...TEXTS, ...JSONS].map((file) => fixture('nftables', file)), [...NFT_WORDS, '"kube-proxy"', '{"rule": {}}', '[', ']', 'null', '{"set": 1}']);

const jsonEdited = jsonValuesReplaced(JSONS.map((file) => fixture('nftables', file)));

describe('bad input is an InputError, never another exception', () => {
  test.each([
    ['any text', fc.string({ maxLength: 400 }), 300],
    ['any bytes', fc.string({ unit: 'binary', maxLength: 400 }), 300],
    ['nft words in any order', soup, 300],
    ['a fixture edited anywhere', edited, 150],
    ['a JSON fixture with objects and values replaced', jsonEdited, 80],
  ])('%s', (_, arbitrary, numRuns) => {
    fc.assert(
      fc.property(arbitrary as fc.Arbitrary<string>, fc.boolean(), (text, allowTruncated) => onlyInputErrors(text, allowTruncated)),
      { numRuns: numRuns as number },
    );
  });
});

describe('cut listings', () => {
  test('cut at any byte: refused, or read as far as it goes with no service or endpoint removed', () => {
    fc.assert(
      fc.property(fc.constantFrom(...TEXTS, ...JSONS), fc.double({ min: 0, max: 1, noNaN: true }), (file, where) => {
        const whole = fixture('nftables', file);
        const cut = whole.slice(0, Math.floor(where * whole.length));
        try {
          read(cut);
        } catch (e) {
          expect(e).toBeInstanceOf(InputError);
        }
        let part;
        try {
          part = read(cut, true);
        } catch (e) {
          expect(e).toBeInstanceOf(InputError);
          return;
        }
        // As a diff does, the whole listing is read in the tables both hold: one cut before its ip6 table is a listing of its ip table.
        const full = read(whole, false, new Set(part.dump.ruleset.tables.keys())).view.model;
        const { services } = diffServices(full, part.view.model);
        expect(services.filter((s) => s.status === 'removed' || s.endpointsRemoved.length > 0)).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });
});
