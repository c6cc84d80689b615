/**
 * The snapshot header as written: its text for a representative capture, every value read back as
 * written (by js-yaml, and by `yaml` as natdiff read headers before), and headers written before
 * (by `yaml`) still read.
 */
import { fc, test } from '@fast-check/jest';
import { parse } from 'yaml';
import { MODE_DECIDERS, SOURCE_KINDS, type ServicePortInfo, type SnapshotMetadata } from '../../lib/model/metadata';
import type { PodRef } from '../../lib/model/pods';
import { parseSnapshot } from '../../lib/snapshot/load-snapshot';
import { decodeMetadata, encodeMetadata } from '../../lib/snapshot/metadata';
import { composeSnapshot, joinParts, newMetadata, snapshotFile, type CapturedPart } from '../../lib/snapshot/write-snapshot';
import { REPRESENTATIVE_METADATA, REPRESENTATIVE_PARTS } from '../support/representative-metadata';
import { fixture } from '../support/snapshots';

const END = '# end natdiff snapshot';

/** The header's lines, from its first marker line to its end line. */
const headerOf = (text: string): string => text.slice(0, text.indexOf(`\n${END}\n`) + END.length + 2);

/** The YAML document between the marker lines, as the reader takes it out. */
const documentOf = (text: string): string =>
  headerOf(text)
    .split('\n')
    .slice(1, -2)
    .map((l) => l.replace(/^# ?/, ''))
    .join('\n');

/** What natdiff read before js-yaml did: `yaml`'s parse, over the same lines. */
const readByYaml = (text: string): unknown => parse(documentOf(text), { uniqueKeys: false });

/**
 * Text from a cluster or a user that YAML would read as something else, or cannot leave plain:
 * numbers, booleans, nulls and dates of YAML 1.1 and 1.2, indicators, comments, document markers,
 * quotes, blanks at either end (Unicode's too), line breaks, control characters, Unicode line
 * separators, a byte order mark, a lone surrogate, text beyond ASCII, a key longer than YAML's
 * implicit keys.
 */
const TRICKY = [
  '', ' ', '  two', 'trailing ', 'true', 'False', 'yes', 'no', 'on', 'off', 'y', 'n', 'null', 'Null', '~', '1', '-1', '+1', '1.0', '1e3', '.5', '0x1F', '0o17', '017', '1_000', '.inf', '-.Inf', '.NaN',
  '2026-12-07', '2026-12-07T10:00:00Z', '12:30:00', '1.8.9', '10.96.0.10', 'fd00::1', '::', '- a', '-', '--', '? a', '?', ':', 'a: b', 'a:b', 'a #b', '#a', '&a', '*a', '!a', '!!str', '|', '>', '%a', '@a', '`a',
  '"a"', "'a'", "it's", '[a]', '{a: b}', 'a, b', '<<', '=', '---', '--- a', '...', '... a', 'a\nb', 'a\n', '\n', 'a\n\n', ' a\nb', 'a\r\nb', '\r', 'a\tb', '\t', '\0', '\u0007', '\u001b[31mred\u001b[0m', '\u007f',
  '\u0085', '\u00a0', 'a\u3000', '\u2028', '\u2029', '\ufeffa', '\ud800', 'é ü 中 🚀', '\u200b', '__proto__', '# end natdiff snapshot', 'x'.repeat(1100),
];

/**
 * A pod's address as a key: any text but `__proto__`, which the reader's schema check drops (as
 * zod reads a record); an endpoint's address never is one.
 */
const podKey = (value: string) => (value === '__proto__' ? '10.0.0.2' : value);

/** Metadata carrying the text in every kind of place: a top-level field, nested ones, a list, a pod's address (a key). */
function carrying(value: string): SnapshotMetadata {
  return newMetadata({
    capturedAt: value,
    label: value,
    source: { kind: 'exec', target: value, via: null, command: ['sh', '-c', value] },
    node: value,
    kubeContext: value,
    kubeProxyMode: 'iptables',
    kubeProxyModeDecision: { by: 'rules', reason: value },
    iptables: { version: value, backend: null },
    natdiffVersion: value,
    rules: 3,
    pods: { [podKey(value)]: { namespace: value, pod: value, node: value, ready: true, terminating: false }, '10.0.0.1': { namespace: 'a', pod: 'b', node: null, ready: false, terminating: true } },
    servicePorts: [{ name: value, protocol: 'tcp', clusterIP: value, port: 80, nodePort: null, externalIPs: [value] }],
    nodeIPs: [value],
  });
}

const text = fc.oneof(fc.constantFrom(...TRICKY), fc.string({ unit: 'binary', maxLength: 12 }), fc.string({ maxLength: 12 }));
const nullable = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: null });

