/**
 * Whole nft listings (tests/fixtures/nftables: real `nft list`, `nft -a list`, `nft -j list`
 * output of nft v1.0.6): tables, base chains, sets and maps read alike from text and JSON, handles
 * ignored, other tables kept, and bad or cut input refused as an InputError naming the line.
 */
import type { Rule } from '../../lib/model/ruleset';
import type { NftDump } from '../../lib/parse/nft/dump';
import { readNft } from '../../lib/parse/nft/read';
import { fixture } from '../support/snapshots';
import { thrown } from '../support/thrown';

const STEMS = ['k8s-1.29', 'k8s-1.30-1.33', 'k8s-1.34-1.35', 'k8s-1.34-1.35-ipv6', 'k8s-1.34-1.35-partial-sync', 'k8s-1.36', 'k8s-master', 'k8s-master-scaled'];

function read(file: string, allowTruncated = false): NftDump {
  return readNft(fixture('nftables', file), { source: file, allowTruncated });
}

/** Every chain of the diff's view with its declaration, policy and rules as canonical text. */
function flatView(dump: NftDump): string[] {
  const out: string[] = [];
  for (const [tn, t] of dump.ruleset.tables) {
    for (const [cn, c] of t.chains) {
      const chain = c as typeof c & { declaration: string | null; ordered: boolean };
      out.push(`${tn} | ${cn} | ${chain.declaration ?? ''} | ${c.policy ?? ''} | ordered=${chain.ordered}`);
      for (const r of c.rules as Rule[]) out.push(`${tn} | ${cn} | ${r.text}`);
    }
  }
  return out;
}

describe('nft listings', () => {
  test.each(STEMS)('%s: nft list, nft -a list and nft -j list read to the same tables, rules and keys', (stem) => {
    const text = read(`${stem}.list.txt`);
    expect(text.warnings).toEqual([]);
    expect(flatView(read(`${stem}.list-a.txt`))).toEqual(flatView(text));
    expect(flatView(read(`${stem}.json`))).toEqual(flatView(text));
  });

  test('nft list ruleset: both kube-proxy tables and the unrelated one, text = JSON', () => {
    const text = read('ruleset-both-families.list.txt');
    expect(text.tables.map((t) => `${t.family} ${t.name}`)).toEqual(['ip kube-proxy', 'ip6 kube-proxy', 'inet host-firewall']);
    expect(flatView(read('ruleset-both-families.json'))).toEqual(flatView(text));
    expect(text.ruleset.tables.get('inet host-firewall')?.chains.get('input')?.rules.map((r) => r.text)).toEqual([
      'ct state established,related accept',
      'iifname "lo" accept',
      'tcp dport { 22, 10250 } accept comment "ssh and kubelet"',
    ]);
  });

  test('base chains: hook, type, priority (nft prints `dstnat - 10`, JSON -110) and policy', () => {
    for (const file of ['k8s-1.34-1.35.list.txt', 'k8s-1.34-1.35.json']) {
      const chains = read(file).tables[0]?.chains;
      expect(chains?.get('filter-prerouting-pre-dnat')?.base).toEqual({ type: 'filter', hook: 'prerouting', priority: -110, device: null });
      expect(chains?.get('nat-postrouting')?.base).toEqual({ type: 'nat', hook: 'postrouting', priority: 100, device: null });
      expect(chains?.get('filter-input')?.base?.priority).toBe(0);
      expect(chains?.get('filter-input')?.policy).toBe('accept');
      expect(chains?.get('services')?.base).toBeNull();
    }
  });

  test('sets and maps: types, flags, timeouts and elements; an affinity set filled by the packet path is not compared', () => {
    const dump = read('k8s-1.34-1.35.list.txt');
    const sets = dump.tables[0]?.sets;
    expect(sets?.get('service-ips')).toMatchObject({ kind: 'map', keyTypes: ['ipv4_addr', 'inet_proto', 'inet_service'], dataType: 'verdict' });
    expect(sets?.get('service-ips')?.elements.map((e) => e.key)).toContain('10.96.0.10 . udp . 53 : goto service-FY5PMXPG-kube-system/kube-dns/udp/dns');
    const affinity = sets?.get('affinity-FLXOMXXM-default/web/tcp/http__10.244.1.10/8080');
    expect(affinity).toMatchObject({ kind: 'set', flags: ['timeout'], timeout: 10800, size: 65535 });
    const view = dump.ruleset.tables.get('ip kube-proxy')?.chains;
    expect(view?.get('set affinity-FLXOMXXM-default/web/tcp/http__10.244.1.10/8080')).toMatchObject({ ordered: false, rules: [], declaration: 'type ipv4_addr; flags timeout; timeout 3h; size 65535' });
    expect(view?.get('map no-endpoint-services')?.rules.map((r) => [r.key, r.comment, r.line])).toEqual([['10.96.100.30 . tcp . 80 : goto reject-chain', 'default/empty:http', 19]]);
  });

  test('elements spread over lines keep the line each starts on', () => {
    const map = read('k8s-1.34-1.35.list.txt').tables[0]?.sets.get('service-ips');
    expect(map?.elements.map((e) => e.line)).toEqual([36, 37, 38, 39, 40]);
  });

  test('-a handles are noticed and ignored; counters are not meaning', () => {
    expect(read('k8s-1.29.list-a.txt').hadHandles).toBe(true);
    expect(read('k8s-1.29.list.txt').hadHandles).toBe(false);
    const counted = readNft('table ip t {\n\tchain c {\n\t\tip daddr 10.0.0.1 counter packets 3 bytes 180 accept\n\t}\n}\n', { source: 't' });
    expect(counted.hadCounters).toBe(true);
    expect(counted.tables[0]?.chains.get('c')?.rules[0]?.raw).toBe('ip daddr 10.0.0.1 counter accept');
  });

  test('the nft -j metainfo gives the nft version', () => {
    expect(read('k8s-1.36.json').version).toBe('1.0.6');
  });
});

