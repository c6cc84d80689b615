/**
 * How `--mode auto` decides which of kube-proxy's modes a node runs: from kube-proxy's pod flag or
 * ConfigMap as the cluster shows them, else from the rules found there; and the snapshot file's
 * parts land at the lines its header gives, whatever the parts hold.
 */
import { fc, test as property } from '@fast-check/jest';
import { modeFromRules } from '../../lib/capture/captures';
import type { Pod } from '../../lib/capture/kube-types';
import type { Kubectl } from '../../lib/capture/kubectl';
import { configSourceOf, configuredMode, iptablesKubeMode, KUBEADM_CONFIG, modeFromConfig, modeFromPod } from '../../lib/capture/proxy-mode';
import { decodeMetadata } from '../../lib/snapshot/metadata';
import { composeSnapshot, newMetadata, type CapturedPart } from '../../lib/snapshot/write-snapshot';
import { writeRestorePayload } from '../support/kube-proxy-writer';
import { kubeProxyConfigMap, kubeProxyPod } from '../support/fake-apiserver/objects';
import { FIXTURE_CLUSTER } from '../support/fixture-cluster';
import { fixture } from '../support/snapshots';

/** config.conf of kubeadm's ConfigMap, as the fake API server serves it (kubeadm writes `mode: ""` for the default). */
const kubeadm = (mode: string) => kubeProxyConfigMap(mode).data['config.conf'];
const EMPTY = "kube-proxy's ConfigMap kube-system/kube-proxy leaves mode empty: kube-proxy's default, iptables";

describe("kube-proxy's ConfigMap (config.conf)", () => {
  test.each([
    ['""', 'iptables', kubeadm(''), EMPTY],
    ['nftables', 'nftables', kubeadm('nftables'), "kube-proxy's ConfigMap kube-system/kube-proxy says mode: nftables"],
    ['ipvs', 'ipvs', kubeadm('ipvs'), "kube-proxy's ConfigMap kube-system/kube-proxy says mode: ipvs"],
    // A hand-written configuration may leave the value out (`mode:` is YAML's null) or the key.
    ['with no value', 'iptables', 'apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmode:\n', EMPTY],
    ['missing', 'iptables', 'apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nclusterCIDR: 10.244.0.0/16\n', EMPTY],
  ])('mode %s: %s', (_, mode, conf, reason) => {
    expect(modeFromConfig(conf)).toEqual({ mode, by: 'config', reason });
  });

  test.each([
    ['a mode natdiff does not read', kubeadm('kernelspace')],
    ['not YAML', 'mode: [nftables'],
    ['not a KubeProxyConfiguration (kube-proxy refuses a file without its kind)', 'mode: nftables\n'],
    ['no config.conf', undefined],
  ])('%s says nothing', (_, conf) => {
    expect(modeFromConfig(conf)).toBeNull();
  });
});

