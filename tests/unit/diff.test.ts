import { fc, test as prop } from '@fast-check/jest';
import { writeRestorePayload, type ClusterSpec, type ServiceSpec } from '../support/kube-proxy-writer';
import { diffSnapshots } from '../../lib/diff/diff-snapshots';
import { chainListing } from '../../lib/diff/listing';
import { summaryLine } from '../../lib/report/view';
import { ruleOf } from '../support/rules';
import { bundled, diffTexts, fixture, modelOf, port, snapshotOf } from '../support/snapshots';

const dns = (ips: string[]): ServiceSpec => ({
  namespace: 'kube-system', name: 'kube-dns', clusterIP: '10.96.0.10',
  ports: [{ name: 'dns', port: 53, protocol: 'udp', endpoints: ips.map((ip) => ({ ip, port: 53 })) }],
});
const web: ServiceSpec = { namespace: 'default', name: 'web', clusterIP: '10.96.1.1', ports: [{ name: 'http', port: 80, protocol: 'tcp', endpoints: [{ ip: '10.244.3.3', port: 8080 }] }] };
const clusterOf = (...services: ServiceSpec[]): ClusterSpec => ({ podCIDR: '10.244.0.0/16', services });

describe('the coredns scale 2 → 4 from the seed article', () => {
  const report = diffTexts(bundled('coredns-scale-2to4-before.txt'), bundled('coredns-scale-2to4-after.txt'));

  test.each(['kube-system/kube-dns:dns/udp', 'kube-system/kube-dns:dns-tcp/tcp', 'kube-system/kube-dns:metrics/tcp'])('%s: two endpoints added, 0.5 → 0.25/0.333/0.5, 50%% → 25%%', (key) => {
    const s = report.services.find((x) => x.key === key);
    const port = key.includes('metrics') ? 9153 : 53;
    expect(s?.status).toBe('changed');
    expect(s?.endpointsAdded).toEqual([`10.244.0.7:${port}`, `10.244.0.8:${port}`]);
    expect(s?.endpointsRemoved).toEqual([]);
    expect(s?.before?.endpoints.map((e) => e.share)).toEqual([0.5, 0.5]);
    expect(s?.after?.endpoints.map((e) => [e.probability, e.share])).toEqual([[0.25, 0.25], [0.33333333349, 0.25], [0.5, 0.25], [null, 0.25]]);
  });

  test('the API server service is unchanged, and the summary counts it all', () => {
    expect(report.services.find((x) => x.key === 'default/kubernetes:https/tcp')?.status).toBe('unchanged');
    expect(report.summary).toMatchObject({ servicesChanged: 3, servicesUnchanged: 1, endpointsAdded: 6, endpointsRemoved: 0, chainsAdded: 6, rulesAdded: 18, rulesChanged: 6, changed: true });
  });
});

describe('noise is not change', () => {
  test('the same cluster written in another map order: chains, KUBE-SERVICES and declarations reshuffled', () => {
    const more = ['a', 'b', 'c'].map((n, i): ServiceSpec => ({ ...web, name: n, clusterIP: `10.96.2.${i}` }));
    const c = clusterOf(dns(['10.244.0.5', '10.244.0.6']), web, ...more);
    const [one, two] = [writeRestorePayload(c, { seed: 1 }), writeRestorePayload(c, { seed: 2 })];
    expect(one).not.toBe(two);
    const report = diffTexts(one, two);
    expect(report.summary.changed).toBe(false);
    expect(report.chains).toEqual([]);
    expect(report.noise.reorderedNoEffect).toEqual(['KUBE-SERVICES']);
  });

  test('comments dropped in large-cluster mode are noise', () => {
    const c = clusterOf(dns(['10.244.0.5', '10.244.0.6']));
    const report = diffTexts(writeRestorePayload(c), writeRestorePayload(c, { largeCluster: true }));
    expect(report.summary.changed).toBe(false);
    expect(report.noise.commentOnly).toBeGreaterThan(0);
  });

  test('a restore payload and the iptables-save capture of it (captured with real iptables)', () => {
    const report = diffTexts(fixture('captured', 'kube-proxy-payload.txt'), fixture('captured', 'iptables-save-of-payload.txt'));
    expect(report.summary.changed).toBe(false);
    expect(report.noise.formattingOnly).toBeGreaterThan(20);
    expect(report.noise.implicitBuiltins).toBe(4); // nat PREROUTING, INPUT, OUTPUT, POSTROUTING: the payload declares none
  });
});

