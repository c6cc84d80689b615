/**
 * iptables-nft's tables listed by nft (tests/fixtures/iptables-nft: `nft list ruleset 2>&1`,
 * `nft -a list ruleset`, `nft list table ip nat`, `nft -j list ruleset`, and `iptables-save` of the
 * same rules; corpus 22/23; the captured payload) read into the iptables service model: the same
 * model as iptables-save's, but for what nft does not show, and every fixture's model asserted.
 */
import { describeIptablesNft, type IptablesNftDump } from '../../lib/parse/iptables-nft';
import { asTheListingShowsIt, listingModel, modelLines, readListing, saved } from '../support/iptables-nft-models';
import { fixture } from '../support/snapshots';
import { thrown } from '../support/thrown';

const NO_ENDPOINTS = ['10.96.0.10:9153/tcp | 10.96.0.10:9153 | noEndpoints reject | endpoints []', '10.96.7.8:80/tcp | 10.96.7.8:80 | noEndpoints reject | endpoints []'];

const CLUSTER = [
  ...NO_ENDPOINTS,
  'default/kubernetes:https/tcp | 10.96.0.1:443 | endpoints [172.18.0.2:6443 1]',
  'kube-system/kube-dns:dns-tcp/tcp | 10.96.0.10:53 | endpoints [10.244.0.5:53 0.5, 10.244.1.6:53 0.5]',
  'kube-system/kube-dns:dns/udp | 10.96.0.10:53 | endpoints [10.244.0.5:53 0.5, 10.244.1.6:53 0.5]',
  'shop/api/tcp | 10.96.7.9:8443 | nodePorts 31443 | noLocalEndpoints | endpoints [10.244.2.20:8443 1]',
  'shop/grpc:grpc/tcp | 10.96.7.10:9090 | externalIPs 198.51.100.9 | endpoints [10.244.1.11:9090 0.5, 10.244.2.12:9090 0.5]',
  'shop/web:http/tcp | 10.96.7.7:80 | nodePorts 30080 | externalIPs 203.0.113.5 | endpoints [10.244.1.3:8080 0.333333333, 10.244.2.3:8080 0.333333333, 10.244.2.4:8080 0.333333333] | local [10.244.1.3:8080 1]',
  'telco/diameter:diameter/sctp | 10.96.9.1:3868 | endpoints [10.244.2.30:3868 1]',
];

const MODELS: Record<string, string[]> = {
  cluster: CLUSTER,
  'cluster-scaled': [
    ...NO_ENDPOINTS,
    'default/kubernetes:https/tcp | 10.96.0.1:443 | endpoints [172.18.0.2:6443 1]',
    'kube-system/kube-dns:dns-tcp/tcp | 10.96.0.10:53 | endpoints [10.244.0.5:53 0.25, 10.244.1.6:53 0.25, 10.244.2.7:53 0.25, 10.244.2.8:53 0.25]',
    'kube-system/kube-dns:dns/udp | 10.96.0.10:53 | endpoints [10.244.0.5:53 0.25, 10.244.1.6:53 0.25, 10.244.2.7:53 0.25, 10.244.2.8:53 0.25]',
    'shop/api/tcp | 10.96.7.9:8443 | nodePorts 31443 | noLocalEndpoints | endpoints [10.244.2.20:8443 1]',
    'shop/grpc:grpc/tcp | 10.96.7.10:9090 | externalIPs 198.51.100.9 | endpoints [10.244.1.11:9090 0.5, 10.244.2.12:9090 0.5]',
    'shop/web:http/tcp | 10.96.7.7:80 | nodePorts 30080 | externalIPs 203.0.113.5 | endpoints [10.244.1.3:8080 0.25, 10.244.1.9:8080 0.25, 10.244.2.3:8080 0.25, 10.244.2.4:8080 0.25] | local [10.244.1.3:8080 0.5, 10.244.1.9:8080 0.5]',
    'telco/diameter:diameter/sctp | 10.96.9.1:3868 | endpoints [10.244.2.30:3868 1]',
  ],
  'cluster-ipv6': [
    'fd00:10:96::a:9153/tcp | fd00:10:96::a:9153 | noEndpoints reject | endpoints []',
    'kube-system/kube-dns:dns-tcp/tcp | fd00:10:96::a:53 | endpoints [[fd00:10:244:1::5]:53 0.5, [fd00:10:244:2::6]:53 0.5]',
    'kube-system/kube-dns:dns/udp | fd00:10:96::a:53 | endpoints [[fd00:10:244:1::5]:53 0.5, [fd00:10:244:2::6]:53 0.5]',
    'shop/web:http/tcp | fd00:10:96::7:80 | nodePorts 30080 | externalIPs 2001:db8:50::5 | endpoints [[fd00:10:244:1::3]:8080 0.5, [fd00:10:244:2::3]:8080 0.5] | local [[fd00:10:244:1::3]:8080 1]',
  ],
};