describe("the ConfigMap kube-proxy's --config file comes from, followed through its pod's volumes", () => {
  const node = { name: 'node-a', ip: '172.18.0.2' };
  /** The fake API server's pods (what kubeadm's and EKS's DaemonSets run) as natdiff reads them. */
  const served = (layout: 'kubeadm' | 'eks'): Pod => kubeProxyPod('kube-proxy-x7k2p', node, 'uid', null, layout) as unknown as Pod;
  const pod = (command: string[], mounts: { name: string; mountPath: string; subPath?: string }[], volumes: NonNullable<Pod['spec']['volumes']>): Pod => ({
    metadata: { name: 'kube-proxy-x7k2p', namespace: 'kube-system' },
    spec: { containers: [{ name: 'kube-proxy', command, volumeMounts: mounts }], volumes },
  });

  test("kubeadm's DaemonSet: kube-system/kube-proxy, key config.conf", () => {
    expect(configSourceOf(served('kubeadm'))).toEqual(KUBEADM_CONFIG);
  });

  test("EKS's add-on: kube-system/kube-proxy-config, key config (mounted with a trailing slash)", () => {
    expect(configSourceOf(served('eks'))).toEqual({ namespace: 'kube-system', configMap: 'kube-proxy-config', key: 'config' });
  });

  test('the ConfigMap names the mode, and the reason names that ConfigMap', () => {
    const source = configSourceOf(served('eks'));
    expect(modeFromConfig(kubeProxyConfigMap('ipvs', 'eks').data['config'], source ?? undefined)).toEqual({ mode: 'ipvs', by: 'config', reason: "kube-proxy's ConfigMap kube-system/kube-proxy-config says mode: ipvs" });
  });

  test('a file mounted by subPath, a key mapped to another path by items, the deepest mount, and --config in a sh -c line', () => {
    const volume = (name: string, configMap: string, items?: { key: string; path: string }[]) => ({ name, configMap: { name: configMap, items } });
    expect(configSourceOf(pod(['kube-proxy', '--config', '/etc/kp/config.yaml'], [{ name: 'cfg', mountPath: '/etc/kp/config.yaml', subPath: 'proxy.yaml' }], [volume('cfg', 'proxy')]))).toEqual({ namespace: 'kube-system', configMap: 'proxy', key: 'proxy.yaml' });
    expect(configSourceOf(pod(['kube-proxy', '--config=/etc/kp/conf/kube-proxy.yaml'], [{ name: 'cfg', mountPath: '/etc/kp' }], [volume('cfg', 'proxy', [{ key: 'settings', path: 'conf/kube-proxy.yaml' }])]))).toEqual({ namespace: 'kube-system', configMap: 'proxy', key: 'settings' });
    const nested = pod(['kube-proxy', '--config=/etc/kp/inner/c.yaml'], [{ name: 'outer', mountPath: '/etc/kp' }, { name: 'inner', mountPath: '/etc/kp/inner' }], [volume('outer', 'outer'), volume('inner', 'inner')]);
    expect(configSourceOf(nested)?.configMap).toBe('inner');
    expect(configSourceOf(pod(['/bin/sh', '-c', 'exec kube-proxy --config="/etc/kp/c.yaml" --v=2'], [{ name: 'cfg', mountPath: '/etc/kp' }], [volume('cfg', 'proxy')]))?.key).toBe('c.yaml');
  });

  test("a pod whose --config file is in no ConfigMap says nothing (kubeadm's is not asked); with no pod to ask, kubeadm's is", async () => {
    const asked: string[][] = [];
    const kubectl = { json: (_: unknown, args: string[]) => (asked.push(args), Promise.resolve(kubeProxyConfigMap('ipvs'))) } as unknown as Kubectl;
    expect(await configuredMode(kubectl, pod(['kube-proxy', '--config=/srv/c.yaml'], [], []))).toBeNull();
    expect(asked).toEqual([]);
    expect((await configuredMode(kubectl, null))?.mode).toBe('ipvs');
    expect(asked).toEqual([['get', 'configmap', '--namespace=kube-system', '--', 'kube-proxy']]);
  });

  test('the last --config given wins, and its path is normalized', () => {
    const cfg = [{ name: 'a', mountPath: '/etc/a' }, { name: 'b', mountPath: '/etc/b' }];
    const volumes = [{ name: 'a', configMap: { name: 'first' } }, { name: 'b', configMap: { name: 'second' } }];
    expect(configSourceOf(pod(['kube-proxy', '--config=/etc/a/c.yaml', '--config', '/etc/b//./c.yaml'], cfg, volumes))).toEqual({ namespace: 'kube-system', configMap: 'second', key: 'c.yaml' });
  });

  test('no --config, a file on a host path or in no volume, a path under a ConfigMap that is no key of it: none', () => {
    const cfg = [{ name: 'cfg', mountPath: '/etc/kp' }];
    expect(configSourceOf(pod(['kube-proxy', '--proxy-mode=ipvs'], cfg, [{ name: 'cfg', configMap: { name: 'proxy' } }]))).toBeNull();
    expect(configSourceOf(pod(['kube-proxy', '--config=/etc/kp/c.yaml'], cfg, [{ name: 'cfg' }]))).toBeNull();
    expect(configSourceOf(pod(['kube-proxy', '--config=/srv/c.yaml'], cfg, [{ name: 'cfg', configMap: { name: 'proxy' } }]))).toBeNull();
    expect(configSourceOf(pod(['kube-proxy', '--config=/etc/kp/sub/c.yaml'], cfg, [{ name: 'cfg', configMap: { name: 'proxy' } }]))).toBeNull();
    expect(configSourceOf(pod(['kube-proxy', '--config=/etc/kp/c.yaml'], cfg, [{ name: 'cfg', configMap: { name: 'proxy', items: [{ key: 'x', path: 'other.yaml' }] } }]))).toBeNull();
  });
});

