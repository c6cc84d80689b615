/**
 * An IPVS-mode snapshot file as natdiff snap writes it (the metadata header, then `ipvsadm-save -n`
 * and `iptables-save -t nat` as two parts), and what people paste (iptables-save first, then
 * ipvsadm-save), are read as one IPVS-mode snapshot; the node's addresses in the metadata say which
 * virtual services are its NodePorts. This kernel has no IPVS: the ipvsadm-save text is
 * tests/fixtures/ipvs (ipvsadm's exact format), the iptables side was saved by the real iptables.
 */
import type { SnapshotMetadata } from '../../lib/model/metadata';
import { parseSnapshot } from '../../lib/snapshot/load-snapshot';
import { composeSnapshot, newMetadata, type CapturedPart } from '../../lib/snapshot/write-snapshot';
import { fixture, port } from '../support/snapshots';

const SAVE = fixture('ipvs', 'ipvsadm-save-n.txt');
const IPTABLES = fixture('ipvs', 'ipvs-mode-iptables-save.txt');

const PARTS: CapturedPart[] = [
  { name: 'ipvs', command: ['ipvsadm-save', '-n'], loadWith: 'ipvsadm-restore', text: SAVE },
  { name: 'iptables', command: ['iptables-save', '-t', 'nat'], loadWith: 'iptables-restore', text: IPTABLES },
];

/** Metadata of one namespace's user: the service ports of kube-system only, so the web NodePort is known by the node's address alone. */
const metadata = (nodeIPs?: string[]): SnapshotMetadata =>
  newMetadata({
    capturedAt: '2026-12-07T10:00:00.000Z', label: 'before', source: { kind: 'node', target: 'node-a', via: 'debug pod (busybox:1.36)', command: ['ipvsadm-save', '-n'] },
    node: 'node-a', kubeContext: 'prod', kubeProxyMode: 'ipvs', kubeProxyModeDecision: { by: 'config', reason: "kube-proxy's ConfigMap kube-system/kube-proxy says mode: ipvs" },
    iptables: { version: '1.8.9', backend: 'nf_tables' }, natdiffVersion: '0.1.0', rules: 0,
    servicePorts: [
      { name: 'kube-system/kube-dns:dns', protocol: 'udp', clusterIP: '10.96.0.10', port: 53, nodePort: null },
      { name: 'kube-system/kube-dns:dns-tcp', protocol: 'tcp', clusterIP: '10.96.0.10', port: 53, nodePort: null },
    ],
    ...(nodeIPs ? { nodeIPs } : {}),
  });

describe('IPVS-mode snapshot files', () => {
  test('the header names the parts and their lines; the file is read as one IPVS-mode snapshot', () => {
    const text = composeSnapshot({ metadata: metadata(['192.168.0.10']), parts: PARTS });
    const s = parseSnapshot(text, 'snap.txt');
    expect(s.format).toBe('natdiff snapshot (ipvsadm-save -n + iptables-save)');
    const lines = text.split('\n');
    const [ipvs, iptables] = s.metadata?.parts ?? [];
    expect(lines.slice((ipvs?.lines.first ?? 0) - 1, ipvs?.lines.last).join('\n')).toBe(SAVE.trimEnd());
    expect(lines.slice((iptables?.lines.first ?? 0) - 1, iptables?.lines.last).join('\n')).toBe(IPTABLES.trimEnd());
    expect(s.metadata?.parts?.map((p) => [p.name, p.loadWith])).toEqual([['ipvs', 'ipvsadm-restore'], ['iptables', 'iptables-restore']]);
    expect(port(s.describe([]).model, 'kube-system/kube-dns:dns/udp').endpoints.map((e) => e.address)).toEqual(['10.244.1.2:53', '10.244.2.3:53']);
  });

  test("the node's addresses in the metadata make its NodePort a NodePort, not a cluster IP of its own", () => {
    const model = (nodeIPs?: string[]) => parseSnapshot(composeSnapshot({ metadata: metadata(nodeIPs), parts: PARTS }), 'snap.txt').describe([]).model;
    expect(model().ports.map((p) => p.key)).toContain('192.168.0.10:30080/tcp');
    const withNode = model(['192.168.0.10']);
    expect(withNode.ports.map((p) => p.key)).not.toContain('192.168.0.10:30080/tcp');
    expect(port(withNode, '10.96.100.20:80/tcp').nodePorts).toEqual([30080]);
  });

  test('iptables-save pasted before ipvsadm-save -n is read as IPVS mode, not as iptables rules', () => {
    expect(parseSnapshot(IPTABLES + SAVE, 'pasted.txt').format).toBe('ipvsadm-save -n + iptables-save');
  });
});