const podRef: fc.Arbitrary<PodRef> = fc.record({ namespace: text, pod: text, node: nullable(text), ready: fc.boolean(), terminating: fc.boolean() });
const servicePort: fc.Arbitrary<ServicePortInfo> = fc.record(
  { name: text, protocol: text, clusterIP: nullable(text), port: fc.nat(65535), nodePort: nullable(fc.nat(65535)), externalIPs: fc.array(text, { maxLength: 3 }), loadBalancerIPs: fc.array(text, { maxLength: 3 }) },
  { requiredKeys: ['name', 'protocol', 'clusterIP', 'port', 'nodePort'] },
);

/** Metadata of any shape the schema allows (parts aside), with any text in it. */
const anyMetadata: fc.Arbitrary<SnapshotMetadata> = fc.record(
  {
    formatVersion: fc.constant(1),
    capturedAt: text,
    label: nullable(text),
    source: fc.record({ kind: fc.constantFrom(...SOURCE_KINDS), target: nullable(text), via: nullable(text), command: fc.array(text, { maxLength: 4 }) }),
    node: nullable(text),
    kubeContext: nullable(text),
    kubeProxyMode: nullable(text),
    kubeProxyModeDecision: fc.record({ by: fc.constantFrom(...MODE_DECIDERS), reason: text }),
    iptables: fc.record({ version: nullable(text), backend: nullable(text) }),
    natdiffVersion: text,
    rules: fc.nat(),
    pods: fc.dictionary(text.map(podKey), podRef, { maxKeys: 4, noNullPrototype: true }),
    servicePorts: fc.array(servicePort, { maxLength: 3 }),
    nodeIPs: fc.array(text, { maxLength: 3 }),
  },
  { requiredKeys: ['formatVersion', 'capturedAt', 'label', 'source', 'node', 'kubeContext', 'kubeProxyMode', 'iptables', 'natdiffVersion', 'rules'] },
);

/** A command's output: a few lines (or none), ending its last line or not. */
const output = fc
  .tuple(fc.array(fc.constantFrom('*nat', ':KUBE-SERVICES - [0:0]', '-A KUBE-SERVICES -j KUBE-NODEPORTS', 'COMMIT', '', '# Completed'), { maxLength: 6 }), fc.boolean())
  .map(([lines, ended]) => lines.join('\n') + (ended && lines.length > 0 ? '\n' : ''));
const capturedPart: fc.Arbitrary<CapturedPart> = fc.record({ name: text, command: fc.array(text, { maxLength: 4 }), loadWith: text, text: output });

/** Read back alike by both readers; and the header is comment lines that end at its end line, whatever the values hold. */
function expectReadBackAsWritten(metadata: SnapshotMetadata, file: string): void {
  const header = headerOf(file);
  expect(header.split('\n').slice(1, -2).every((l) => l.startsWith('# '))).toBe(true);
  expect(header.endsWith(`\n${END}\n`)).toBe(true);
  expect(decodeMetadata(file, 'f')).toEqual({ metadata, warnings: [] });
  expect(readByYaml(file)).toEqual(metadata);
}

