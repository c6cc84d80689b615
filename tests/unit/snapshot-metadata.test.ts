import { diffSnapshots } from '../../lib/diff/diff-snapshots';
import { parseSnapshot } from '../../lib/snapshot/load-snapshot';
import { decodeMetadata } from '../../lib/snapshot/metadata';
import { composeSnapshot, compactTimestamp, countRules, newMetadata } from '../../lib/snapshot/write-snapshot';
import { renderJson } from '../../lib/report/json';
import { renderMarkdown } from '../../lib/report/markdown';
import { renderText } from '../../lib/report/text';
import { writeRestorePayload, type ClusterSpec } from '../support/kube-proxy-writer';

const cluster = (ips: string[]): ClusterSpec => ({
  podCIDR: '10.244.0.0/16',
  services: [{ namespace: 'kube-system', name: 'kube-dns', clusterIP: '10.96.0.10', ports: [{ name: 'dns', port: 53, protocol: 'udp', endpoints: ips.map((ip) => ({ ip, port: 53 })) }] }],
});

const meta = (label: string, pods: Record<string, string>) =>
  newMetadata({
    capturedAt: '2026-11-23T05:11:22.123Z',
    label,
    source: { kind: 'node', target: 'node-a', via: 'kube-proxy pod kube-system/kube-proxy-abcde', command: ['kubectl', 'exec', '…'] },
    node: 'node-a',
    kubeContext: 'prod',
    kubeProxyMode: 'iptables',
    iptables: { version: '1.8.9', backend: 'nf_tables' },
    natdiffVersion: '0.1.0',
    rules: 0,
    pods: Object.fromEntries(Object.entries(pods).map(([ip, pod]) => [ip, { namespace: 'kube-system', pod, node: 'node-a', ready: true, terminating: false }])),
    servicePorts: [{ name: 'kube-system/kube-dns:dns', protocol: 'udp', clusterIP: '10.96.0.10', port: 53, nodePort: null }],
  });

/** kube-proxy above 1000 endpoints, and a poster who stripped every comment: no names anywhere in the rules. */
const noComments = (text: string) => text.replace(/-m comment --comment ("[^"]*"|\S+) /g, '');

describe('snapshot files', () => {
  test('metadata round-trips through the # header, and the file is still a dump', () => {
    const m = meta('before', { '10.244.0.5': 'coredns-a' });
    const text = composeSnapshot({ text: writeRestorePayload(cluster(['10.244.0.5'])), metadata: m });
    expect(text.startsWith('# natdiff snapshot\n# formatVersion: 1\n')).toBe(true);
    expect(text.split('\n').filter((l) => !l.startsWith('#')).join('\n')).toBe(writeRestorePayload(cluster(['10.244.0.5'])));
    expect(decodeMetadata(text, 'f').metadata).toEqual(m);
    expect(parseSnapshot(text, 'f').metadata).toEqual(m);
  });

  test('a damaged or newer header is a warning; the rules are still read', () => {
    const dump = writeRestorePayload(cluster(['10.244.0.5']));
    expect(parseSnapshot(`# natdiff snapshot\n# formatVersion: [\n# end natdiff snapshot\n${dump}`, 'f').warnings[0]?.message).toMatch(/the natdiff metadata header cannot be read/);
    expect(parseSnapshot(`# natdiff snapshot\n# formatVersion: 1\n${dump}`, 'f').warnings[0]?.message).toMatch(/has no end line/);
    const newer = composeSnapshot({ text: dump, metadata: { ...meta('x', {}), formatVersion: 9 } });
    expect(parseSnapshot(newer, 'f').warnings[0]?.message).toMatch(/format 9 is newer than this natdiff reads \(1\)/);
  });

  test('an empty capture (a host without rules) is a valid snapshot', () => {
    const s = parseSnapshot(composeSnapshot({ text: '', metadata: meta('empty', {}) }), 'f');
    expect(s.ruleset.tables.size).toBe(0);
  });

  test('service ports from the metadata name chains whose rules carry no name', () => {
    const before = parseSnapshot(composeSnapshot({ text: noComments(writeRestorePayload(cluster(['10.244.0.5']))), metadata: meta('before', {}) }), 'b');
    const after = parseSnapshot(composeSnapshot({ text: noComments(writeRestorePayload(cluster(['10.244.0.5', '10.244.0.6']))), metadata: meta('after', {}) }), 'a');
    const report = diffSnapshots(before, after);
    expect(report.services.map((s) => [s.name, s.status])).toEqual([['kube-system/kube-dns:dns', 'changed']]);
    const plain = diffSnapshots(parseSnapshot(noComments(writeRestorePayload(cluster(['10.244.0.5']))), 'b'), parseSnapshot(noComments(writeRestorePayload(cluster(['10.244.0.5', '10.244.0.6']))), 'a'));
    expect(plain.services.map((s) => [s.name, s.label])).toEqual([[null, '10.96.0.10:53/udp']]);
  });

  test('pods from the metadata are named in every report format', () => {
    const pods = { '10.244.0.5': 'coredns-old-1', '10.244.0.6': 'coredns-new-2' };
    const before = parseSnapshot(composeSnapshot({ text: writeRestorePayload(cluster(['10.244.0.5'])), metadata: meta('before', pods) }), 'b');
    const after = parseSnapshot(composeSnapshot({ text: writeRestorePayload(cluster(['10.244.0.5', '10.244.0.6'])), metadata: meta('after', pods) }), 'a');
    const report = diffSnapshots(before, after);
    expect(renderText(report, { color: false, all: false })).toMatch(/\+ 10\.244\.0\.6:53 +— → 50% +coredns-new-2 on node-a/);
    expect(renderMarkdown(report, { all: false, toolVersion: 't' })).toContain('| ➕ `10.244.0.6:53` | coredns-new-2 on node-a |');
    const json = JSON.parse(renderJson(report, 't'));
    expect(json.services[0].after.endpoints[1].pod).toEqual({ namespace: 'kube-system', pod: 'coredns-new-2', node: 'node-a', ready: true, terminating: false });
  });

  test('helpers', () => {
    expect(compactTimestamp('2026-11-23T05:11:22.123Z')).toBe('20261123T051122Z');
    expect(countRules('[1:2] -A X -j Y\n-A X -j Z\n-N X\n# -A not\n')).toBe(2);
  });
});