describe('bad and cut listings', () => {
  test('text that is not an nft listing is refused at its first line', () => {
    const e = thrown(() => readNft('*nat\n:PREROUTING ACCEPT [0:0]\nCOMMIT\n', { source: 'dump.txt' }));
    expect(e.message).toMatch(/^dump\.txt:1: not a line of `nft list` output/);
  });

  test('a table listed twice is several listings in one file', () => {
    const one = 'table ip t {\n\tchain c {\n\t}\n}\n';
    expect(thrown(() => readNft(one + one, { source: 'two.txt' })).message).toMatch(/^two\.txt:5: table ip t appears a second time \(first on line 1\)/);
  });

  test('an unclosed string is a bad line (a warning), and a listing of more bad lines than good is refused', () => {
    const one = readNft('table ip t {\n\tchain c {\n\t\tip daddr "10.0.0.1 accept\n\t\tip daddr 10.0.0.2 accept\n\t}\n}\n', { source: 'q.txt' });
    expect(one.warnings).toEqual([{ source: 'q.txt', line: 3, message: 'a string is not closed (no second "): ip daddr "10.0.0.1 accept' }]);
    expect(one.tables[0]?.chains.get('c')?.rules.map((r) => r.key)).toEqual(['ip daddr 10.0.0.2 accept']);
    const e = thrown(() => readNft('table ip t {\n\t"a\n\t"b\n\t"c\n}\n', { source: 'q.txt' }));
    expect(e.message).toBe('q.txt:2: a string is not closed (no second ") (and 2 more lines like it): this does not look like `nft list` output');
  });

  test('a listing cut before its closing brace (corpus 08) is refused, naming where the unclosed block opens', () => {
    const text = fixture('corpus', '08-kubeadm-1.32-nft-a-kube-proxy-handles-truncated.txt');
    const e = thrown(() => readNft(text, { source: '08.txt' }));
    expect(e.message).toBe('08.txt:1: table ip kube-proxy (opened on line 1) is not closed: the listing looks cut; pass --allow-truncated to diff what is there');
  });

  test('allowTruncated reads a cut listing as far as it goes and leaves out the object it was cut in', () => {
    const text = fixture('nftables', 'k8s-1.34-1.35.list.txt');
    const cut = text.slice(0, text.indexOf('meta l4proto udp dnat to 10.244.2.3:53'));
    const dump = readNft(cut, { source: 'cut.txt', allowTruncated: true });
    expect(dump.cutShort).toBe(true);
    const chains = dump.tables[0]?.chains;
    expect(chains?.has('endpoint-TF6S6XX7-kube-system/kube-dns/udp/dns__10.244.1.2/53')).toBe(true);
    expect(chains?.has('endpoint-XNQT4B3W-kube-system/kube-dns/udp/dns__10.244.2.3/53')).toBe(false);
    expect(dump.warnings.map((w) => w.message)).toEqual(['chain endpoint-XNQT4B3W-kube-system/kube-dns/udp/dns__10.244.2.3/53 (opened on line 149) is not closed: the listing looks cut']);
  });

  test('nft -j: a cut document is refused, or read up to the last whole object, leaving out the chains whose rules it may have lost', () => {
    const text = fixture('nftables', 'k8s-1.34-1.35.json');
    const cut = text.slice(0, text.indexOf('"chain": "services"') + 40);
    expect(thrown(() => readNft(cut, { source: 'cut.json' })).message).toMatch(/the JSON document ends before it is closed: the listing looks cut; pass --allow-truncated/);
    const dump = readNft(cut, { source: 'cut.json', allowTruncated: true });
    expect(dump.cutShort).toBe(true);
    expect(dump.tables[0]?.sets.has('service-ips')).toBe(true);
    const chains = dump.tables[0]?.chains;
    // Rules come chain by chain after all chains: cut in the rules of services, after those of firewall-check
    // (which may have had more), service-endpoints-check before them is whole.
    expect(chains?.get('service-endpoints-check')?.rules.map((r) => r.key)).toEqual(['ip daddr . meta l4proto . th dport vmap @no-endpoint-services']);
    expect(chains?.has('firewall-check')).toBe(false);
    expect(chains?.has('services')).toBe(false);
    expect(chains?.has('endpoint-TF6S6XX7-kube-system/kube-dns/udp/dns__10.244.1.2/53')).toBe(false);
    const noRules = readNft(text.slice(0, text.indexOf('{"rule"') + 10), { source: 'cut.json', allowTruncated: true });
    expect(noRules.tables[0]?.chains.size).toBe(0);
  });

  test('nft -j: JSON of another shape, or broken JSON, is refused with its line', () => {
    expect(thrown(() => readNft('{"rules": []}', { source: 'x.json' })).message).toMatch(/^x\.json:1: not nft JSON \("nftables" expected\)/);
    expect(thrown(() => readNft('{"nftables": [\n{"table": {"family": "ip", "name": "t"}},\n{"chain": {,}}\n]}', { source: 'y.json' })).message).toBe('y.json:3: not valid JSON in this object of the nft listing');
  });
});
