import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fc, test } from '@fast-check/jest';
import { stringify } from 'yaml';
import { diffSnapshots } from '../../lib/diff/diff-snapshots';
import { snapshotMetadataSchema, type SnapshotMetadata } from '../../lib/model/metadata';
import { parseSnapshot } from '../../lib/snapshot/load-snapshot';
import { decodeMetadata } from '../../lib/snapshot/metadata';
import { composeSnapshot, compactTimestamp, countRules, newMetadata } from '../../lib/snapshot/write-snapshot';
import { renderJson } from '../../lib/report/json';
import { renderMarkdown } from '../../lib/report/markdown';
import { renderText } from '../../lib/report/text';
import { natdiff } from '../support/cli';
import { writeRestorePayload, type ClusterSpec } from '../support/kube-proxy-writer';
import { scratchDir } from '../support/scratch-dir';

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

  test('the header writes a value it holds twice in full, without YAML anchors and aliases (a capture\'s command is also its part\'s)', () => {
    const command = ['ip', 'netns', 'exec', 'ns', 'iptables-save', '-t', 'nat'];
    const m = { ...meta('before', {}), source: { kind: 'netns' as const, target: 'ns', via: null, command } };
    const text = composeSnapshot({ metadata: m, parts: [{ name: 'iptables', command, loadWith: 'iptables-restore', text: writeRestorePayload(cluster(['10.244.0.5'])) }] });
    const header = text.split('\n').filter((l) => l.startsWith('# '));
    expect(header.filter((l) => /[&*]a\d/.test(l))).toEqual([]);
    expect(header.filter((l) => l.endsWith(' - iptables-save'))).toHaveLength(2);
    expect(decodeMetadata(text, 'f').metadata?.parts?.[0]?.command).toEqual(command);
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
    const json = JSON.parse(renderJson(report, 't', { all: false }));
    expect(json.services[0].after.endpoints[1].pod).toEqual({ namespace: 'kube-system', pod: 'coredns-new-2', node: 'node-a', ready: true, terminating: false });
  });

  test('helpers', () => {
    expect(compactTimestamp('2026-11-23T05:11:22.123Z')).toBe('20261123T051122Z');
    expect(countRules('[1:2] -A X -j Y\n-A X -j Z\n-N X\n# -A not\n')).toBe(2);
  });
});

/** A header as a file might hold it: any YAML between the marker lines, not only what natdiff writes. */
const withHeader = (yaml: string, dump = '') => `# natdiff snapshot\n${yaml.trimEnd().split('\n').map((l) => `# ${l}`).join('\n')}\n# end natdiff snapshot\n${dump}`;
const damaged = (m: SnapshotMetadata, change: Record<string, unknown>, dump = '') => withHeader(stringify({ ...m, ...change }), dump);

describe('a damaged header: a warning naming the field, the rest of the header and the rules still read', () => {
  const m = meta('before', { '10.244.0.5': 'coredns-a' });
  const dump = writeRestorePayload(cluster(['10.244.0.5']));

  test.each([
    ['servicePorts: 5', { servicePorts: 5 }, 'snapshot metadata: servicePorts: expected a list, got a number; ignored', { ...m, servicePorts: undefined }],
    ['a service port that is not one', { servicePorts: [5, ...(m.servicePorts ?? [])] }, 'snapshot metadata: servicePorts[0]: expected a mapping, got a number; ignored', m],
    ['pods: {"10.0.0.1": 5}', { pods: { '10.0.0.1': 5, ...m.pods } }, 'snapshot metadata: pods[10.0.0.1]: expected a mapping, got a number; ignored', m],
    ['a pod without a name, another with a numeric node', { pods: { '10.0.0.1': { namespace: 'x' }, '10.244.0.5': { ...m.pods?.['10.244.0.5'], node: 7 } } }, 'snapshot metadata: pods[10.0.0.1].pod: missing (and 1 more); ignored', { ...m, pods: { '10.244.0.5': { ...m.pods?.['10.244.0.5'], node: null } } }],
    ['label: [a list]', { label: ['x'] }, 'snapshot metadata: label: expected text, got a list; ignored', { ...m, label: null }],
    ['source.via: 5', { source: { ...m.source, via: 5 } }, 'snapshot metadata: source.via: expected text, got a number; ignored', { ...m, source: { ...m.source, via: null } }],
  ])('%s', (_, change, warning, kept) => {
    const s = parseSnapshot(damaged(m, change, dump), 'f');
    expect(s.warnings.map((w) => w.message)).toEqual([warning]);
    expect(s.metadata).toEqual(JSON.parse(JSON.stringify(kept)));
    expect(s.ruleset.tables.get('nat')?.chains.has('KUBE-SERVICES')).toBe(true);
  });

  test.each([
    ['a required field of the wrong type', { rules: 'many' }, 'snapshot metadata: rules: expected a number, got text; diffing the rules only'],
    ['a source kind natdiff does not know', { source: { ...m.source, kind: 'carrier-pigeon' } }, 'snapshot metadata: source.kind: expected one of local, netns, node, ssh, exec; diffing the rules only'],
    ['a required field missing', { capturedAt: undefined }, 'snapshot metadata: capturedAt: missing; diffing the rules only'],
  ])('%s: no metadata, the rules still read', (_, change, warning) => {
    const s = parseSnapshot(damaged(m, change, dump), 'f');
    expect(s.warnings.map((w) => w.message)).toEqual([warning]);
    expect(s.metadata).toBeNull();
    expect(s.ruleset.tables.get('nat')?.chains.has('KUBE-SERVICES')).toBe(true);
  });

  test('not a mapping at all', () => {
    expect(decodeMetadata(withHeader('- a\n- b'), 'f')).toEqual({ metadata: null, warnings: [{ source: 'f', line: 1, message: 'snapshot metadata: expected a mapping, got a list; diffing the rules only' }] });
  });

  const damagedDir = scratchDir('natdiff-damaged-header-');

  test('natdiff diff on such files: warnings and a report, never an internal error or undefined/undefined', () => {
    const dir = damagedDir;
    const before = join(dir, 'before.txt');
    const after = join(dir, 'after.txt');
    writeFileSync(before, damaged(meta('before', {}), { servicePorts: 5 }, writeRestorePayload(cluster(['10.244.0.5']))));
    writeFileSync(after, damaged(meta('after', { '10.244.0.5': 'coredns-a' }), { pods: { '10.244.0.6': 5, '10.244.0.5': { namespace: 'kube-system', pod: 'coredns-a', node: 'node-a', ready: true, terminating: false } } }, writeRestorePayload(cluster(['10.244.0.5', '10.244.0.6']))));
    const r = natdiff(['diff', before, after, '--no-color']);
    expect(r.stderr.trimEnd().split('\n')).toEqual([
      `natdiff: warning: before ${before}:1: snapshot metadata: servicePorts: expected a list, got a number; ignored`,
      `natdiff: warning: after ${after}:1: snapshot metadata: pods[10.244.0.6]: expected a mapping, got a number; ignored`,
    ]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/\+ 10\.244\.0\.6:53/);
    expect(r.stdout).toMatch(/10\.244\.0\.5:53 .*coredns-a on node-a/);
    expect(r.stdout).not.toMatch(/undefined/);
  });
});

