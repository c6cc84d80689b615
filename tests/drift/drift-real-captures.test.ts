/**
 * `natdiff drift` end to end on real captures: kube-proxy's rules for three nodes loaded with the
 * real iptables-restore (and, for a fourth, kube-proxy's nftables rules with the real nft) into
 * private network namespaces, captured with `natdiff snap --netns`, and compared by the built CLI.
 * One node is left with an old endpoint: a pod deleted everywhere else.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expectOneLineError, natdiff } from '../support/cli';
import { writeNftTransaction } from '../support/kube-proxy-nft-writer';
import { writeRestorePayload, type ClusterSpec, type EndpointSpec } from '../support/kube-proxy-writer';
import { createNetns, deleteNetns, inNetns, netnsUnavailableReason, restore, run } from '../support/netns';
import { scratchDir } from '../support/scratch-dir';

const unavailable = netnsUnavailableReason() ?? (run(['sh', '-c', 'command -v nft']).status === 0 ? null : 'needs nft on PATH (Debian: apt-get install nftables)');
if (unavailable) console.warn(`skipping drift on real captures: ${unavailable}`);
const describeRoot = unavailable ? describe.skip : describe;

const ep = (ip: string, port: number): EndpointSpec => ({ ip, port });

function clusterWith(web: EndpointSpec[]): ClusterSpec {
  const dns = [ep('10.244.1.2', 53), ep('10.244.2.3', 53)];
  return {
    podCIDR: '10.244.0.0/16',
    services: [
      { namespace: 'kube-system', name: 'kube-dns', clusterIP: '10.96.0.10', ports: [{ name: 'dns', port: 53, protocol: 'udp', endpoints: dns }, { name: 'dns-tcp', port: 53, protocol: 'tcp', endpoints: dns }] },
      { namespace: 'default', name: 'web', clusterIP: '10.96.100.20', ports: [{ name: 'http', port: 80, protocol: 'tcp', nodePort: 30080, endpoints: web }] },
    ],
  };
}

const WEB = [ep('10.244.1.10', 8080), ep('10.244.2.11', 8080), ep('10.244.3.12', 8080)];
/** 10.244.2.11 was deleted and 10.244.2.14 took its place; this node's kube-proxy missed it. */
const NOW = [ep('10.244.1.10', 8080), ep('10.244.2.14', 8080), ep('10.244.3.12', 8080)];

