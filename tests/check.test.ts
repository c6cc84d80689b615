/**
 * `natdiff check`: rule sets broken on purpose give their finding ids (tests/fixtures/hand-made/check,
 * derived from real dumps), the kernel holds each of them but the dangling jumps, every real dump
 * and bundled snapshot gives no error unless it really is broken, and what kube-proxy programs for
 * a generated cluster, in every mode, gives none.
 */
import { fc, test as propTest } from '@fast-check/jest';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { checkSnapshot, type CheckResult } from '../lib/check/check-snapshot';
import { LINT_IDS, type LintFinding } from '../lib/model/lint';
import { parseSnapshot } from '../lib/snapshot/load-snapshot';
import { cluster } from './support/cluster-arbitrary';
import { ipvsadmList } from './support/ipvsadm-writer';
import { ipvsVirtualServices } from './support/kube-proxy-ipvs-writer';
import { writeNftTransaction } from './support/kube-proxy-nft-writer';
import { builtinJumpRules, mergeRestoreInputs, writeRestorePayload, type ClusterSpec } from './support/kube-proxy-writer';
import { createNetns, deleteNetns, inNetns, netnsUnavailableReason, run } from './support/netns';
import { bundled, fixture, FIXTURES, SNAPSHOTS } from './support/snapshots';

function check(text: string, source: string): CheckResult {
  return checkSnapshot(parseSnapshot(text, source, { allowTruncated: true }));
}

function ids(findings: readonly LintFinding[]): string[] {
  return [...new Set(findings.map((f) => f.id))].sort();
}

function errors(result: CheckResult): string[] {
  return result.findings.filter((f) => f.severity === 'error').map((f) => `${f.id} ${f.chain ?? '-'}:${f.line ?? '-'} ${f.message}`);
}

const BROKEN: [file: string, ids: string[]][] = [
  ['dangling-jump.txt', ['dangling-jump']],
  ['orphan-chain.txt', ['orphan-chain']],
  ['unequal-shares.txt', ['unequal-shares']],
  ['bad-probabilities.txt', ['bad-probabilities', 'unequal-shares']],
  ['hash-mismatch.txt', ['hash-mismatch']],
  ['duplicate-endpoint.txt', ['duplicate-endpoint', 'hash-mismatch']],
  ['no-endpoints-no-reject.txt', ['no-endpoints-no-reject', 'orphan-chain']],
  ['no-comments.txt', ['no-comments']],
  ['repeated-rule.txt', ['repeated-rule']],
  ['missing-hook.txt', ['missing-hook']],
  ['empty-endpoint.txt', ['empty-endpoint']],
  ['dual-backend.txt', ['dual-backend']],
  ['nft-dangling-jump.txt', ['dangling-jump']],
  ['nft-hash-mismatch.txt', ['hash-mismatch']],
  ['ipvs-all-draining.txt', ['all-draining']],
];

describe('rule sets broken on purpose', () => {
  test.each(BROKEN)('%s gives %j', (file, expected) => {
    expect(ids(check(fixture('hand-made', 'check', file), file).findings)).toEqual(expected);
  });

  test('every finding id is given by at least one of them', () => {
    expect([...new Set(BROKEN.flatMap(([, i]) => i))].sort()).toEqual([...LINT_IDS].sort());
  });

  test('a finding names its chain and line: the jump to the deleted endpoint chain; its message reads on its own', () => {
    expect(check(fixture('hand-made', 'check', 'dangling-jump.txt'), 'd').findings).toEqual([
      {
        id: 'dangling-jump',
        severity: 'error',
        chain: 'KUBE-SVC-TCOU7JCQXEZGVUNU',
        line: 51,
        message: 'KUBE-SVC-TCOU7JCQXEZGVUNU jumps (-j) to KUBE-SEP-3DU66DE6VORVEQVD, which table nat does not hold: iptables-restore refuses such rules, so no kernel holds them: the dump was edited or spliced (take a new one: natdiff snap)',
        detail: 'jumps (-j) to KUBE-SEP-3DU66DE6VORVEQVD, which table nat does not hold',
        explanation: 'iptables-restore refuses such rules, so no kernel holds them: the dump was edited or spliced (take a new one: natdiff snap)',
      },
    ]);
  });

  test('what the reader finds is placed in the chain of its line, as the rules\' findings are', () => {
    const places = (file: string) => check(fixture('hand-made', 'check', file), file).findings.map((f) => `${f.id} ${f.chain}:${f.line}`);
    expect(places('bad-probabilities.txt')).toEqual(['bad-probabilities KUBE-SVC-TCOU7JCQXEZGVUNU:20', 'unequal-shares KUBE-SVC-TCOU7JCQXEZGVUNU:20']);
    expect(places('nft-hash-mismatch.txt')).toEqual(['hash-mismatch service-AAAAAAAA-default/web/tcp/http:186']);
  });

  test('one finding about many chains is about no one place: its chain and line are null, and it names the first chains', () => {
    const [finding] = check(fixture('hand-made', 'check', 'no-comments.txt'), 'n').findings;
    expect(finding).toMatchObject({ id: 'no-comments', chain: null, line: null });
    expect(finding?.message).toMatch(/^5 endpoint chains carry no comments \(KUBE-SEP-3DU66DE6VORVEQVD:12, KUBE-SEP-J3PAEDFFPOVQTZUH:13, KUBE-SEP-S4MK5EVI7CLHCCS6:14 and 2 more\): kube-proxy leaves them out only above 1000 endpoints/);
  });

  test('missing comments are information above 1000 endpoints, where kube-proxy drops them', () => {
    const services = Array.from({ length: 3 }, (_, s) => ({
      namespace: 'default', name: `big${s}`, clusterIP: `10.96.1.${s + 1}`,
      ports: [{ name: 'http', port: 80, protocol: 'tcp' as const, endpoints: Array.from({ length: 340 }, (_, i) => ({ ip: `10.244.${s}.${i % 250}`, port: 8000 + Math.floor(i / 250), local: false })) }],
    }));
    const large = check(writeRestorePayload({ podCIDR: '10.244.0.0/16', services } as ClusterSpec), 'large');
    expect(large.findings.map((f) => [f.id, f.severity])).toEqual([['no-comments', 'info']]);
    const small = check(writeRestorePayload({ podCIDR: '10.244.0.0/16', services: services.slice(0, 1) } as ClusterSpec, { largeCluster: true }), 'small');
    expect(small.findings.map((f) => [f.id, f.severity])).toEqual([['no-comments', 'warning']]);
  });
});