describe('no header text makes decodeMetadata throw, and what it returns has the declared types', () => {
  const sound = meta('before', { '10.244.0.5': 'coredns-a', '10.244.0.6': 'coredns-b' });
  // Paths into a sound header, and whether damage there can be mended (null, left out, dropped).
  const places: [PropertyKey[], boolean][] = [
    [['label'], true], [['node'], true], [['kubeContext'], true], [['kubeProxyMode'], true], [['iptables', 'version'], true], [['source', 'target'], true],
    [['pods'], true], [['pods', '10.244.0.5'], true], [['pods', '10.244.0.6', 'ready'], true], [['pods', '10.244.0.5', 'node'], true],
    [['servicePorts'], true], [['servicePorts', 0], true], [['servicePorts', 0, 'port'], true], [['servicePorts', 0, 'clusterIP'], true],
    [['formatVersion'], false], [['capturedAt'], false], [['source'], false], [['source', 'kind'], false], [['source', 'command'], false], [['iptables'], false], [['natdiffVersion'], false], [['rules'], false],
  ];
  const junk = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constant(undefined), fc.double(), fc.string());
  const damage = fc.array(fc.tuple(fc.constantFrom(...places), junk), { minLength: 1, maxLength: 4 });

  /** Sets the value at the path, unless an earlier change took away what leads there. */
  function setAt(value: unknown, path: PropertyKey[], junkValue: unknown): void {
    const container = path.slice(0, -1).reduce<unknown>((at, key) => (typeof at === 'object' && at !== null ? (at as Record<PropertyKey, unknown>)[key] : undefined), value);
    if (typeof container === 'object' && container !== null) (container as Record<PropertyKey, unknown>)[path[path.length - 1] as PropertyKey] = junkValue;
  }

  function apply(changes: [[PropertyKey[], boolean], unknown][]): unknown {
    const value = structuredClone(sound);
    for (const [[path], junkValue] of changes) setAt(value, path, junkValue);
    return value;
  }

  function expectDeclaredTypes(text: string): SnapshotMetadata | null {
    const { metadata, warnings } = decodeMetadata(text, 'f');
    if (metadata) expect(snapshotMetadataSchema.safeParse(metadata).success).toBe(true);
    for (const w of warnings) expect(w.message).toMatch(/^(snapshot metadata|the natdiff metadata header)/);
    return metadata;
  }

  test.prop([fc.array(fc.string({ maxLength: 30 }), { maxLength: 12 })], { numRuns: 300 })('any lines at all', (lines) => {
    expectDeclaredTypes(withHeader(lines.join('\n')));
  });

  test.prop([fc.jsonValue({ maxDepth: 4 })], { numRuns: 300 })('any YAML document', (value) => {
    expectDeclaredTypes(withHeader(stringify(value)));
  });

  test.prop([damage], { numRuns: 500 })('a sound header with parts damaged: mendable damage keeps the header, and what was not damaged is as written', (changes) => {
    const metadata = expectDeclaredTypes(withHeader(stringify(apply(changes))));
    const mendable = changes.every(([[, canMend]]) => canMend);
    if (mendable) {
      expect(metadata).not.toBeNull();
      const touched = new Set(changes.map(([[path]]) => String(path[0])));
      for (const key of Object.keys(sound) as (keyof SnapshotMetadata)[]) if (!touched.has(key)) expect(metadata?.[key]).toEqual(sound[key]);
    }
  });
});
