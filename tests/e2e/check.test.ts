/** `natdiff check` as a user runs it: the report, the JSON contract, exit codes. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { expectOneLineError, natdiff } from '../support/cli';
import { scratchDir } from '../support/scratch-dir';

const BROKEN = 'tests/fixtures/hand-made/check';

describe('natdiff check', () => {
  const dir = scratchDir('natdiff-check');

  test('a clean dump: exit 0, and says there is nothing to report', () => {
    const r = natdiff(['check', 'snapshots/coredns-scale-2to4-after.txt']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('natdiff check snapshots/coredns-scale-2to4-after.txt (iptables -S, kube-proxy iptables mode): 0 errors, 0 warnings, 0 information\n\nnothing to report\n');
    expect(r.status).toBe(0);
  });

  test('an error-level finding: exit 1, grouped by severity, one line each with its chain and line', () => {
    const r = natdiff(['check', `${BROKEN}/no-endpoints-no-reject.txt`]);
    expect(r.status).toBe(0);
    const broken = natdiff(['check', `${BROKEN}/dangling-jump.txt`]);
    expect(broken.status).toBe(1);
    expect(broken.stdout.split('\n').slice(1, 4)).toEqual([
      '',
      'errors',
      '  dangling-jump  KUBE-SVC-TCOU7JCQXEZGVUNU:51  KUBE-SVC-TCOU7JCQXEZGVUNU jumps (-j) to KUBE-SEP-3DU66DE6VORVEQVD, which table nat does not hold: iptables-restore refuses such rules, so the kernel cannot hold them (a hand-edited or spliced dump?)',
    ]);
    expect(r.stdout).toMatch(/\nwarnings\n {2}orphan-chain {2}KUBE-SEP-J3PAEDFFPOVQTZUH:13 {2}.*\n {2}no-endpoints-no-reject {2}KUBE-SVC-NPX46M4PTMTKRN6Y:19 /);
  });

  test('-o json is exactly { formatVersion: 1, findings: [{ id, severity, chain, line, message }] }', () => {
    const r = natdiff(['check', `${BROKEN}/unequal-shares.txt`, '-o', 'json']);
    expect(r.status).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(Object.keys(doc)).toEqual(['formatVersion', 'findings']);
    expect(doc.formatVersion).toBe(1);
    expect(doc.findings).toEqual([
      {
        id: 'unequal-shares',
        severity: 'error',
        chain: 'KUBE-SVC-ERIFXISQEP7F7OF4',
        line: 18,
        message: 'kube-system/kube-dns:dns-tcp: its 2 endpoints get unequal shares (10.32.0.2:53 75.0%, 10.32.0.3:53 25.0%); kube-proxy gives each the same (50.0%)',
      },
    ]);
  });

  test('-o yaml is the same document; --out writes it, and keeps an existing file without --force', () => {
    const out = join(dir, 'report.yaml');
    const json = JSON.parse(natdiff(['check', `${BROKEN}/orphan-chain.txt`, '-o', 'json']).stdout);
    const r = natdiff(['check', `${BROKEN}/orphan-chain.txt`, '-o', 'yaml', '--out', out]);
    expect(r).toMatchObject({ status: 0, stdout: '', stderr: '' });
    expect(parse(readFileSync(out, 'utf8'))).toEqual(json);
    writeFileSync(out, 'mine\n');
    expectOneLineError(natdiff(['check', `${BROKEN}/orphan-chain.txt`, '--out', out]), /exists/);
    expect(readFileSync(out, 'utf8')).toBe('mine\n');
  });

  test('input warnings go to stderr; --strict makes them exit 2; -q prints nothing', () => {
    const r = natdiff(['check', `${BROKEN}/dual-backend.txt`]);
    expect(r.stderr).toMatch(/^natdiff: warning: tests\/fixtures\/hand-made\/check\/dual-backend\.txt:105: a second dump follows, of the legacy back end/);
    expect(r.stdout).toMatch(/\n {2}dual-backend {2}line 105 {2}both iptables back ends hold kube-proxy's rules/);
    expect(r.status).toBe(0);
    expectOneLineError(natdiff(['check', `${BROKEN}/dual-backend.txt`, '--strict']), /a second dump follows.*--strict is set/);
    expect(natdiff(['check', `${BROKEN}/hash-mismatch.txt`, '-q'])).toMatchObject({ status: 1, stdout: '', stderr: '' });
  });

  test('bad input is one line and exit 2', () => {
    expectOneLineError(natdiff(['check', 'no-such-file.txt']), /no-such-file\.txt: no such file/);
    expectOneLineError(natdiff(['check', 'README.md']), /README\.md/);
    expectOneLineError(natdiff(['check']), /check --help for usage/);
    expectOneLineError(natdiff(['check', `${BROKEN}/orphan-chain.txt`, '-o', 'markdown']), /Invalid values/);
  });
});