/** Real dumps that really are broken, and why: their errors are pinned, not excused. */
const REALLY_BROKEN: Record<string, string[]> = {
  // kube-proxy's restore payload loaded alone and saved: the jumps it adds from the built-in chains, outside the payload, are missing.
  'captured/iptables-save-of-payload.txt': ['missing-hook', 'missing-hook', 'missing-hook'],
  'iptables-list/kube-proxy-ip6-nat-L-n-v.txt': ['missing-hook', 'missing-hook', 'missing-hook'],
  'iptables-list/kube-proxy-ip6-nat-save.txt': ['missing-hook', 'missing-hook', 'missing-hook'],
  // Chains named by hand to exercise matches (KUBE-SVC-OLDLAYOUTAFFINITY…): not kube-proxy's names.
  'iptables-list/matches-L-n-v.txt': ['hash-mismatch', 'hash-mismatch', 'hash-mismatch'],
  'iptables-list/matches-save.txt': ['hash-mismatch', 'hash-mismatch', 'hash-mismatch'],
  'iptables-list/matches-payload.txt': ['hash-mismatch', 'hash-mismatch', 'hash-mismatch'],
  // Made-up chain names (KUBE-SVC-AAAAAAAAAAAAAAAA…) for two ports named alike.
  'hand-made/two-ports-one-name.txt': ['hash-mismatch', 'hash-mismatch', 'hash-mismatch', 'hash-mismatch'],
};

const DUMP_FOLDERS = ['corpus', 'captured', 'iptables-list', 'iptables-nft', 'ipvs', 'nftables'];
const NOT_DUMPS = /\.(md|sh|ipset|nft)$|^ipset-save\.txt$/;
const dumps = [
  ...DUMP_FOLDERS.flatMap((d) => readdirSync(join(FIXTURES, d)).filter((f) => !NOT_DUMPS.test(f)).map((f) => `${d}/${f}`)),
  'hand-made/two-ports-one-name.txt',
].sort();