describe('the same rules printed by nft four ways and by iptables-save', () => {
  test.each(Object.keys(MODELS))('%s: nft list, nft -a list and nft list table … nat hold the same rules', (stem) => {
    const keys = (file: string, table: string) => [...(readListing(fixture('iptables-nft', file)).ruleset.tables.get(table)?.chains ?? [])].map(([name, c]) => [name, c.policy, ...c.rules.map((r) => r.key)]);
    const list = keys(`${stem}.list.txt`, 'nat');
    expect(list.length).toBeGreaterThan(10);
    expect(keys(`${stem}.list-a.txt`, 'nat')).toEqual(list);
    expect(keys(`${stem}.nat.txt`, 'nat')).toEqual(list);
    expect(keys(`${stem}.list-a.txt`, 'filter')).toEqual(keys(`${stem}.list.txt`, 'filter'));
  });

  test.each(Object.keys(MODELS))('%s: the model of nft list is the model of iptables-save, but for what nft does not show', (stem) => {
    const save = saved(fixture('iptables-nft', `${stem}.iptables-save.txt`));
    for (const file of [`${stem}.list.txt`, `${stem}.list-a.txt`]) {
      const model = listingModel(readListing(fixture('iptables-nft', file), file), save.names);
      expect(modelLines(model)).toEqual(MODELS[stem]);
      expect(model).toEqual(asTheListingShowsIt(save.model));
    }
  });

  test('what nft list cannot show is what the blinded iptables-save model lacks, and nothing else', () => {
    const save = saved(fixture('iptables-nft', 'cluster.iptables-save.txt')).model;
    const lost = save.ports.flatMap((p) => [
      ...(p.refs.length === 0 ? [`${p.key}: a port without endpoints`] : []),
      ...(p.affinitySeconds !== null ? [`${p.key}: affinity ${p.affinitySeconds}`] : []),
      ...(p.loadBalancerIPs.length > 0 ? [`${p.key}: LB ${p.loadBalancerIPs.join(',')} read as an external IP`] : []),
    ]);
    expect(lost).toEqual([
      'default/kubernetes:https/tcp: affinity 10800',
      'kube-system/kube-dns:metrics/tcp: a port without endpoints',
      'shop/empty:http/tcp: a port without endpoints',
      'shop/grpc:grpc/tcp: affinity 600',
      'shop/web:http/tcp: LB 203.0.113.5 read as an external IP',
    ]);
  });

  test('without names from elsewhere, a port is its clusterIP:port/protocol', () => {
    expect(listingModel(readListing(fixture('iptables-nft', 'cluster.list.txt'))).ports.map((p) => p.key)).toEqual([
      '10.96.0.10:53/tcp', '10.96.0.10:53/udp', '10.96.0.10:9153/tcp', '10.96.0.1:443/tcp', '10.96.7.10:9090/tcp', '10.96.7.7:80/tcp', '10.96.7.8:80/tcp', '10.96.7.9:8443/tcp', '10.96.9.1:3868/sctp',
    ]);
  });

  test('nft list says once per kind what it cannot show', () => {
    const dump = readListing(fixture('iptables-nft', 'cluster.list.txt'), 'cluster.list.txt');
    expect(dump.warnings.map((w) => `${w.line} ${w.message}`)).toEqual([
      'null the listing shows no iptables comments (nft does not print them): service ports are named from their chain names when the other input names them (otherwise clusterIP:port/protocol); external and load-balancer IPs, which only comments tell apart, are not compared; a port without endpoints is known by its cluster IP and port alone',
      '52 the listing shows `-m recent` without its options (nft prints it as `xt match "recent"`): session affinity (its list and timeout) is not shown, so it is not compared',
      // a bare `-m sctp` has no translation; nft prints it by name
      '107 the listing shows `-m sctp` without its options (nft prints it as `xt match "sctp"`): the ports it matches, if any, are not shown',
    ]);
    expect(dump).toMatchObject({ format: 'nft list (iptables-nft)', family: 'ipv4', header: { generator: 'nft', backend: 'nf_tables' }, cutShort: false, assumedTable: null });
    expect(readListing(fixture('iptables-nft', 'cluster-ipv6.list.txt')).family).toBe('ipv6');
  });
});

