/** `natdiff check` as a user runs it: the report, the JSON contract, exit codes. */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
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

  test('an error-level finding: exit 1, grouped by severity and id, each finding at CHAIN:LINE, why it matters said below', () => {
    const r = natdiff(['check', `${BROKEN}/no-endpoints-no-reject.txt`]);
    expect(r.status).toBe(0);
    const broken = natdiff(['check', `${BROKEN}/dangling-jump.txt`]);
    expect(broken.status).toBe(1);
    expect(broken.stdout.split('\n').slice(1)).toEqual([
      '',
      'errors',
      '  dangling-jump  KUBE-SVC-TCOU7JCQXEZGVUNU:51  jumps (-j) to KUBE-SEP-3DU66DE6VORVEQVD, which table nat does not hold',
      '      iptables-restore refuses such rules, so no kernel holds them: the dump was edited or spliced (take a new one: natdiff snap)',
      '',
      'Partial input: rules jump to a chain it does not hold (KUBE-SEP-3DU66DE6VORVEQVD): a fragment or a partial restore payload; what it does not hold is not compared',
      '',
    ]);
    expect(r.stdout).toMatch(/\nwarnings\n {2}orphan-chain {2}KUBE-SEP-J3PAEDFFPOVQTZUH:13 {2}not jumped to by any rule\n {6}kube-proxy deletes .*\n {2}no-endpoints-no-reject {2}KUBE-SVC-NPX46M4PTMTKRN6Y:19 {2}default\/kubernetes:https: has no endpoints/);
  });

  test('twenty chains nothing jumps to (a mode switch left them, corpus 18) are one line, their explanation said once', () => {
    const r = natdiff(['check', 'tests/fixtures/corpus/18-kubeadm-1.23-calico-ipvs-mode-nat-after-switch.txt']);
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n').slice(1)).toEqual([
      '',
      'warnings',
      '  orphan-chain  KUBE-SEP-2QTYKTXAEZZXTHRU:17, KUBE-SEP-2W6OV52L6MRXKJPO:18, KUBE-SEP-3BKZQAKRFZP5XGF6:19 and 17 more  not jumped to by any rule',
      "      kube-proxy deletes a chain it no longer uses at a later sync, so one that stays is left over (a restart, a mode switch, or another writer); if it stays across snapshots, check kube-proxy's log",
      '',
      '1 warning about the input (printed on stderr): what it does not show is not checked',
      '',
    ]);
    const doc = JSON.parse(natdiff(['check', 'tests/fixtures/corpus/18-kubeadm-1.23-calico-ipvs-mode-nat-after-switch.txt', '-o', 'json']).stdout);
    expect(doc.findings).toHaveLength(20);
    expect(doc.findings[0]).toEqual({
      id: 'orphan-chain', severity: 'warning', chain: 'KUBE-SEP-2QTYKTXAEZZXTHRU', line: 17,
      message: "KUBE-SEP-2QTYKTXAEZZXTHRU is not jumped to by any rule: kube-proxy deletes a chain it no longer uses at a later sync, so one that stays is left over (a restart, a mode switch, or another writer); if it stays across snapshots, check kube-proxy's log",
    });
  });

  test('findings of one id that say different things are a line each, at most five, the rest counted', () => {
    const r = natdiff(['check', 'tests/fixtures/hand-made/check/bad-probabilities.txt']);
    expect(r.stdout).toContain('  bad-probabilities  KUBE-SVC-TCOU7JCQXEZGVUNU:20  25.0% of new connections match no endpoint rule (the chain has no final unconditional jump)\n      kube-proxy writes each port');
    // unequal-shares has the same explanation: it points to it.
    expect(r.stdout).toMatch(/\n {2}unequal-shares {2}KUBE-SVC-TCOU7JCQXEZGVUNU:20 {2}.*\n {6}\(as for bad-probabilities, above\)\n$/);
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
        message: "kube-system/kube-dns:dns-tcp: its 2 endpoints get unequal shares (10.32.0.2:53 75.0%, 10.32.0.3:53 25.0%), not 50.0% each: kube-proxy writes each port's rules so that its endpoints share new connections equally and all of them are taken: these were changed by hand or by another tool; compare with another node's rules (natdiff diff), and restart kube-proxy here to rewrite them",
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
    expect(r.stderr).toMatch(/^natdiff: warning: tests\/fixtures\/hand-made\/check\/dual-backend\.txt:109: a second dump follows, of the legacy back end/);
    expect(r.stdout).toMatch(/\n {2}dual-backend {2}line 109 {2}both iptables back ends hold kube-proxy's rules/);
    expect(r.stdout).toMatch(/\n\n1 warning about the input \(printed on stderr\): what it does not show is not checked\n$/);
    expect(r.status).toBe(0);
    expectOneLineError(natdiff(['check', `${BROKEN}/dual-backend.txt`, '--strict']), /a second dump follows.*--strict is set/);
    expect(natdiff(['check', `${BROKEN}/hash-mismatch.txt`, '-q'])).toMatchObject({ status: 1, stdout: '', stderr: '' });
  });

  test('past twenty input warnings, a count that points nowhere: the check document lists findings only', () => {
    const dump = join(dir, 'many-warnings.txt');
    const rules = Array.from({ length: 25 }, (_, i) => `-A KUBE-SERVICES -d x.x.x.${i + 1}/32 -p tcp --dport ${i + 1} -j RETURN`);
    writeFileSync(dump, ['*nat', ':KUBE-SERVICES - [0:0]', ...rules, 'COMMIT', ''].join('\n'));
    const r = natdiff(['check', dump]);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(21);
    expect(lines[20]).toBe('natdiff: warning: … and 5 more');
    expect(r.stdout).toMatch(/\n25 warnings about the input \(printed on stderr\)/);
    expect(r.status).toBe(0);
  });

  test('"nothing to report" on a fragment says the input is partial: nothing is said of what it does not hold', () => {
    const fragment = natdiff(['check', 'tests/fixtures/corpus/03-k3s-metallb-svc-3pods-etp-cluster-before.txt']);
    expect(fragment.stdout).toMatch(/\n\nnothing to report\n\nPartial input: holds part of KUBE-SERVICES \(it does not end with the jump to KUBE-NODEPORTS, as kube-proxy ends it\): services it does not show are not compared\n$/);
    expect(natdiff(['check', 'tests/fixtures/corpus/13-aks-1.30-azure-cni-overlay-etp-local-fragments.txt']).stdout).toMatch(/\nPartial input: holds rule lines without their table \(a pasted fragment\)/);
    expect(natdiff(['check', 'tests/fixtures/corpus/24-kubeadm-2018-weave-docker-iptables-save.txt']).stdout).not.toMatch(/Partial input/);
  });

  const CORPUS = 'tests/fixtures/corpus';
  const corpus = readdirSync(CORPUS).filter((f) => f.endsWith('.txt'));

  test.each(corpus)('corpus %s: exit 0 unless it is bad input (2, one line); its input warnings are on stderr and counted, never findings', (file) => {
    const r = natdiff(['check', `${CORPUS}/${file}`]);
    if (file.startsWith('08-')) {
      // Cut by the poster: refused without --allow-truncated.
      expectOneLineError(r, /is not closed: the listing looks cut; pass --allow-truncated/);
      expect(natdiff(['check', `${CORPUS}/${file}`, '--allow-truncated']).status).toBe(0);
      return;
    }
    expect(r.stdout).toMatch(/: 0 errors, /);
    expect(r.status).toBe(0);
    const warned = r.stderr.split('\n').filter((l) => l.startsWith('natdiff: warning: ')).length;
    expect(r.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('natdiff: warning: '))).toEqual([]);
    if (warned > 0) expect(r.stdout).toMatch(new RegExp(`\\n${warned} warnings? about the input \\(printed on stderr\\)`));
    else expect(r.stdout).not.toMatch(/about the input/);
  });

  test('a listing without -v (corpus 01): exit 0 with its warning, exit 2 with --strict', () => {
    const file = `${CORPUS}/01-eks-echoserver-scale-before.txt`;
    expect(natdiff(['check', file]).status).toBe(0);
    expectOneLineError(natdiff(['check', file, '--strict']), /listed without -v.*--strict is set/);
  });

  test('bad input is one line and exit 2', () => {
    expectOneLineError(natdiff(['check', 'no-such-file.txt']), /no-such-file\.txt: no such file/);
    expectOneLineError(natdiff(['check', 'README.md']), /README\.md/);
    expectOneLineError(natdiff(['check']), /check --help for usage/);
    expectOneLineError(natdiff(['check', `${BROKEN}/orphan-chain.txt`, '-o', 'markdown']), /Invalid values/);
  });
});