describe('chains are compared by meaning', () => {
  test('kube-proxy <= 1.18 and >= 1.19 hash an unnamed port differently: renamed, not removed and added', () => {
    const old = [
      '-A KUBE-SERVICES -d 10.0.0.7/32 -p tcp -m comment --comment "default/hostnames: cluster IP" -m tcp --dport 80 -j KUBE-SVC-NWV5X2332I4OT4T3',
      '-A KUBE-SVC-NWV5X2332I4OT4T3 -m comment --comment "default/hostnames:" -j KUBE-SEP-57KPRZ3JQVENLNBR',
      '-A KUBE-SEP-57KPRZ3JQVENLNBR -p tcp -m comment --comment "default/hostnames:" -m tcp -j DNAT --to-destination 10.244.3.6:9376',
      '',
    ].join('\n');
    const now = old.replace(/default\/hostnames:/g, 'default/hostnames').replace(/NWV5X2332I4OT4T3/g, 'RQTAYHHDYVFT5RBP').replace(/57KPRZ3JQVENLNBR/g, 'ZZ5SEPHASHZZZZZZ');
    const report = diffTexts(old, now);
    expect(report.services.map((s) => [s.key, s.status])).toEqual([['default/hostnames/tcp', 'unchanged']]);
    expect(report.chains.map((c) => [c.name, c.status, c.renamedFrom, c.added.length, c.removed.length])).toEqual([
      ['KUBE-SEP-ZZ5SEPHASHZZZZZZ', 'renamed', 'KUBE-SEP-57KPRZ3JQVENLNBR', 0, 0],
      ['KUBE-SVC-RQTAYHHDYVFT5RBP', 'renamed', 'KUBE-SVC-NWV5X2332I4OT4T3', 0, 0],
    ]);
    expect(report.summary.chainsRenamed).toBe(2);
    // The normalized listing of a renamed chain shows its before rules under its after name: a rename alone is no textual difference.
    const svc = report.chains[1] as (typeof report.chains)[number];
    expect(chainListing(svc, 'before')).toEqual(['-A KUBE-SVC-RQTAYHHDYVFT5RBP -m comment --comment "default/hostnames:" -j KUBE-SEP-57KPRZ3JQVENLNBR']);
  });

  test('a re-weighted endpoint rule is one changed rule', () => {
    const report = diffTexts(writeRestorePayload(clusterOf(dns(['10.244.0.5', '10.244.0.6']))), writeRestorePayload(clusterOf(dns(['10.244.0.5', '10.244.0.6', '10.244.0.7']))));
    const svc = report.chains.find((c) => c.name === 'KUBE-SVC-TCOU7JCQXEZGVUNU');
    const weight = (text: string) => /--probability (\S+)/.exec(text)?.[1] ?? 'last';
    expect(svc?.changed.map((p) => `${weight(p.before.text)} → ${weight(p.after.text)}`)).toEqual(['0.50000000000 → 0.33333333349', 'last → 0.50000000000']);
    expect(svc?.added.map((r) => r.text)).toEqual([expect.stringContaining('kube-system/kube-dns:dns -> 10.244.0.7:53')]);
  });

  test('a rule order that can change which rule a packet hits is a change', () => {
    const before = '-N X\n-A X -s 10.0.0.0/8 -j RETURN\n-A X -j DROP\n';
    const after = '-N X\n-A X -j DROP\n-A X -s 10.0.0.0/8 -j RETURN\n';
    const report = diffTexts(before, after);
    expect(report.chains).toEqual([expect.objectContaining({ name: 'X', status: 'changed', reordered: 'possible', added: [], removed: [] })]);
    expect(report.summary.changed).toBe(true);
  });

  test('rules of other software are diffed as rules', () => {
    const report = diffTexts('-N cali-nat\n-A cali-nat -o vxlan.calico -j MASQUERADE\n', '-N cali-nat\n-A cali-nat -o vxlan.calico -j MASQUERADE --random-fully\n');
    expect(report.chains.map((c) => [c.name, c.added.length, c.removed.length])).toEqual([['cali-nat', 1, 1]]);
  });
});