describe('nft -j prints iptables extensions by name only', () => {
  const dump = readListing(fixture('iptables-nft', 'cluster.json'), 'cluster.json');

  test('every port keeps its entry points; endpoints, whose DNAT and shares are not shown, are not compared', () => {
    const save = saved(fixture('iptables-nft', 'cluster.iptables-save.txt'));
    expect(modelLines(listingModel(dump, save.names))).toEqual([
      ...NO_ENDPOINTS,
      'default/kubernetes:https/tcp | 10.96.0.1:443 | endpoints not shown',
      'kube-system/kube-dns:dns-tcp/tcp | 10.96.0.10:53 | endpoints not shown',
      'kube-system/kube-dns:dns/udp | 10.96.0.10:53 | endpoints not shown',
      'shop/api/tcp | 10.96.7.9:8443 | nodePorts 31443 | noLocalEndpoints | endpoints not shown',
      'shop/grpc:grpc/tcp | 10.96.7.10:9090 | externalIPs 198.51.100.9 | endpoints not shown',
      'shop/web:http/tcp | 10.96.7.7:80 | nodePorts 30080 | externalIPs 203.0.113.5 | endpoints not shown',
      // iptables-nft keeps `-m sctp --dport` as an xt match: the port is not in the JSON
      'telco/diameter:diameter/sctp | 10.96.9.1:null | endpoints not shown',
    ]);
    expect(describeIptablesNft(dump, { source: 'nft' }).findings).toEqual([]);
  });

  test('each kind it hides is one warning, saying what the model then lacks', () => {
    expect(dump.format).toBe('nft -j (iptables-nft)');
    expect(dump.header.version).toBe('1.0.6');
    expect(dump.warnings.map((w) => w.message.replace(/ \(nft prints it as .*?\)/, ''))).toEqual([
      expect.stringMatching(/^the listing shows no iptables comments/),
      'the listing shows `-m sctp` without its options: the ports it matches, if any, are not shown',
      'the listing shows `-m addrtype` without its options: rules holding it compare by its name only',
      'the listing shows `-j MARK` without its options: rules holding it compare by its name only',
      'the listing shows `-j MASQUERADE` without its options: rules holding it compare by its name only',
      'the listing shows `-m recent` without its options: session affinity (its list and timeout) is not shown, so it is not compared',
      'the listing shows `-m tcp` without its options: the ports it matches, if any, are not shown',
      'the listing shows `-j DNAT` without its options: endpoint addresses are not shown, so endpoints are not compared',
      'the listing shows `-m statistic` without its options: how traffic is shared between endpoints is not shown, so endpoints are not compared',
      'the listing shows `-m udp` without its options: the ports it matches, if any, are not shown',
      'the listing shows `-j REJECT` without its options: rules holding it compare by its name only',
      'the listing shows `-m conntrack` without its options: rules holding it compare by its name only',
    ]);
  });

  test('rules compare with the text listing where nft -j shows as much', () => {
    const text = readListing(fixture('iptables-nft', 'cluster.list.txt'));
    const keys = (d: IptablesNftDump, chain: string) => d.ruleset.tables.get('nat')?.chains.get(chain)?.rules.map((r) => r.key);
    expect(keys(dump, 'KUBE-SERVICES')?.slice(0, 2)).toEqual(keys(text, 'KUBE-SERVICES')?.slice(0, 2));
    expect(keys(dump, 'KUBE-SVC-TCOU7JCQXEZGVUNU')).toEqual(['! -s 10.244.0.0/16 -d 10.96.0.10/32 -p udp -m udp --dport 53 -j KUBE-MARK-MASQ', '-m statistic --mode random -j KUBE-SEP-LPGSDLJ3FDW46N4W', '-j KUBE-SEP-5SZA7C4MJLLQPPFI']);
  });
});

