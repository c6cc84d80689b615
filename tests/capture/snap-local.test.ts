/**
 * `natdiff snap` on this machine's own tools: real iptables in a private network namespace
 * (created and deleted here), snapshot files that stay valid iptables-restore input, atomic and
 * non-clobbering writes, both iptables back ends, `--exec`, and `natdiff snapshots`.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSnapshot } from '../../lib/snapshot/load-snapshot';
import { diffSnapshots } from '../../lib/diff/diff-snapshots';
import { composeSnapshot, countRules, newMetadata } from '../../lib/snapshot/write-snapshot';
import { expectOneLineError, natdiff } from '../support/cli';
import { createNetns, deleteNetns, inNetns, netnsUnavailableReason, restore, save } from '../support/netns';
import { fixture } from '../support/snapshots';

const unavailable = netnsUnavailableReason();
if (unavailable) console.warn(`skipping snapshot capture tests: ${unavailable}`);
const describeRoot = unavailable ? describe.skip : describe;

describeRoot('natdiff snap --netns (real iptables-save in a private network namespace)', () => {
  let ns: string;
  let dir: string;
  const payload = fixture('captured', 'kube-proxy-payload.txt');

  beforeAll(() => {
    ns = createNetns();
    restore(ns, payload);
    dir = mkdtempSync(join(tmpdir(), 'natdiff-snap-'));
  });
  afterAll(() => {
    if (ns) deleteNetns(ns);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('captures the rules, with metadata in leading # lines, into DIR/<context>/<where>/<time>-<label>.txt', () => {
    const r = natdiff(['snap', '--netns', ns, '--label', 'before', '--dir', dir, '--all-tables']);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe(`natdiff: kube-proxy mode iptables: the nat table of network namespace ${ns} holds kube-proxy's KUBE-SERVICES rules; no kube-proxy nftables table\n`);
    const path = r.stdout.trim();
    expect(path).toMatch(new RegExp(`^${dir}/local/${ns}/\\d{8}T\\d{6}Z-before\\.txt$`));
    const text = readFileSync(path, 'utf8');
    expect(text.split('\n')[0]).toBe('# natdiff snapshot');
    const snap = parseSnapshot(text, path);
    expect(snap.metadata).toMatchObject({
      formatVersion: 1, label: 'before', node: null, kubeContext: null, kubeProxyMode: 'iptables',
      kubeProxyModeDecision: { by: 'rules', reason: expect.stringMatching(/holds kube-proxy's KUBE-SERVICES rules; no kube-proxy nftables table$/) },
      source: { kind: 'netns', target: ns, command: ['ip', 'netns', 'exec', ns, 'iptables-nft-save'] },
      iptables: { version: expect.stringMatching(/^1\.8\./), backend: 'nf_tables' },
      rules: text.split('\n').filter((l) => l.startsWith('-A ')).length,
    });
    expect(Date.parse(snap.metadata?.capturedAt ?? '')).toBeGreaterThan(Date.now() - 60_000);
    expect(diffSnapshots(parseSnapshot(payload, 'payload'), snap).summary.changed).toBe(false);
  });

  test('a snapshot file is a valid iptables-restore input: restored elsewhere and captured again, nothing changed', () => {
    const first = natdiff(['snap', '--netns', ns, '--dir', dir]).stdout.trim();
    const other = createNetns();
    try {
      restore(other, readFileSync(first, 'utf8'));
      const again = save(other, ['-t', 'nat']);
      expect(diffSnapshots(parseSnapshot(readFileSync(first, 'utf8'), 'first'), parseSnapshot(again, 'again')).summary.changed).toBe(false);
    } finally {
      deleteNetns(other);
    }
  });

  test('--out never replaces a file without --force, and leaves no temp files', () => {
    const out = join(dir, 'mine.txt');
    writeFileSync(out, 'precious');
    expectOneLineError(natdiff(['snap', '--netns', ns, '--out', out]), /mine\.txt: already exists; pass --force to replace it$/);
    expect(readFileSync(out, 'utf8')).toBe('precious');
    expect(natdiff(['snap', '--netns', ns, '--out', out, '--force']).status).toBe(0);
    expect(readFileSync(out, 'utf8')).toMatch(/^# natdiff snapshot\n/);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  test('both iptables back ends hold kube-proxy rules: both captured, and the warning says so', () => {
    const both = createNetns();
    try {
      restore(both, payload);
      const legacy = inNetns(both, ['iptables-legacy-restore'], '*nat\n:KUBE-SERVICES - [0:0]\n:KUBE-MARK-MASQ - [0:0]\n-A KUBE-SERVICES -j RETURN\nCOMMIT\n');
      expect(legacy.status).toBe(0);
      const r = natdiff(['snap', '--netns', both, '--label', 'node', '--dir', dir]);
      expect(r.status).toBe(0);
      const paths = r.stdout.trim().split('\n');
      expect(paths.map((p) => p.replace(/.*-/, ''))).toEqual(['nft.txt', 'legacy.txt']);
      expect(r.stderr).toMatch(/warning: both iptables back ends hold kube-proxy rules on network namespace .*; captured both/);
      expect(parseSnapshot(readFileSync(paths[1] as string, 'utf8'), 'l').metadata?.iptables.backend).toBe('legacy');
    } finally {
      deleteNetns(both);
    }
  });

  test('--exec -- CMD ARGS: any command whose stdout is a dump', () => {
    const r = natdiff(['snap', '--exec', '--label', 'x', '--dir', dir, '--', 'ip', 'netns', 'exec', ns, 'iptables-save', '-t', 'nat']);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toMatch(/\/local\/exec\/\d{8}T\d{6}Z-x\.txt$/);
  });

  test.each([
    ['a namespace that does not exist', ['--netns', 'natdiff-no-such-ns'], /ip netns exec natdiff-no-such-ns iptables-save -t nat failed on network namespace natdiff-no-such-ns: Cannot open network namespace/],
    ['a command that is not installed', ['--exec', '--', 'natdiff-no-such-command'], /natdiff-no-such-command is not installed \(or not on PATH\)$/],
    ['a command that prints no dump', ['--exec', '--', 'echo', 'hello'], /echo hello did not give an iptables dump \(line 1\): not an iptables rule line; no iptables rules found$/],
    ['a command that fails', ['--exec', '--', 'sh', '-c', 'echo nope >&2; exit 3'], /failed \(exit 3\): nope$/],
    ['a command that hangs', ['--exec', '--command-timeout', '1s', '--', 'sleep', '30'], /sleep 30 timed out after 1 s$/],
    ['--exec without a command', ['--exec'], /--exec needs a command after --/],
  ])('%s: one line, exit 2', (_, args, message) => {
    expectOneLineError(natdiff(['snap', '--dir', dir, ...args]), message);
  });

  test('a namespace whose nat table holds no rules: auto writes the snapshot with a warning saying why that may be; --mode iptables is one line, exit 2', () => {
    const empty = createNetns();
    try {
      const r = natdiff(['snap', '--netns', empty, '--dir', dir]);
      expect(r.status).toBe(0);
      expect(existsSync(r.stdout.trim())).toBe(true);
      expect(r.stderr).toBe([
        `natdiff: kube-proxy mode iptables: no kube-proxy rules on network namespace ${empty} (no kube-proxy nftables table, no KUBE-SERVICES in the nat table): read as iptables, kube-proxy's default`,
        `natdiff: warning: the nat table of network namespace ${empty} holds no rules: kube-proxy may not run there; the snapshot records what was there`,
        '',
      ].join('\n'));
      // Told to read iptables, natdiff needs kube-proxy's iptables rules there.
      expectOneLineError(
        natdiff(['snap', '--netns', empty, '--dir', dir, '--mode', 'iptables']),
        new RegExp(`^natdiff: network namespace ${empty} has no kube-proxy iptables-mode rules \\(KUBE-SERVICES and its KUBE-SVC- chains\\) in its nat table and nothing else of kube-proxy's: kube-proxy may not run there$`),
      );
    } finally {
      deleteNetns(empty);
    }
  });

  test('a namespace with nat rules but none of kube-proxy\'s: written, and the warning says there is no KUBE- chain', () => {
    const docker = createNetns();
    try {
      restore(docker, '*nat\n:PREROUTING ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n:DOCKER - [0:0]\n-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER\n-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE\nCOMMIT\n');
      const r = natdiff(['snap', '--netns', docker, '--dir', dir]);
      expect(r.status).toBe(0);
      expect(readFileSync(r.stdout.trim(), 'utf8')).toContain('-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE\n');
      expect(r.stderr).toMatch(new RegExp(`\nnatdiff: warning: the nat table of network namespace ${docker} holds 2 rules, none of them kube-proxy's \\(no KUBE- chain\\): kube-proxy may not run there; the snapshot records what was there\n$`));
    } finally {
      deleteNetns(docker);
    }
  });

  test('natdiff snapshots: newest first; the capture time from the metadata, "unknown" for a plain dump; the namespace or ssh host where there is no node', () => {
    const list = mkdtempSync(join(dir, 'list-'));
    const path = natdiff(['snap', '--netns', ns, '--label', 'before', '--dir', list]).stdout.trim();
    const remote = join(list, 'remote.txt');
    writeFileSync(remote, composeSnapshot({
      text: payload,
      metadata: newMetadata({
        capturedAt: '2026-01-02T03:04:05.678Z', label: 'remote', source: { kind: 'ssh', target: 'admin@worker-1', via: null, command: ['ssh', 'admin@worker-1', 'sudo', '-n', 'iptables-save', '-t', 'nat'] },
        node: null, kubeContext: null, kubeProxyMode: 'iptables', iptables: { version: '1.8.9', backend: 'nf_tables' }, natdiffVersion: '0.1.0', rules: countRules(payload),
      }),
    }));
    mkdirSync(join(list, 'old'));
    const plain = join(list, 'old', 'iptables.txt');
    writeFileSync(plain, payload);
    // A plain dump's file time says when it was copied, not when it was captured.
    utimesSync(plain, new Date('2026-06-01T00:00:00Z'), new Date('2026-06-01T00:00:00Z'));
    const r = natdiff(['snapshots', '--dir', list]);
    expect(r.status).toBe(0);
    const [header, ...rows] = r.stdout.trimEnd().split('\n').map((l) => l.split(/ {2,}/));
    expect(header).toEqual(['CAPTURED (UTC)', 'LABEL', 'NODE', 'CONTEXT', 'RULES', 'PATH']);
    const rules = String(countRules(payload));
    const captured = countRules(readFileSync(path, 'utf8'));
    expect(rows).toEqual([
      [expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/), 'before', `netns:${ns}`, '-', String(captured), path],
      ['2026-01-02 03:04:05Z', 'remote', 'ssh:admin@worker-1', '-', rules, remote],
      ['unknown', '(plain dump)', '-', '-', rules, plain],
    ]);
    expect(Date.parse((rows[0] as string[])[0]?.replace(' ', 'T') ?? '')).toBeGreaterThan(Date.now() - 600_000);
    const json = JSON.parse(natdiff(['snapshots', '--dir', list, '-o', 'json']).stdout);
    expect(json).toEqual([
      { path, capturedAt: expect.stringMatching(/Z$/), label: 'before', node: null, source: { kind: 'netns', target: ns }, context: null, rules: captured, hasMetadata: true },
      { path: remote, capturedAt: '2026-01-02T03:04:05.678Z', label: 'remote', node: null, source: { kind: 'ssh', target: 'admin@worker-1' }, context: null, rules: countRules(payload), hasMetadata: true },
      { path: plain, capturedAt: null, label: null, node: null, source: null, context: null, rules: countRules(payload), hasMetadata: false },
    ]);
  });
});