describe('services', () => {
  test('affinity switched off, same endpoints (corpus 10 → 11)', () => {
    const report = diffTexts(fixture('corpus', '10-affinity-clientip-nodeport-3ep-before.txt'), fixture('corpus', '11-affinity-none-nodeport-3ep-after.txt'));
    const s = report.services[0];
    expect(s?.status).toBe('changed');
    expect(s?.changes).toEqual([{ field: 'affinity', before: 'ClientIP 10800s', after: 'none' }]);
    expect(s?.endpointsAdded).toEqual([]);
  });

  test('scale 3 → 6 with externalTrafficPolicy Cluster → Local (corpus 03 → 04)', () => {
    const report = diffTexts(fixture('corpus', '03-k3s-metallb-svc-3pods-etp-cluster-before.txt'), fixture('corpus', '04-k3s-metallb-svc-6pods-etp-local-after.txt'));
    const s = report.services.find((x) => x.key === 'default/nginx-mlb-l2-service/tcp');
    expect(s?.endpointsAdded).toEqual(['10.42.0.26:8080', '10.42.2.21:8080', '10.42.2.22:8080']);
    expect(s?.after?.endpoints).toHaveLength(6);
    expect(s?.after?.endpoints.every((e) => Math.abs(e.share - 1 / 6) < 1e-6)).toBe(true);
    expect(s?.changes.map((c) => c.field)).toEqual(expect.arrayContaining(['probabilities', 'shares', 'localEndpoints']));
  });

  test('a service appears and one disappears', () => {
    const report = diffTexts(writeRestorePayload(clusterOf(dns(['10.244.0.5']))), writeRestorePayload(clusterOf(web)));
    expect(report.services.map((s) => [s.key, s.status])).toEqual([['default/web:http/tcp', 'added'], ['kube-system/kube-dns:dns/udp', 'removed']]);
  });
});