describe("kube-proxy's pod flag", () => {
  const pod = (command: string[], args: string[] = []): Pod => ({ metadata: { name: 'kube-proxy-x7k2p', namespace: 'kube-system' }, spec: { containers: [{ name: 'kube-proxy', command, args }] } });
  const NFTABLES = { mode: 'nftables', by: 'flag', reason: 'kube-proxy pod kube-system/kube-proxy-x7k2p runs with --proxy-mode=nftables' };

  test.each([
    ['flags only, as kube-up and kops run it', ['/usr/local/bin/kube-proxy', '--kubeconfig=/var/lib/kube-proxy/kubeconfig', '--proxy-mode=nftables'], []],
    ['the value in its own arg', ['/usr/local/bin/kube-proxy'], ['--proxy-mode', 'nftables']],
    ['in a sh -c command line', ['/bin/sh', '-c', 'exec kube-proxy --kubeconfig=/var/lib/kube-proxy/kubeconfig --proxy-mode="nftables" 1>>/var/log/kube-proxy.log 2>&1'], []],
  ])('%s: nftables', (_, command, args) => {
    expect(modeFromPod(pod(command, args))).toEqual(NFTABLES);
  });

  test("beside --config (kubeadm's DaemonSet) the flag says nothing: kube-proxy ignores its flags then", () => {
    const kubeadm = ['/usr/local/bin/kube-proxy', '--config=/var/lib/kube-proxy/config.conf', '--hostname-override=$(NODE_NAME)'];
    expect(modeFromPod(pod([...kubeadm, '--proxy-mode=nftables']))).toBeNull();
    expect(modeFromPod(pod(['/usr/local/bin/kube-proxy'], ['--config', '/etc/kube-proxy/config.yaml', '--proxy-mode', 'nftables']))).toBeNull();
  });

  test('no flag, or a mode natdiff does not read: nothing', () => {
    expect(modeFromPod(pod(['/usr/local/bin/kube-proxy', '--kubeconfig=/var/lib/kube-proxy/kubeconfig']))).toBeNull();
    expect(modeFromPod(pod(['/usr/local/bin/kube-proxy', '--proxy-mode=userspace']))).toBeNull();
  });
});

