/**
 * `natdiff snap --mode` on this machine's own tools, in private network namespaces: kube-proxy's
 * nftables tables loaded with the real nft (both families into one snapshot file that nft loads
 * back, whole or part by part), auto-detection from the rules, the one-line errors for a mode the
 * namespace does not hold or a tool that is not installed, and the round trip of every mode:
 * snapshots taken before and after kube-proxy's next sync diff with natdiff diff.
 *
 * IPVS cannot run here (the kernel has no IPVS: `ipvsadm -A` fails with "Protocol not
 * available"). The IPVS case loads kube-proxy's IPVS-mode iptables rules and ipsets for real, and
 * puts a stand-in `ipvsadm-save` first on natdiff's PATH that prints, for the namespace it runs
 * in, tests/support/ipvsadm-writer.ts output of the virtual services kube-proxy would program.
 */
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { Kubectl } from '../../lib/capture/kubectl';
import { capture } from '../../lib/capture/sources';
import { CaptureError } from '../../lib/errors';
import { PROXY_MODES, type ProxyMode } from '../../lib/model/service';
import { parseSnapshot } from '../../lib/snapshot/load-snapshot';
import { expectOneLineError, natdiff } from '../support/cli';
import { ipvsStandIn, type IpvsStandIn } from '../support/fake-apiserver/ipvs-stand-in';
import { FIXTURE_CLUSTER, FIXTURE_NODE_IPS, FIXTURE_SERVICE_CIDRS } from '../support/fixture-cluster';
import { writeNftTransaction } from '../support/kube-proxy-nft-writer';
import { builtinJumpRules, mergeRestoreInputs, writeRestorePayload, type ClusterSpec } from '../support/kube-proxy-writer';
import { ipvsModeNatRules, ipvsVirtualServices, IPVS_MODE_IPSETS } from '../support/kube-proxy-ipvs-writer';
import { createNetns, deleteNetns, inNetns, netnsUnavailableReason, restore, run } from '../support/netns';
import { fixture } from '../support/snapshots';

function unavailableReason(): string | null {
  const netns = netnsUnavailableReason();
  if (netns) return netns;
  for (const cmd of ['nft', 'ipset']) if (run(['sh', '-c', 'command -v "$1"', 'sh', cmd]).status !== 0) return `needs ${cmd} on PATH (Debian: apt-get install nftables ipset)`;
  return null;
}

const unavailable = unavailableReason();
if (unavailable) console.warn(`skipping snap --mode tests: ${unavailable}`);
const describeRoot = unavailable ? describe.skip : describe;

function load(ns: string, argv: string[], input: string): void {
  const r = inNetns(ns, argv, input);
  if (r.status !== 0) throw new Error(`${argv.join(' ')} in ${ns}: ${r.stderr}`);
}

/** Lines first..last (1-based) of a file, as `sed -n 'FIRST,LASTp'` prints them. */
function lines(text: string, range: { first: number; last: number }): string {
  return `${text.split('\n').slice(range.first - 1, range.last).join('\n')}\n`;
}