describe('real listings of the corpus and the captured payload', () => {
  test('corpus 22: kubeadm + calico on iptables-nft, nft list ruleset of the nat table (counters, odd spacing, xt match "set")', () => {
    const dump = readListing(fixture('corpus', '22-kubeadm-calico-iptables-nft-nft-list-ruleset-nat-worker01.txt'), '22');
    expect(modelLines(listingModel(dump))).toEqual([
      '10.105.183.5:5473/tcp | 10.105.183.5:5473 | endpoints [172.16.0.11:5473 1]',
      '10.107.6.141:443/tcp | 10.107.6.141:443 | endpoints [172.17.2.12:5443 0.5, 172.17.2.7:5443 0.5]',
      '10.96.0.10:53/tcp | 10.96.0.10:53 | endpoints [172.17.2.11:53 0.5, 172.17.2.8:53 0.5]',
      '10.96.0.10:53/udp | 10.96.0.10:53 | endpoints [172.17.2.11:53 0.5, 172.17.2.8:53 0.5]',
      '10.96.0.10:9153/tcp | 10.96.0.10:9153 | endpoints [172.17.2.11:9153 0.5, 172.17.2.8:9153 0.5]',
      '10.96.0.1:443/tcp | 10.96.0.1:443 | endpoints [172.16.0.11:6443 1]',
    ]);
    expect(dump.hadCounters).toBe(true);
    expect(dump.ruleset.tables.get('nat')?.chains.get('cali-POSTROUTING')?.rules.map((r) => r.key)).toEqual([
      '-j cali-fip-snat',
      '-j cali-nat-outgoing',
      '-o vxlan.calico -m addrtype --limit-iface-out ! --src-type LOCAL -m addrtype --src-type LOCAL -j MASQUERADE --random-fully',
    ]);
    expect(dump.warnings.map((w) => w.line)).toEqual([null, 157]);
  });

  test('corpus 23: the same node after the ingress install (names from the chain hashes)', () => {
    const names = ['ingress-nginx/ingress-nginx-controller:http', 'ingress-nginx/ingress-nginx-controller:https', 'ingress-nginx/ingress-nginx-controller-admission:https-webhook', 'kube-system/kube-dns:dns', 'calico-system/calico-typha:calico-typha'];
    expect(modelLines(listingModel(readListing(fixture('corpus', '23-kubeadm-calico-iptables-nft-nft-list-ruleset-nat-worker01-after-ingress.txt')), names))).toEqual([
      '10.107.6.141:443/tcp | 10.107.6.141:443 | endpoints [172.17.2.12:5443 0.5, 172.17.2.7:5443 0.5]',
      '10.96.0.10:53/tcp | 10.96.0.10:53 | endpoints [172.17.2.11:53 0.5, 172.17.2.8:53 0.5]',
      '10.96.0.10:9153/tcp | 10.96.0.10:9153 | endpoints [172.17.2.11:9153 0.5, 172.17.2.8:9153 0.5]',
      '10.96.0.1:443/tcp | 10.96.0.1:443 | endpoints [172.16.0.11:6443 1]',
      'calico-system/calico-typha:calico-typha/tcp | 10.105.183.5:5473 | endpoints [172.16.0.11:5473 0.5, 172.16.0.32:5473 0.5]',
      'ingress-nginx/ingress-nginx-controller-admission:https-webhook/tcp | 10.107.109.72:443 | endpoints [172.17.255.134:8443 1]',
      'ingress-nginx/ingress-nginx-controller:http/tcp | 10.110.103.111:80 | nodePorts 32157 | endpoints [172.17.255.134:80 1] | local [172.17.255.134:80 1]',
      'ingress-nginx/ingress-nginx-controller:https/tcp | 10.110.103.111:443 | nodePorts 31755 | endpoints [172.17.255.134:443 1] | local [172.17.255.134:443 1]',
      'kube-system/kube-dns:dns/udp | 10.96.0.10:53 | endpoints [172.17.2.11:53 0.5, 172.17.2.8:53 0.5]',
    ]);
  });

  test('the captured kube-proxy payload: nft list ruleset reads to the model of its iptables-save', () => {
    const save = saved(fixture('captured', 'iptables-save-of-payload.txt'));
    const model = listingModel(readListing(fixture('nftables', 'iptables-nft-kube-proxy-payload.ruleset.txt')), save.names);
    expect(model).toEqual(asTheListingShowsIt(save.model));
    expect(modelLines(model)).toEqual([
      '10.96.0.10:9153/tcp | 10.96.0.10:9153 | noEndpoints reject | endpoints []',
      'default/kubernetes:https/tcp | 10.96.0.1:443 | endpoints [172.18.0.2:6443 1]',
      'kube-system/kube-dns:dns-tcp/tcp | 10.96.0.10:53 | endpoints [10.244.0.5:53 0.333333333, 10.244.0.6:53 0.333333333, 10.244.1.10:53 0.333333333]',
      'kube-system/kube-dns:dns/udp | 10.96.0.10:53 | endpoints [10.244.0.5:53 0.333333333, 10.244.0.6:53 0.333333333, 10.244.1.10:53 0.333333333]',
      'shop/checkout/tcp | 10.96.44.9:8443 | nodePorts 31443 | externalIPs 198.51.100.9 | endpoints [10.244.1.30:8443 0.5, 10.244.2.31:8443 0.5]',
      'shop/frontend:http/tcp | 10.96.44.7:80 | nodePorts 30080 | externalIPs 203.0.113.10 | endpoints [10.244.0.21:8080 0.2, 10.244.0.25:8080 0.2, 10.244.1.22:8080 0.2, 10.244.2.23:8080 0.2, 10.244.2.24:8080 0.2] | local [10.244.0.21:8080 0.5, 10.244.0.25:8080 0.5]',
    ]);
  });
});

