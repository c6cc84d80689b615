/**
 * Invariants of the iptables-nft reader, with fast-check over real listings: no input makes it
 * throw anything but an InputError (token soup, listings edited anywhere, JSON with any value
 * replaced); a listing cut at any byte is refused, or read as far as it goes with no service and
 * no endpoint removed.
 */
import fc from 'fast-check';
import { diffServices } from '../../lib/diff/diff-services';
import { InputError } from '../../lib/errors';
import type { ServiceModel } from '../../lib/model/service';
import { describeIptablesNft, readIptablesNft } from '../../lib/parse/iptables-nft';
import { editedAnywhere, jsonValuesReplaced, wordSoup } from '../support/fuzz';
import { fixture } from '../support/snapshots';

const LISTINGS: [string, string][] = [
  ['iptables-nft', 'cluster.list.txt'],
  ['iptables-nft', 'cluster-scaled.list-a.txt'],
  ['iptables-nft', 'cluster-ipv6.nat.txt'],
  ['iptables-nft', 'misc.list.txt'],
  ['corpus', '22-kubeadm-calico-iptables-nft-nft-list-ruleset-nat-worker01.txt'],
  ['nftables', 'iptables-nft-kube-proxy-payload.ruleset.txt'],
];
const JSONS: [string, string][] = [
  ['iptables-nft', 'cluster.json'],
  ['iptables-nft', 'misc.json'],
];

const text = ([folder, file]: [string, string]): string => fixture(folder, file);

function modelOf(listing: string, allowTruncated = false, tables?: ReadonlySet<string>): ServiceModel {
  const dump = readIptablesNft(listing, { source: 'prop', allowTruncated });
  const view = describeIptablesNft(dump, { source: 'prop', fragment: dump.cutShort }, tables);
  for (const t of dump.ruleset.tables.values()) {
    for (const c of t.chains.values()) {
      for (const r of c.rules) void [r.key, r.pairKey, r.text, r.refs, r.selector, r.comment, r.sameAs(r)];
      void view.chainIdentity(c.name);
    }
  }
  return view.model;
}

/** Reads and describes, touching every lazy part of every rule; anything thrown but an InputError fails. */
function onlyInputErrors(listing: string, allowTruncated: boolean): void {
  try {
    modelOf(listing, allowTruncated);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
  }
}

const WORDS = ['table', 'ip', 'ip6', 'inet', 'nat', 'filter', 'kube-proxy', 'chain', 'KUBE-SERVICES', 'KUBE-SVC-TCOU7JCQXEZGVUNU', 'KUBE-SEP-LPGSDLJ3FDW46N4W', 'PREROUTING', '{', '}', ';', ',', '"', '#', '# handle 3',
  '# Warning: table ip nat is managed by iptables-nft, do not touch!', 'type', 'nat', 'hook', 'prerouting', 'priority', 'dstnat', 'policy', 'accept', 'drop', 'return', 'jump', 'goto', 'reject', 'with', 'icmp', 'type',
  'host-prohibited', 'tcp', 'reset', 'meta', 'l4proto', 'udp', 'sctp', 'dport', 'sport', 'saddr', 'daddr', '10.96.0.10', '10.244.0.0/16', 'fd00::1', '!=', '==', '<', '>=', '&', '2147483647', '1073741824', 'random', 'numgen',
  'inc', 'mod', '3', 'mark', 'set', 'or', 'xor', 'and', '0x4000', '0x00004000', 'ct', 'state', 'invalid', 'related,established', 'fib', 'type', 'local', '.', 'oif', 'iifname', '"eth*"', 'oifname', 'counter', 'packets',
  '5', 'bytes', 'masquerade', 'fully-random', 'random', 'persistent', 'dnat', 'snat', 'redirect', 'to', '10.0.0.1:80', '[fd00::1]:53', ':8080', '10.0.0.1-10.0.0.9', 'xt', 'match', 'target', '"recent"', 'recent', '"DNAT"',
  '"comment"', 'comment', '"a comment"', '{ 80, 443 }', '80-90', 'ip', 'frag-off', '8191', '0', 'log', 'prefix', 'limit', 'rate', '\n', '\n', '\t', '-j', '--dport', '-m'];

const soup = wordSoup(WORDS, 'table ip nat {\n\tchain KUBE-SVC-TCOU7JCQXEZGVUNU {\n\t\t');
const edited = editedAnywhere([...LISTINGS, ...JSONS].map(text), [...WORDS, '{"rule": {}}', '{"xt": {"type": "match"}}', '[', ']', 'null']);
const jsonEdited = jsonValuesReplaced(JSONS.map(text));

describe('bad input is an InputError, never another exception', () => {
  test.each([
    ['any text', fc.string({ maxLength: 400 }), 200],
    ['nft and iptables words in any order', soup, 300],
    ['a real listing edited anywhere', edited, 150],
    ['a JSON listing with objects and values replaced', jsonEdited, 80],
  ])('%s', (_, arbitrary, numRuns) => {
    fc.assert(
      fc.property(arbitrary as fc.Arbitrary<string>, fc.boolean(), (t, allowTruncated) => onlyInputErrors(t, allowTruncated)),
      { numRuns: numRuns as number },
    );
  });
});

/**
 * A listing cut at `at` is refused, or read as far as it goes with no service and no endpoint of the
 * whole listing removed. As a diff does, both are read in the tables both hold: a listing cut
 * before its filter table is a listing of its nat table.
 */
function cutReadsAsPart(whole: string, at: number): void {
  const cut = whole.slice(0, at);
  try {
    modelOf(cut);
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
  }
  let part: ServiceModel;
  try {
    part = modelOf(cut, true);
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return;
  }
  const tables = new Set(readIptablesNft(cut, { source: 'prop', allowTruncated: true }).ruleset.tables.keys());
  const { services } = diffServices(modelOf(whole, false, tables), part);
  expect(services.filter((s) => s.status === 'removed' || s.endpointsRemoved.length > 0)).toEqual([]);
}

describe('cut listings', () => {
  test('cut at any byte: refused, or read as far as it goes with no service or endpoint removed', () => {
    fc.assert(
      fc.property(fc.constantFrom(...LISTINGS, ...JSONS), fc.double({ min: 0, max: 1, noNaN: true }), (listing, where) => {
        const whole = text(listing);
        cutReadsAsPart(whole, Math.floor(where * whole.length));
      }),
      { numRuns: 200 },
    );
  });

  test.each([
    ['after every line of nft list', ['iptables-nft', 'cluster.list.txt'], '\n'],
    ['before every rule of nft -j', ['iptables-nft', 'cluster.json'], '{"rule"'],
  ] as const)('cut %s: the same', (_, listing, mark) => {
    const whole = text([...listing]);
    for (let at = whole.indexOf(mark); at >= 0; at = whole.indexOf(mark, at + 1)) cutReadsAsPart(whole, at);
  });
});