describe('what the review found (each once a real change hidden, or a false one)', () => {
  test('a table other than the one compared differs: said, never hidden behind "no semantic change"', () => {
    const dump = (forward: string) => `*filter\n:KUBE-FORWARD - [0:0]\n-A KUBE-FORWARD ${forward}\nCOMMIT\n*nat\n:X - [0:0]\n-A X -j RETURN\nCOMMIT\n`;
    const report = diffTexts(dump('-m conntrack --ctstate INVALID -j DROP'), dump('-j DROP'));
    expect(report.otherTablesDiffer).toEqual(['filter']);
    expect(summaryLine(report)).toBe('no semantic change in table nat · table filter also differs (not compared; use --table filter)');
    const all = diffSnapshots(snapshotOf(dump('-m conntrack --ctstate INVALID -j DROP'), 'b'), snapshotOf(dump('-j DROP'), 'a'), { table: 'all' });
    expect(all.chains.map((c) => [c.table, c.name])).toEqual([['filter', 'KUBE-FORWARD']]);
  });

  test('another table written differently with the same meaning is not said to differ', () => {
    const dump = (forward: string) => `*filter\n:KUBE-FORWARD - [0:0]\n-A KUBE-FORWARD ${forward}\nCOMMIT\n*nat\n:X - [0:0]\n-A X -j RETURN\nCOMMIT\n`;
    const report = diffTexts(dump('-m conntrack --ctstate INVALID -m comment --comment "xy" -j DROP'), dump('-m comment --comment xy -m conntrack --ctstate INVALID -j DROP'));
    expect(report.otherTablesDiffer).toEqual([]);
    expect(summaryLine(report)).toBe('no semantic change');
  });

  test('tables only one side holds are not compared, and a warning says so', () => {
    const natOnly = '*nat\n:X - [0:0]\n-A X -j RETURN\nCOMMIT\n';
    const both = `*filter\n:KUBE-SERVICES - [0:0]\n-A KUBE-SERVICES -m comment --comment "ns/a:p has no endpoints" -m tcp -p tcp -d 10.0.0.1 --dport 80 -j REJECT\nCOMMIT\n${natOnly}`;
    const report = diffTexts(natOnly, both);
    expect(report.services).toEqual([]);
    expect(report.warnings.map((w) => w.message)).toEqual(['holds table filter, which before does not; compared only: nat']);
    expect(() => diffSnapshots(snapshotOf(natOnly), snapshotOf(natOnly), { table: 'mangle' })).toThrow('neither input holds table mangle (they hold: nat)');
  });

  test('overlapping port ranges are not disjoint: swapping them may change behaviour', () => {
    const before = '-N X\n-A X -d 10.0.0.1 -p tcp --dport 80:90 -j RETURN\n-A X -d 10.0.0.1 -p tcp --dport 85 -j DNAT --to-destination 10.1.1.1:85\n';
    const after = '-N X\n-A X -d 10.0.0.1 -p tcp --dport 85 -j DNAT --to-destination 10.1.1.1:85\n-A X -d 10.0.0.1 -p tcp --dport 80:90 -j RETURN\n';
    expect(diffTexts(before, after).chains[0]?.reordered).toBe('possible');
  });

  test('the order of matches that keep state is meaning', () => {
    expect(ruleOf('-A X -m recent --set --name A -m tcp -p tcp --dport 80 -j ACCEPT').key).not.toBe(ruleOf('-A X -p tcp -m tcp --dport 80 -m recent --set --name A -j ACCEPT').key);
    expect(ruleOf('-A X -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 80 -j ACCEPT').key).toBe(ruleOf('-A X -p tcp -m tcp --dport 80 -m addrtype --dst-type LOCAL -j ACCEPT').key);
  });

  test('endpoints listed in another order with the same shares: noise, not a change', () => {
    const text = writeRestorePayload(clusterOf(dns(['10.244.0.5', '10.244.0.6', '10.244.0.7'])));
    // The same three jumps, their targets (and comments) rotated, each probability where it was.
    const lines = text.split('\n');
    const jumps = lines.map((l, i) => [l, i] as const).filter(([l]) => l.startsWith('-A KUBE-SVC-TCOU7JCQXEZGVUNU') && l.includes('-j KUBE-SEP-'));
    expect(jumps).toHaveLength(3);
    const parts = jumps.map(([l]) => ({ comment: /--comment ("[^"]*")/.exec(l)?.[1], target: /-j (KUBE-SEP-\S+)/.exec(l)?.[1] }));
    jumps.forEach(([l, i], k) => {
      const next = parts[(k + 1) % parts.length];
      lines[i] = l.replace(/--comment "[^"]*"/, `--comment ${next?.comment}`).replace(/-j KUBE-SEP-\S+/, `-j ${next?.target}`);
    });
    const report = diffTexts(text, lines.join('\n'));
    expect(report.services.map((s) => s.status)).toEqual(['unchanged']);
    expect(report.noise.endpointOrderNoEffect).toBe(1);
    expect(report.summary.changed).toBe(false);
  });

  test('-p 6 with an implicit port match reads as tcp', () => {
    expect(ruleOf('-A X -p 6 --dport 22 -j ACCEPT').key).toBe(ruleOf('-A X -p tcp -m tcp --dport 22 -j ACCEPT').key);
    expect(ruleOf('-A X -p TCP --dport 23 -j ACCEPT').key).toBe(ruleOf('-A X -p tcp -m tcp --dport 23 -j ACCEPT').key);
  });

  test('module and option names from the input are never looked up on Object.prototype', () => {
    expect(ruleOf('-A C -m toString --x 1 -j RETURN').key).toBe('-m tostring --x 1 -j RETURN');
    expect(ruleOf('-A C -m constructor --y -j REJECT --reject-with constructor').key).toContain('--reject-with constructor');
  });
});

describe('chains pair by name however far the two dumps moved them', () => {
  const dump = (names: string[]) => `*nat\n${names.map((n) => `:${n} - [0:0]`).join('\n')}\n${names.map((n) => `-A ${n} -s 10.0.${n.slice(1)}.0/24 -j RETURN`).join('\n')}\nCOMMIT\n`;
  const names = fc.uniqueArray(fc.integer({ min: 0, max: 60 }).map((n) => `C${n}`), { minLength: 1, maxLength: 40 });

  /** The same list with some names dropped and new ones inserted here and there: what a scale event does. */
  const edited = fc
    .record({ before: names, drop: fc.array(fc.boolean(), { maxLength: 40 }), inserts: fc.array(fc.tuple(fc.nat(40), fc.integer({ min: 61, max: 200 })), { maxLength: 30 }) })
    .map(({ before, drop, inserts }) => {
      const after = before.filter((_, i) => !drop[i]);
      for (const [at, n] of inserts) if (!after.includes(`C${n}`)) after.splice(at % (after.length + 1), 0, `C${n}`);
      return [before, after] as [string[], string[]];
    })
    .filter(([, after]) => after.length > 0);

  prop.prop([fc.oneof(fc.tuple(names, names), edited)], { numRuns: 300 })('added, removed and the declaration order are what the two lists say', ([before, after]) => {
    const report = diffTexts(dump(before), dump(after));
    const common = (xs: string[], ys: string[]) => xs.filter((x) => ys.includes(x));
    expect(report.chains.filter((c) => c.status === 'added').map((c) => c.name).sort()).toEqual(after.filter((n) => !before.includes(n)).sort());
    expect(report.chains.filter((c) => c.status === 'removed').map((c) => c.name).sort()).toEqual(before.filter((n) => !after.includes(n)).sort());
    expect(report.noise.declarationOrder).toBe(common(before, after).join() !== common(after, before).join());
  });
});

describe('what an input cannot show is not compared', () => {
  test('a partial restore payload (a service chain it does not rewrite): that port\'s endpoints are unknown, not removed', () => {
    const full = fixture('captured', 'kube-proxy-payload.txt');
    const partial = full
      .split('\n')
      .filter((l) => !l.startsWith(':KUBE-SVC-TCOU7JCQXEZGVUNU ') && !l.startsWith('-A KUBE-SVC-TCOU7JCQXEZGVUNU '))
      .join('\n');
    const report = diffSnapshots(snapshotOf(full, 'full'), snapshotOf(partial, 'partial'));
    const dns = report.services.find((s) => s.name === 'kube-system/kube-dns:dns');
    expect(dns).toMatchObject({ status: 'unchanged', endpointsRemoved: [] });
    expect(dns?.after?.endpointsShown).toBe(false);
    expect(report.after.partial).toMatch(/^rules jump to a chain it does not hold \(KUBE-SVC-TCOU7JCQXEZGVUNU\): a fragment or a partial restore payload/);
    expect(report.summary.servicesRemoved).toBe(0);
  });

  test('a fragment without a port\'s endpoint chains, whose jumps name no address (corpus 29, 30): its endpoints are unknown, not replaced', () => {
    // GKE, 2018: its service chains' comments do not name the endpoints (no `-> ip:port`).
    const full = fixture('corpus', '27-gke-2018-iptables-S-nat-loadbalancer-kube-fw.txt');
    const fragment = full
      .split('\n')
      .filter((l) => !/^-[NA] KUBE-SEP-(?:4JCKH2KHUYRHF7HZ|CPXCLP32ZKDAPKUH)(?: |$)/.test(l))
      .join('\n');
    const dns = port(modelOf(fragment, 'fragment'), 'kube-system/kube-dns:dns/udp');
    expect(dns.endpointsShown).toBe(false);
    expect(dns.endpoints.map((e) => [e.ref, e.share])).toEqual([['KUBE-SEP-4JCKH2KHUYRHF7HZ', 0.5], ['KUBE-SEP-CPXCLP32ZKDAPKUH', 0.5]]);
    const report = diffSnapshots(snapshotOf(fragment, 'fragment'), snapshotOf(full, 'full'));
    expect(report.services.filter((s) => s.status !== 'unchanged').map((s) => `${s.status} ${s.key}`)).toEqual([]);
  });

  test('one service picked out with grep (corpus 03, 10, 11): a KUBE-SERVICES without its last rule (the jump to KUBE-NODEPORTS) is part of the chain, so the services it does not show are not compared', () => {
    const full = fixture('corpus', '27-gke-2018-iptables-S-nat-loadbalancer-kube-fw.txt');
    // iptables -t nat -S | grep G7IQRGQTLD7QNWZ3: the load balancer's rules and chains only.
    const grepped = `${full
      .split('\n')
      .filter((l) => l.includes('G7IQRGQTLD7QNWZ3'))
      .join('\n')}\n`;
    const part = snapshotOf(grepped, 'grepped');
    expect(part.describe(part.serviceNames()).model.complete).toBe(false);
    expect(part.partial).toBe('holds part of KUBE-SERVICES (it does not end with the jump to KUBE-NODEPORTS, as kube-proxy ends it): services it does not show are not compared');
    const report = diffSnapshots(part, snapshotOf(full, 'full'));
    expect(new Set(report.services.map((s) => s.status))).toEqual(new Set(['unchanged', 'not-compared']));
    expect(report.services.find((s) => s.key === 'default/php-svc-cluster:http/tcp')?.status).toBe('unchanged');
  });

  test('a fragment without a port\'s node-local chain (corpus 13: KUBE-EXT jumps to a KUBE-SVL it does not hold): its local endpoints are unknown, its cluster-wide ones compared', () => {
    const before = fixture('corpus', '13-aks-1.30-azure-cni-overlay-etp-local-fragments.txt');
    expect(port(modelOf(before), 'app-routing-system/nginx:http/tcp')).toMatchObject({ endpointsShown: true, localEndpoints: null, unseen: ['clusterIP', 'localEndpoints'] });
    // One of its two pods replaced by another.
    const after = before.replaceAll('10.244.2.1:8080', '10.244.2.9:8080').replaceAll('-s 10.244.2.1/32', '-s 10.244.2.9/32');
    const nginx = diffTexts(before, after).services.find((s) => s.key === 'app-routing-system/nginx:http/tcp');
    expect(nginx).toMatchObject({ status: 'changed', endpointsAdded: ['10.244.2.9:8080'], endpointsRemoved: ['10.244.2.1:8080'] });
  });

  test('a fragment that does not show a port\'s cluster IP (corpus 13): its cluster IP and port are unknown, not changed', () => {
    const aks = port(modelOf(fixture('corpus', '13-aks-1.30-azure-cni-overlay-etp-local-fragments.txt')), 'app-routing-system/nginx:http/tcp');
    expect(aks).toMatchObject({ clusterIP: null, port: null });
    expect(aks.unseen).toContain('clusterIP');
    // GKE, 2018: without its KUBE-SERVICES cluster IP rules, the load balancer's port is known by its node port and LB IP only.
    const full = fixture('corpus', '27-gke-2018-iptables-S-nat-loadbalancer-kube-fw.txt');
    const fragment = full
      .split('\n')
      .filter((l) => !l.includes('"default/php-svc-cluster:http cluster IP"'))
      .join('\n');
    const report = diffSnapshots(snapshotOf(fragment, 'fragment'), snapshotOf(full, 'full'));
    expect(report.services.filter((s) => s.status !== 'unchanged').map((s) => `${s.status} ${s.key} ${s.changes.map((c) => c.field).join()}`)).toEqual([]);
  });
});
