/**
 * A snapshot's metadata as `natdiff snap` records it for a node of a small cluster, with the
 * values a header must quote to keep them text: a date for a label (`--label 2026-12-07`), an EKS
 * context (colons), a reason with quotes and `: `, IPv6 addresses as keys, a timestamp. tests/fixtures/snapshot-header holds its snapshot file as an earlier natdiff
 * wrote it.
 */
import type { SnapshotMetadata } from '../../lib/model/metadata';
import { newMetadata, type CapturedPart } from '../../lib/snapshot/write-snapshot';
import { fixture } from './snapshots';

const COMMAND = ['kubectl', 'exec', '-n', 'kube-system', 'kube-proxy-x7k2p', '--', 'iptables-save', '-t', 'nat'];

export const REPRESENTATIVE_METADATA: SnapshotMetadata = newMetadata({
  capturedAt: '2026-12-07T10:00:00.000Z',
  label: '2026-12-07',
  source: { kind: 'node', target: 'worker-1', via: 'kube-proxy pod kube-system/kube-proxy-x7k2p', command: COMMAND },
  node: 'worker-1',
  kubeContext: 'arn:aws:eks:eu-west-1:123456789012:cluster/prod',
  kubeProxyMode: 'iptables',
  kubeProxyModeDecision: { by: 'config', reason: "kube-proxy's ConfigMap kube-system/kube-proxy says mode: \"iptables\"" },
  iptables: { version: '1.8.9', backend: 'nf_tables' },
  natdiffVersion: '0.1.0',
  rules: 44,
  pods: {
    '10.244.1.7': { namespace: 'kube-system', pod: 'coredns-5d78c9869d-7xq2k', node: 'worker-1', ready: true, terminating: false },
    'fd00:10:244::7': { namespace: 'kube-system', pod: 'coredns-5d78c9869d-p2r9z', node: null, ready: false, terminating: true },
  },
  servicePorts: [
    { name: 'kube-system/kube-dns:dns', protocol: 'udp', clusterIP: '10.96.0.10', port: 53, nodePort: null },
    { name: 'default/shop', protocol: 'tcp', clusterIP: null, port: 443, nodePort: 31443, externalIPs: ['198.51.100.7'], loadBalancerIPs: ['203.0.113.50', '2001:db8::50'] },
  ],
  nodeIPs: ['192.168.0.10', 'fd00::10'],
});

/** Its capture: kube-proxy's rules as iptables-save printed them (tests/fixtures/captured). */
export const REPRESENTATIVE_PARTS: CapturedPart[] = [{ name: 'iptables', command: COMMAND, loadWith: 'iptables-restore', text: fixture('captured', 'iptables-save-of-payload.txt') }];