describeRoot('natdiff snap --mode (real nft, iptables and ipset in private network namespaces)', () => {
  let dir: string;
  const namespaces: string[] = [];
  const netns = () => {
    const ns = createNetns();
    namespaces.push(ns);
    return ns;
  };
  let nftNode: string;
  let iptablesNode: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'natdiff-snap-modes-'));
    nftNode = netns();
    load(nftNode, ['nft', '-f', '-'], fixture('nftables', 'k8s-1.34-1.35.nft') + fixture('nftables', 'k8s-1.34-1.35-ipv6.nft'));
    iptablesNode = netns();
    restore(iptablesNode, fixture('captured', 'kube-proxy-payload.txt'));
  });
  afterAll(() => {
    for (const ns of namespaces) deleteNetns(ns);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('auto finds kube-proxy nftables tables of both families: one file holding both, read as one nftables ruleset', () => {
    const r = natdiff(['snap', '--netns', nftNode, '--dir', dir]);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe(`natdiff: kube-proxy mode nftables: network namespace ${nftNode} holds kube-proxy's nftables table ip kube-proxy and table ip6 kube-proxy\n`);
    const text = readFileSync(r.stdout.trim(), 'utf8');
    const s = parseSnapshot(text, 'snap');
    expect(s.format).toBe('natdiff snapshot (nft list)');
    expect(s.metadata).toMatchObject({ kubeProxyMode: 'nftables', kubeProxyModeDecision: { by: 'rules' }, iptables: { version: null, backend: null } });
    expect(s.metadata?.parts?.map((p) => [p.name, p.command, p.loadWith])).toEqual([
      ['nftables ip', ['ip', 'netns', 'exec', nftNode, 'nft', 'list', 'table', 'ip', 'kube-proxy'], 'nft -f -'],
      ['nftables ip6', ['ip', 'netns', 'exec', nftNode, 'nft', 'list', 'table', 'ip6', 'kube-proxy'], 'nft -f -'],
    ]);
    expect(s.metadata?.rules).toBeGreaterThan(50);
    const keys = s.describe(s.serviceNames()).model.ports.map((p) => p.key);
    expect(keys).toEqual(expect.arrayContaining(['kube-system/kube-dns:dns/udp', 'kube-system/kube-dns:dns/udp (IPv6)', 'default/lb-local:https/tcp (IPv6)']));
  });

  test('the snapshot file loads back with nft -f into a fresh namespace, whole and part by part, and lists as captured', () => {
    const path = natdiff(['snap', '--netns', nftNode, '--dir', dir, '--mode', 'nftables']).stdout.trim();
    const text = readFileSync(path, 'utf8');
    const parts = parseSnapshot(text, 'snap').metadata?.parts ?? [];
    expect(parts).toHaveLength(2);
    const whole = netns();
    load(whole, ['nft', '-f', path], '');
    for (const part of parts) {
      const family = part.name.split(' ')[1] as string;
      expect(inNetns(whole, ['nft', 'list', 'table', family, 'kube-proxy']).stdout).toBe(lines(text, part.lines));
      const alone = netns();
      load(alone, ['nft', '-f', '-'], lines(text, part.lines));
      expect(inNetns(alone, ['nft', 'list', 'tables']).stdout).toBe(`table ${family} kube-proxy\n`);
    }
  });

  test('--mode nftables where there is no such table: one line saying what the namespace holds instead, exit 2', () => {
    expectOneLineError(
      natdiff(['snap', '--netns', iptablesNode, '--dir', dir, '--mode', 'nftables']),
      new RegExp(`^natdiff: network namespace ${iptablesNode} has no kube-proxy nftables table \\(no table ip kube-proxy, no table ip6 kube-proxy\\); its nat table holds kube-proxy's iptables-mode rules \\(KUBE-SERVICES\\): try --mode iptables$`),
    );
  });

  test('--mode iptables where kube-proxy runs in nftables mode: one line naming the tables there, exit 2', () => {
    expectOneLineError(
      natdiff(['snap', '--netns', nftNode, '--dir', dir, '--mode', 'iptables']),
      new RegExp(`^natdiff: network namespace ${nftNode} has no kube-proxy iptables-mode rules \\(KUBE-SERVICES and its KUBE-SVC- chains\\) in its nat table; it holds kube-proxy's nftables table ip kube-proxy and table ip6 kube-proxy: try --mode nftables$`),
    );
  });

  test("a mode kube-proxy's configuration names that is not there: the error says where the mode came from", async () => {
    const decision = { mode: 'nftables', by: 'config', reason: "kube-proxy's ConfigMap kube-system/kube-proxy says mode: nftables" } as const;
    const error = await capture({ kind: 'netns', netns: iptablesNode }, { mode: decision, timeoutMs: 30_000, kubectl: new Kubectl() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CaptureError);
    expect((error as CaptureError).message).toBe(
      `network namespace ${iptablesNode} has no kube-proxy nftables table (no table ip kube-proxy, no table ip6 kube-proxy), though kube-proxy's ConfigMap kube-system/kube-proxy says mode: nftables; its nat table holds kube-proxy's iptables-mode rules (KUBE-SERVICES): try --mode iptables`,
    );
  });

  test('--mode ipvs on a kernel without IPVS (the real ipvsadm-save): one line saying so and what the namespace holds, exit 2', () => {
    expectOneLineError(
      natdiff(['snap', '--netns', nftNode, '--dir', dir, '--mode', 'ipvs']),
      new RegExp(`^natdiff: network namespace ${nftNode} has no IPVS in its kernel \\(ipvsadm-save -n: Can't initialize ipvs: Protocol not available\\); it holds kube-proxy's nftables table ip kube-proxy and table ip6 kube-proxy: try --mode nftables$`),
    );
  });

  describe('tools that are not installed', () => {
    // natdiff's PATH holds ip and iptables only: ip netns exec finds no nft or ipvsadm-save there.
    let bin: string;
    beforeAll(() => {
      bin = mkdtempSync(join(dir, 'bin-'));
      for (const tool of ['ip', 'iptables-save', 'iptables-nft-save', 'iptables-legacy-save']) symlinkSync(run(['sh', '-c', 'command -v "$1"', 'sh', tool]).stdout.trim(), join(bin, tool));
    });
    const snap = (args: string[]) => natdiff(['snap', '--netns', iptablesNode, '--dir', dir, ...args], { env: { PATH: bin } });

    test.each([
      ['nftables', /^natdiff: nft is not installed on network namespace \S+ \(Debian\/Ubuntu: apt-get install nftables\)$/],
      ['ipvs', /^natdiff: ipvsadm-save is not installed on network namespace \S+ \(Debian\/Ubuntu: apt-get install ipvsadm\)$/],
    ])('--mode %s: one line naming the package, exit 2', (mode, message) => {
      expectOneLineError(snap(['--mode', mode]), message);
    });

    test('auto without nft: the iptables rules, and the mode line says nftables could not be checked', () => {
      const r = snap([]);
      expect(r.status).toBe(0);
      expect(r.stderr).toBe(`natdiff: kube-proxy mode iptables: the nat table of network namespace ${iptablesNode} holds kube-proxy's KUBE-SERVICES rules; nftables could not be checked (nft is not installed there)\n`);
    });
  });

  test('--mode banana: one line, exit 2', () => {
    expectOneLineError(natdiff(['snap', '--netns', iptablesNode, '--mode', 'banana']), /^natdiff: Invalid values: Argument: mode, Given: "banana", Choices: "auto", "iptables", "nftables", "ipvs"/);
  });

  describe('each mode\'s snapshot files diff with natdiff diff: kube-dns gains an endpoint between two snapshots', () => {
    const scaled: ClusterSpec = {
      ...FIXTURE_CLUSTER,
      services: FIXTURE_CLUSTER.services.map((svc) => (svc.name !== 'kube-dns' ? svc : { ...svc, ports: svc.ports.map((p) => ({ ...p, endpoints: [...p.endpoints, { ip: '10.244.2.4', port: 53 }] })) })),
    };
    const nft = { nodeIPs: FIXTURE_NODE_IPS, serviceCIDRs: FIXTURE_SERVICE_CIDRS };
    // How kube-proxy programs a node in each mode: its first sync, and a later one (IPVS: the stand-in's table).
    const programs: Record<ProxyMode, (ns: string, cluster: ClusterSpec, first: boolean) => void> = {
      iptables: (ns, cluster, first) => restore(ns, first ? mergeRestoreInputs(builtinJumpRules(), writeRestorePayload(cluster)) : writeRestorePayload(cluster), ['--noflush']),
      nftables: (ns, cluster, first) => load(ns, ['nft', '-f', '-'], writeNftTransaction(cluster, { ...nft, firstSync: first }).text),
      ipvs: (ns, cluster, first) => {
        if (first) {
          load(ns, ['ipset', '-exist', 'restore'], IPVS_MODE_IPSETS);
          restore(ns, ipvsModeNatRules(cluster.podCIDR));
        }
        ipvsTables.publish(ns, ipvsVirtualServices(cluster, FIXTURE_NODE_IPS));
      },
    };
    let ipvsTables: IpvsStandIn;
    let env: Record<string, string>;
    beforeAll(() => {
      ipvsTables = ipvsStandIn(mkdtempSync(join(dir, 'ipvs-')));
      env = { PATH: `${ipvsTables.binDir}${delimiter}${process.env.PATH ?? ''}` };
    });

    test.each(PROXY_MODES)('%s', (mode) => {
      const ns = netns();
      const snap = (label: string) => {
        const r = natdiff(['snap', '--netns', ns, '--dir', dir, '--label', label], { env });
        expect(r.stderr).toMatch(new RegExp(`^natdiff: kube-proxy mode ${mode}: `));
        return r.stdout.trim();
      };
      programs[mode](ns, FIXTURE_CLUSTER, true);
      const before = snap('before');
      programs[mode](ns, scaled, false);
      const after = snap('after');
      const r = natdiff(['diff', before, after, '-o', 'json']);
      expect(r.status).toBe(1);
      // IPVS names a port by its address when the snapshot knows no service ports (no cluster here).
      expect(r.stderr).toMatch(mode === 'ipvs' ? /^natdiff: warning: .*: neither the node's addresses nor the cluster's service ports are known: every virtual service is read as a cluster IP/ : /^$/);
      const report = JSON.parse(r.stdout);
      expect(report.table).toBe({ iptables: 'nat', nftables: 'ip kube-proxy', ipvs: 'nat, ipvs' }[mode]);
      expect(report.summary).toMatchObject({ servicesChanged: 2, endpointsAdded: 2, endpointsRemoved: 0 });
      const changed = report.services.filter((p: { status: string }) => p.status !== 'unchanged').map((p: { key: string; endpointsAdded: string[] }) => [p.key, p.endpointsAdded]);
      const ports = mode === 'ipvs' ? ['10.96.0.10:53/tcp', '10.96.0.10:53/udp'] : ['kube-system/kube-dns:dns/udp', 'kube-system/kube-dns:dns-tcp/tcp'];
      expect(changed).toEqual(ports.map((key) => [key, ['10.244.2.4:53']]));
    });
  });

  test('IPVS mode (stand-in ipvsadm-save): auto tells it from the nat table, captures ipvsadm-save -n and iptables-save -t nat as two parts, read as one IPVS snapshot; an empty IPVS table, or --mode iptables there, is one line, exit 2', () => {
    const ipvsNode = netns();
    load(ipvsNode, ['ipset', '-exist', 'restore'], IPVS_MODE_IPSETS);
    restore(ipvsNode, ipvsModeNatRules(FIXTURE_CLUSTER.podCIDR));
    const standIn = ipvsStandIn(mkdtempSync(join(dir, 'ipvs-')));
    standIn.publish(ipvsNode, ipvsVirtualServices(FIXTURE_CLUSTER, FIXTURE_NODE_IPS));
    const r = natdiff(['snap', '--netns', ipvsNode, '--dir', dir], { env: { PATH: `${standIn.binDir}${delimiter}${process.env.PATH ?? ''}` } });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe(`natdiff: kube-proxy mode ipvs: the nat table of network namespace ${ipvsNode} matches kube-proxy's IPVS ipsets (KUBE-CLUSTER-IP); no kube-proxy nftables table\n`);
    const text = readFileSync(r.stdout.trim(), 'utf8');
    const s = parseSnapshot(text, 'snap');
    expect(s.format).toBe('natdiff snapshot (ipvsadm-save -n + iptables-save)');
    const [ipvs, iptables] = s.metadata?.parts ?? [];
    expect([ipvs?.name, ipvs?.loadWith, iptables?.name, iptables?.loadWith]).toEqual(['ipvs', 'ipvsadm-restore', 'iptables', 'iptables-restore']);
    expect(lines(text, ipvs?.lines ?? { first: 0, last: 0 })).toBe(fixture('ipvs', 'ipvsadm-save-n.txt'));
    // The iptables part alone loads into a fresh namespace (with kube-proxy's ipsets there).
    const again = netns();
    load(again, ['ipset', '-exist', 'restore'], IPVS_MODE_IPSETS);
    load(again, ['iptables-restore'], lines(text, iptables?.lines ?? { first: 0, last: 0 }));
    expect(s.describe([]).model.ports.find((p) => p.key === '10.96.0.10:53/udp')?.endpoints.map((e) => e.address)).toEqual(['10.244.1.2:53', '10.244.2.3:53']);
    standIn.publish(ipvsNode, []);
    expectOneLineError(
      natdiff(['snap', '--netns', ipvsNode, '--dir', dir], { env: { PATH: `${standIn.binDir}${delimiter}${process.env.PATH ?? ''}` } }),
      new RegExp(`^natdiff: network namespace ${ipvsNode} holds no IPVS virtual services; yet its nat table holds kube-proxy's IPVS-mode rules \\(KUBE-SERVICES matching its KUBE-CLUSTER-IP ipset\\)$`),
    );
    expectOneLineError(
      natdiff(['snap', '--netns', ipvsNode, '--dir', dir, '--mode', 'iptables']),
      new RegExp(`^natdiff: network namespace ${ipvsNode} has no kube-proxy iptables-mode rules \\(KUBE-SERVICES and its KUBE-SVC- chains\\) in its nat table; its nat table holds kube-proxy's IPVS-mode rules \\(KUBE-SERVICES matching its KUBE-CLUSTER-IP ipset\\): try --mode ipvs$`),
    );
  });
});