describe('the snapshot header as written', () => {
  test("a representative capture's header, as natdiff writes it", () => {
    const file = composeSnapshot({ metadata: REPRESENTATIVE_METADATA, parts: REPRESENTATIVE_PARTS });
    expect(headerOf(file)).toBe(`# natdiff snapshot
# formatVersion: 1
# capturedAt: '2026-12-07T10:00:00.000Z'
# label: '2026-12-07'
# source:
#   kind: node
#   target: worker-1
#   via: kube-proxy pod kube-system/kube-proxy-x7k2p
#   command:
#     - kubectl
#     - exec
#     - -n
#     - kube-system
#     - kube-proxy-x7k2p
#     - --
#     - iptables-save
#     - -t
#     - nat
# node: worker-1
# kubeContext: arn:aws:eks:eu-west-1:123456789012:cluster/prod
# kubeProxyMode: iptables
# kubeProxyModeDecision:
#   by: config
#   reason: 'kube-proxy''s ConfigMap kube-system/kube-proxy says mode: "iptables"'
# iptables:
#   version: 1.8.9
#   backend: nf_tables
# natdiffVersion: 0.1.0
# rules: 44
# pods:
#   10.244.1.7:
#     namespace: kube-system
#     pod: coredns-5d78c9869d-7xq2k
#     node: worker-1
#     ready: true
#     terminating: false
#   fd00:10:244::7:
#     namespace: kube-system
#     pod: coredns-5d78c9869d-p2r9z
#     node: null
#     ready: false
#     terminating: true
# servicePorts:
#   - name: kube-system/kube-dns:dns
#     protocol: udp
#     clusterIP: 10.96.0.10
#     port: 53
#     nodePort: null
#   - name: default/shop
#     protocol: tcp
#     clusterIP: null
#     port: 443
#     nodePort: 31443
#     externalIPs:
#       - 198.51.100.7
#     loadBalancerIPs:
#       - 203.0.113.50
#       - 2001:db8::50
# nodeIPs:
#   - 192.168.0.10
#   - fd00::10
# parts:
#   - name: iptables
#     command:
#       - kubectl
#       - exec
#       - -n
#       - kube-system
#       - kube-proxy-x7k2p
#       - --
#       - iptables-save
#       - -t
#       - nat
#     loadWith: iptables-restore
#     lines:
#       first: 79
#       last: 198
${END}
`);
    expectReadBackAsWritten({ ...REPRESENTATIVE_METADATA, parts: [{ name: 'iptables', command: REPRESENTATIVE_METADATA.source.command, loadWith: 'iptables-restore', lines: { first: 79, last: 198 } }] }, file);
  });

  test('a snapshot file written before (the header by `yaml`) reads as it did: the same metadata and rules as the same capture written now, whose header quotes three values differently', () => {
    const before = fixture('snapshot-header', 'written-by-yaml-stringify.txt');
    const now = composeSnapshot({ metadata: REPRESENTATIVE_METADATA, parts: REPRESENTATIVE_PARTS });
    const [old, current] = [parseSnapshot(before, 'before'), parseSnapshot(now, 'now')];
    expect(old.warnings).toEqual([]);
    expect(old.metadata).toEqual(current.metadata);
    expect(old.ruleset).toEqual(current.ruleset);
    const [oldLines, newLines] = [before.split('\n'), now.split('\n')];
    expect(newLines).toHaveLength(oldLines.length);
    expect(oldLines.flatMap((l, i) => (l === newLines[i] ? [] : [[l, newLines[i]]]))).toEqual([
      ['# capturedAt: 2026-12-07T10:00:00.000Z', "# capturedAt: '2026-12-07T10:00:00.000Z'"],
      ['# label: 2026-12-07', "# label: '2026-12-07'"],
      ['#   reason: "kube-proxy\'s ConfigMap kube-system/kube-proxy says mode: \\"iptables\\""', "#   reason: 'kube-proxy''s ConfigMap kube-system/kube-proxy says mode: \"iptables\"'"],
    ]);
  });

  test.each(TRICKY.map((t) => [JSON.stringify(t).slice(0, 40), t]))('%s in every kind of place reads back as written', (_, value) => {
    const metadata = carrying(value);
    expectReadBackAsWritten(metadata, composeSnapshot({ metadata, text: '-A X -j Y\n' }));
  });

  test.prop([anyMetadata], { numRuns: 300 })('any metadata reads back as written, by both readers', (metadata) => {
    expectReadBackAsWritten(metadata, composeSnapshot({ metadata, text: '' }));
  });

  test.prop([anyMetadata, fc.array(capturedPart, { minLength: 2, maxLength: 4 })], { numRuns: 300 })(
    'placing the parts, the metadata is encoded once, and the header is byte for byte the placed metadata encoded in one go; each part lies at the lines the header gives',
    (unplaced, parts) => {
      const { text: file, metadata } = snapshotFile({ metadata: unplaced, parts });
      expect(file).toBe(encodeMetadata(metadata) + joinParts(parts));
      expect(decodeMetadata(file, 'f')).toEqual({ metadata, warnings: [] });
      const lines = file.split('\n');
      const holding = parts.filter((p) => p.text !== '');
      expect(metadata.parts?.map((p) => p.name)).toEqual(holding.map((p) => p.name));
      metadata.parts?.forEach((p, i) => expect(lines.slice(p.lines.first - 1, p.lines.last).join('\n')).toBe(holding[i]?.text.replace(/\n$/, '')));
    },
  );

  test('a field left undefined is left out, as in JSON', () => {
    const file = composeSnapshot({ metadata: { ...REPRESENTATIVE_METADATA, pods: undefined, nodeIPs: undefined }, text: '' });
    expect(file).not.toMatch(/^# (pods|nodeIPs):/m);
    const { pods: _pods, nodeIPs: _nodeIPs, ...rest } = REPRESENTATIVE_METADATA;
    expect(decodeMetadata(file, 'f').metadata).toStrictEqual(rest);
  });
});