describe('tables that are not iptables-nft\'s', () => {
  const cluster = fixture('iptables-nft', 'cluster.list.txt');

  test('kube-proxy\'s nftables-mode table beside them is left out, saying which reader reads it', () => {
    const dump = readListing(`${cluster}${fixture('nftables', 'k8s-1.34-1.35.list.txt')}`);
    expect([...dump.ruleset.tables.keys()]).toEqual(['nat', 'filter']);
    expect(dump.warnings.map((w) => w.message)).toContain("holds kube-proxy's nftables-mode table (ip kube-proxy) beside the iptables-nft tables: it is left out here; natdiff's nftables reader reads it (`nft list table ip kube-proxy`)");
  });

  test('a host firewall is left out; IPv6 tables beside IPv4 ones are left out, to be listed alone', () => {
    const dump = readListing(`${cluster}${fixture('iptables-nft', 'cluster-ipv6.list.txt')}table inet host-firewall {\n\tchain input {\n\t\ttype filter hook input priority filter; policy accept;\n\t}\n}\n`);
    expect(dump.family).toBe('ipv4');
    expect(modelLines(listingModel(dump, saved(fixture('iptables-nft', 'cluster.iptables-save.txt')).names))).toEqual(CLUSTER);
    expect(dump.warnings.slice(0, 2).map((w) => w.message)).toEqual([
      'holds IPv6 iptables-nft tables too (ip6 nat, ip6 filter): the IPv4 ones are read; list the IPv6 ones alone (`nft list table ip6 nat`) to compare them',
      'holds nft tables iptables-nft does not manage (inet host-firewall): left out',
    ]);
  });

  test('a listing of kube-proxy\'s nftables mode only, or of other tables only, is refused', () => {
    expect(thrown(() => readListing(fixture('nftables', 'k8s-1.36.list.txt'), 'k8s.txt')).message).toBe("k8s.txt: holds kube-proxy's nftables-mode table, not iptables-nft tables: natdiff's nftables reader reads it");
    expect(thrown(() => readListing('table inet fw {\n}\n', 'fw.txt')).message).toBe('fw.txt: holds no iptables-nft table (ip or ip6 nat, filter, mangle, raw, security); it has: inet fw');
  });
});

describe('bad input', () => {
  test('a listing cut inside a chain is refused naming the line, or read without that chain', () => {
    const text = fixture('iptables-nft', 'cluster.list.txt');
    const cut = text.slice(0, text.indexOf('\t\tmeta l4proto tcp ip daddr 10.96.0.10  tcp dport 53'));
    expect(thrown(() => readListing(cut, 'cut.txt')).message).toBe('cut.txt:22: chain KUBE-SERVICES (opened on line 22) is not closed: the listing looks cut; pass --allow-truncated to diff what is there');
    const dump = readListing(cut, 'cut.txt', true);
    expect(dump.cutShort).toBe(true);
    expect(dump.ruleset.tables.get('nat')?.chains.has('KUBE-SERVICES')).toBe(false);
    expect(listingModel(dump).complete).toBe(false);
  });

  test('a line that is not nft is a warning naming its line; text that is not a listing is refused', () => {
    const dump = readListing('table ip nat {\n\tchain KUBE-SERVICES {\n\t\tjump KUBE-SVC-X\n\t}\n\t-A KUBE-SERVICES -j X\n}\n', 'x.txt');
    expect(dump.warnings.map((w) => `${w.line} ${w.message}`)).toContain('5 not a table, chain, set or map line: -A KUBE-SERVICES -j X');
    expect(thrown(() => readListing('*nat\n-A KUBE-SERVICES -j X\nCOMMIT\n', 'save.txt')).message).toMatch(/^save\.txt:1: not a line of `nft list` output/);
  });
});