describe('the rules found', () => {
  const IPTABLES = writeRestorePayload(FIXTURE_CLUSTER);
  const IPVS = fixture('ipvs', 'ipvs-mode-iptables-save.txt');
  const KUBELET_ONLY = '*nat\n:KUBE-KUBELET-CANARY - [0:0]\n:KUBE-MARK-MASQ - [0:0]\n-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000\nCOMMIT\n';

  test("what an iptables dump says of kube-proxy: its ipsets are IPVS mode, its services iptables mode, kubelet's own chains nothing", () => {
    expect([iptablesKubeMode(IPVS), iptablesKubeMode(IPTABLES), iptablesKubeMode(KUBELET_ONLY), iptablesKubeMode('')]).toEqual(['ipvs', 'iptables', null, null]);
  });

  test('IPVS mode after a switch from iptables mode (corpus 18: the old KUBE-SVC- chains still declared): IPVS', () => {
    expect(iptablesKubeMode(fixture('corpus', '18-kubeadm-1.23-calico-ipvs-mode-nat-after-switch.txt'))).toBe('ipvs');
  });

  test("iptables mode after a switch from IPVS mode (IPVS's filter rules left behind, matching KUBE-CLUSTER-IP): iptables", () => {
    const ipvsFilter = IPVS.slice(IPVS.indexOf('*filter'), IPVS.indexOf('COMMIT\n') + 'COMMIT\n'.length);
    expect(ipvsFilter).toContain('-A KUBE-IPVS-FILTER -m set --match-set KUBE-CLUSTER-IP dst,dst -j RETURN');
    expect(iptablesKubeMode(ipvsFilter + IPTABLES)).toBe('iptables');
  });

  test.each([
    ['tables of both families', ['ip', 'ip6'], KUBELET_ONLY, null, 'nftables', "node a holds kube-proxy's nftables table ip kube-proxy and table ip6 kube-proxy"],
    ['IPVS-mode nat rules', [], IPVS, null, 'ipvs', "the nat table of node a matches kube-proxy's IPVS ipsets (KUBE-CLUSTER-IP); no kube-proxy nftables table"],
    ['iptables-mode nat rules, nft missing', [], IPTABLES, 'nft is not installed there', 'iptables', "the nat table of node a holds kube-proxy's KUBE-SERVICES rules; nftables could not be checked (nft is not installed there)"],
    ["nothing of kube-proxy's", [], KUBELET_ONLY, null, 'iptables', "no kube-proxy rules on node a (no kube-proxy nftables table, no KUBE-SERVICES in the nat table): read as iptables, kube-proxy's default"],
  ] as const)('%s', (_, nftTables, iptables, nftUnknown, mode, reason) => {
    expect(modeFromRules({ nftTables: [...nftTables], iptables, nftUnknown }, 'node a')).toEqual({ decision: { mode, by: 'rules', reason }, warnings: [] });
  });

  test('an nftables table beside kube-proxy iptables rules: nftables, and a warning about the leftovers', () => {
    expect(modeFromRules({ nftTables: ['ip'], iptables: IPTABLES, nftUnknown: null }, 'node a').warnings).toEqual([
      "node a also holds kube-proxy's iptables-mode iptables rules (leftovers of an earlier mode?); --mode iptables captures those",
    ]);
  });
});

describe("a snapshot file's parts", () => {
  const line = fc.stringMatching(/^[ -~]{0,20}$/);
  const part = fc.record({
    name: fc.constantFrom('ipvs', 'iptables', 'nftables ip'),
    lines: fc.array(line, { maxLength: 6 }),
    endsWithNewline: fc.boolean(),
  });
  const metadata = newMetadata({
    capturedAt: '2026-12-07T10:00:00.000Z', label: null, source: { kind: 'local', target: null, via: null, command: [] }, node: null, kubeContext: null,
    kubeProxyMode: 'ipvs', iptables: { version: null, backend: null }, natdiffVersion: '0.1.0', rules: 0,
  });

  property.prop([fc.array(part, { maxLength: 4 })])('each part that holds lines is at the lines the header gives, and only those are listed', (generated) => {
    const parts: CapturedPart[] = generated.map((p) => ({ name: p.name, command: [p.name], loadWith: 'x', text: p.lines.join('\n') + (p.endsWithNewline && p.lines.length > 0 ? '\n' : '') }));
    const text = composeSnapshot({ metadata, parts });
    const listed = decodeMetadata(text, 'f').metadata?.parts ?? [];
    const holding = parts.filter((p) => p.text !== '');
    expect(listed.map((p) => p.name)).toEqual(holding.map((p) => p.name));
    const fileLines = text.split('\n');
    listed.forEach((p, i) => {
      expect(fileLines.slice(p.lines.first - 1, p.lines.last).join('\n')).toBe((holding[i] as CapturedPart).text.replace(/\n$/, ''));
    });
  });
});