describe('real dumps give no error unless they really are broken', () => {
  test('an endpoint chain jumped to but empty (corpus 09, whose poster cut its rules) is a warning that says what it does to traffic', () => {
    const file = 'corpus/09-k8s-1.6era-docker-externalip-physdev-affinity.txt';
    expect(check(fixture(file), file).findings.map((f) => [f.id, f.severity, `${f.chain}:${f.line}`, f.detail])).toEqual([
      ['empty-endpoint', 'warning', 'KUBE-SEP-UPD7ND2TPNSDBE6L:13', 'holds no rule, yet lines 52–53 jump to it: its endpoint gets no connection, and what is sent there goes on untranslated'],
    ]);
  });

  test('a block pasted twice (corpus 13, SOURCES.md) is a repeat, a warning: the second copy never matches, and no share is lost to it', () => {
    const file = 'corpus/13-aks-1.30-azure-cni-overlay-etp-local-fragments.txt';
    expect(check(fixture(file), file).findings.map((f) => [f.id, f.severity, `${f.chain}:${f.line}`, f.detail])).toEqual([
      ['repeated-rule', 'warning', 'KUBE-SVC-EEQNXCJLUUVUU2YK:19', 'lines 19–21 repeat lines 9–11'],
      ['repeated-rule', 'warning', 'KUBE-SEP-GG5PHKGFOOREI2Y5:23', 'lines 23–24 repeat lines 13–14'],
      ['repeated-rule', 'warning', 'KUBE-SEP-7PTWPOJIQ22BXKMQ:26', 'lines 26–27 repeat lines 16–17'],
    ]);
  });

  test('a rule that never matches and repeats no rule above it is still bad-probabilities', () => {
    const file = 'corpus/13-aks-1.30-azure-cni-overlay-etp-local-fragments.txt';
    // Line 21, in the second copy, now names a third endpoint: it never matches, and repeats nothing above it.
    const lines = fixture(file).split('\n');
    lines[20] = '-A KUBE-SVC-EEQNXCJLUUVUU2YK -m comment --comment "app-routing-system/nginx:http -> 10.244.3.9:8080" -j KUBE-SEP-GG5PHKGFOOREI2Y5';
    const found = check(lines.join('\n'), file).findings;
    expect(found.filter((f) => f.severity === 'error').map((f) => `${f.id} ${f.chain}:${f.line}`)).toEqual(['bad-probabilities KUBE-SVC-EEQNXCJLUUVUU2YK:21']);
    expect(found.find((f) => f.chain === 'KUBE-SVC-EEQNXCJLUUVUU2YK' && f.id === 'repeated-rule')?.detail).toBe('lines 19–20 repeat lines 9–10');
  });

  test.each(dumps)('%s', (file) => {
    const result = check(fixture(file), file);
    expect(result.findings.filter((f) => f.severity === 'error').map((f) => f.id)).toEqual(REALLY_BROKEN[file] ?? []);
  });

  test.each(readdirSync(SNAPSHOTS).filter((f) => !f.endsWith('.md')))('bundled snapshot %s', (file) => {
    expect(errors(check(bundled(file), file))).toEqual([]);
  });
});

const NODE_IPS = ['192.168.0.10'];

describe('what kube-proxy programs gives no error, in every mode', () => {
  propTest.prop([cluster], { numRuns: 60 })('iptables mode (its restore payload) and IPVS mode', (c) => {
    expect(errors(check(writeRestorePayload(c), 'iptables'))).toEqual([]);
    expect(errors(check(ipvsadmList(ipvsVirtualServices(c, NODE_IPS)), 'ipvs'))).toEqual([]);
  });
});

const unavailable = netnsUnavailableReason() ?? (run(['sh', '-c', 'command -v nft']).status === 0 ? null : 'needs nft on PATH (Debian: apt-get install nftables)');
if (unavailable) console.warn(`skipping natdiff check against the real iptables and nft: ${unavailable}`);

(unavailable ? describe.skip : describe)('with the real iptables-restore and nft', () => {
  let ns = '';
  beforeEach(() => {
    ns = createNetns('natdiff-check');
  });
  afterEach(() => deleteNetns(ns));

  test.each(BROKEN.filter(([f]) => !f.startsWith('nft-') && !f.startsWith('ipvs-') && f !== 'dual-backend.txt').map(([f]) => f))('the kernel holds %s (refuses it, for the dangling jump)', (file) => {
    const loaded = inNetns(ns, ['iptables-restore'], fixture('hand-made', 'check', file));
    if (file === 'dangling-jump.txt') {
      expect(loaded.status).not.toBe(0);
      expect(loaded.stderr).toMatch(/KUBE-SEP-3DU66DE6VORVEQVD|Couldn't load target/);
    } else {
      expect(loaded.stderr).toBe('');
      expect(loaded.status).toBe(0);
    }
  });

  test('nft refuses the dangling goto, and holds the misnamed chain', () => {
    expect(inNetns(ns, ['nft', '-f', '-'], fixture('hand-made', 'check', 'nft-dangling-jump.txt')).status).not.toBe(0);
    const misnamed = inNetns(ns, ['nft', '-f', '-'], fixture('hand-made', 'check', 'nft-hash-mismatch.txt'));
    expect(misnamed.stderr).toBe('');
    expect(misnamed.status).toBe(0);
  });

  propTest.prop([cluster, fc.boolean()], { numRuns: 20 })('iptables-save of iptables mode, and nft list of nftables mode', (c, json) => {
    // As kube-proxy programs a node: its payload, and the jumps from the built-in chains it adds besides.
    expect(inNetns(ns, ['iptables-restore'], mergeRestoreInputs(builtinJumpRules(), writeRestorePayload(c))).status).toBe(0);
    const saved = inNetns(ns, ['iptables-save']);
    expect(errors(check(saved.stdout, 'iptables-save'))).toEqual([]);
    expect(inNetns(ns, ['nft', 'flush', 'ruleset']).status).toBe(0);
    const load = inNetns(ns, ['nft', '-f', '-'], writeNftTransaction(c, { nodeIPs: NODE_IPS, serviceCIDRs: ['10.96.0.0/16'] }).text);
    expect(load.stderr).toBe('');
    const list = inNetns(ns, ['nft', ...(json ? ['-j'] : []), 'list', 'table', 'ip', 'kube-proxy']);
    expect(errors(check(list.stdout, 'nft'))).toEqual([]);
  });
});