describeRoot('natdiff drift on real captures (iptables-restore and nft in private network namespaces, natdiff snap --netns)', () => {
  const dir = scratchDir('natdiff-drift-');
  const namespaces: Record<string, string> = {};
  const files: Record<string, string> = {};

  const snap = (node: string, mode: string): string => {
    const r = natdiff(['snap', '--netns', namespaces[node] as string, '--mode', mode, '--out', join(dir, `${node}.txt`)]);
    if (r.status !== 0) throw new Error(r.stderr);
    return r.stdout.trim();
  };

  beforeAll(() => {
    for (const node of ['a', 'b', 'c', 'nft']) namespaces[node] = createNetns('natdiff-drift');
    restore(namespaces.a as string, writeRestorePayload(clusterWith(NOW)));
    restore(namespaces.b as string, writeRestorePayload(clusterWith(NOW), { seed: 7 }));
    restore(namespaces.c as string, writeRestorePayload(clusterWith(WEB)));
    const nft = inNetns(namespaces.nft as string, ['nft', '-f', '-'], writeNftTransaction(clusterWith(NOW), { nodeIPs: ['192.168.0.10'], serviceCIDRs: ['10.96.0.0/16'] }).text);
    if (nft.status !== 0) throw new Error(nft.stderr);
    files.a = snap('a', 'iptables');
    files.b = snap('b', 'iptables');
    files.c = snap('c', 'iptables');
    files.nft = snap('nft', 'nftables');
  });
  afterAll(() => {
    for (const ns of Object.values(namespaces)) deleteNetns(ns);
  });

  const name = (node: string) => `netns:${namespaces[node]}`;

  test('the node still sending to the deleted pod is named, by its snapshot, with what it lacks and sends to besides; exit 1', () => {
    const r = natdiff(['drift', files.a as string, files.b as string, files.c as string, '-o', 'json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.formatVersion).toBe(1);
    expect(doc.services).toEqual([{
      name: 'default/web:http', protocol: 'tcp', status: 'drift', outliers: [name('c')], tie: false,
      nodes: {
        [name('a')]: { endpoints: ['10.244.1.10:8080', '10.244.2.14:8080', '10.244.3.12:8080'] },
        [name('b')]: { endpoints: ['10.244.1.10:8080', '10.244.2.14:8080', '10.244.3.12:8080'] },
        [name('c')]: { endpoints: ['10.244.1.10:8080', '10.244.2.11:8080', '10.244.3.12:8080'] },
      },
    }]);
    expect(doc.summary).toEqual({ ports: 3, drifting: 1, consistent: 2, notCompared: 0, staleNodes: [] });

    const text = natdiff(['drift', files.c as string, files.a as string, files.b as string]);
    expect(text.status).toBe(1);
    expect(text.stdout).toContain(`~ default/web:http  tcp  ${name('c')}: lacks 10.244.2.14:8080; sends to 10.244.2.11:8080 (on none of the others)\n`);
    expect(text.stdout).toMatch(/\n2 ports consistent on every node compared \(--all lists them\)\n1 of 3 ports drifts · odd node: netns:\S+\n$/);
  });

  test('a node in nftables mode among iptables ones is compared by its service model: no drift where the endpoints agree', () => {
    const r = natdiff(['drift', files.a as string, files.nft as string, files.b as string, '-o', 'json', '--all']);
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.nodes.map((n: { mode: string }) => n.mode).sort()).toEqual(['iptables', 'iptables', 'nftables']);
    expect(doc.services.map((s: { name: string; status: string }) => `${s.name} ${s.status}`)).toEqual(['default/web:http consistent', 'kube-system/kube-dns:dns consistent', 'kube-system/kube-dns:dns-tcp consistent']);
    const withStale = natdiff(['drift', files.a as string, files.nft as string, files.c as string, '-o', 'yaml']);
    expect(withStale.status).toBe(1);
    expect(withStale.stdout).toMatch(new RegExp(`outliers:\\n\\s+- ${name('c')}\\n`));
  });

  test('a dump cut short is refused unless --allow-truncated; then what the cut hides is not drift', () => {
    const full = natdiff(['drift', files.a as string, files.b as string, '-o', 'json']);
    expect(full.status).toBe(0);
    const text = run(['cat', files.c as string]).stdout;
    const cut = join(dir, 'cut.txt');
    // Cut inside web's service chain: the lines after it (web's endpoints among them) are unknown.
    writeFileSync(cut, text.slice(0, text.indexOf('-A KUBE-SVC-')));
    expectOneLineError(natdiff(['drift', files.a as string, files.b as string, cut]), /cut\.txt.*(COMMIT|cut short|truncated)/i);
    const r = natdiff(['drift', files.a as string, files.b as string, cut, '--allow-truncated', '-o', 'json']);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).summary.drifting).toBe(0);
  });

  test('--service narrows the report (and the exit code) to that service', () => {
    const r = natdiff(['drift', files.a as string, files.b as string, files.c as string, '--service', 'kube-system/kube-dns']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/2 ports consistent on every node compared/);
  });

  test.each([
    ['one snapshot', ['x.txt'], /^natdiff: name two or more snapshots to compare \(1 given\), or capture every node with --all-nodes/],
    ['a file that does not exist', ['nope-1.txt', 'nope-2.txt'], /^natdiff: nope-1\.txt: no such file$/],
    ['snapshots with --all-nodes', ['--all-nodes', 'x.txt'], /^natdiff: --all-nodes captures the nodes itself: give it no snapshot files/],
  ])('%s: one line, exit 2', (_, args, message) => {
    expectOneLineError(natdiff(['drift', ...args]), message);
  });
});
