/**
 * An artefact of the input — a partial paste, a cut file, an empty table, another proxy mode —
 * never reads as an outage: what a side cannot show is said, and is neither removed nor added.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { natdiff } from '../support/cli';

const CORPUS = 'tests/fixtures/corpus';
const BEFORE = 'snapshots/coredns-scale-2to4-before.txt';
const AFTER = 'snapshots/coredns-scale-2to4-after.txt';
const tmp = mkdtempSync(join(tmpdir(), 'natdiff-artefacts-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const file = (name: string, content: string) => {
  const p = join(tmp, name);
  writeFileSync(p, content);
  return p;
};
const json = (args: string[]) => {
  const r = natdiff([...args, '-o', 'json']);
  return { ...r, doc: JSON.parse(r.stdout) };
};

describe('a dump that holds only part of the table (corpus 04: no KUBE-SERVICES, no KUBE-NODEPORTS)', () => {
  const r = json(['diff', `${CORPUS}/03-k3s-metallb-svc-3pods-etp-cluster-before.txt`, `${CORPUS}/04-k3s-metallb-svc-6pods-etp-local-after.txt`]);
  const svc = r.doc.services.find((s: { name: string }) => s.name === 'default/nginx-mlb-l2-service');

  test('says what it lacks, as a warning about that input', () => {
    expect(r.stderr).toContain('04-k3s-metallb-svc-6pods-etp-local-after.txt: has no KUBE-SERVICES chain: a partial dump; entry points, and what it does not hold, are not compared');
    expect(r.doc.after.partial).toBe('has no KUBE-SERVICES chain: a partial dump; entry points, and what it does not hold, are not compared');
  });

  test('entry points it cannot show are not reported as removed; the endpoints it shows are compared', () => {
    expect(svc.changes.map((c: { field: string }) => c.field)).not.toEqual(expect.arrayContaining(['nodePorts']));
    expect(svc.changes.map((c: { field: string }) => c.field)).not.toEqual(expect.arrayContaining(['loadBalancerIPs']));
    expect(svc.endpointsAdded).toEqual(['10.42.0.26:8080', '10.42.2.21:8080', '10.42.2.22:8080']);
    expect(svc.endpointsRemoved).toEqual([]);
  });

  test('chains the partial dump does not hold are not compared, not removed', () => {
    expect(r.doc.chains.filter((c: { status: string }) => c.status === 'removed')).toEqual([]);
    expect(r.doc.summary.chainsNotCompared).toBe(3);
  });
});

describe('a dump cut short', () => {
  const cut = file('cut-mid-rule.txt', readFileSync(BEFORE, 'utf8').slice(0, 2000));

  test('cut in the middle of a rule (head -c 2000 of iptables -S): exit 2, one line naming the line', () => {
    const r = natdiff(['diff', BEFORE, cut]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`natdiff: ${cut}:41: the input ends in the middle of this line (no newline after it): the dump looks cut, and the line is left out; pass --allow-truncated to diff what is there\n`);
  });

  test('cut between two lines (head -n 60 of iptables -S): exit 2, naming the last line', () => {
    const lines = file('cut-between-lines.txt', `${readFileSync(BEFORE, 'utf8').split('\n').slice(0, 60).join('\n')}\n`);
    const r = natdiff(['diff', BEFORE, lines]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^natdiff: \S+cut-between-lines\.txt:60: the listing ends inside chain KUBE-SERVICES, and KUBE-SVC-\w+, declared after it, holds no rules although rules jump to it: the dump looks cut after this line; pass --allow-truncated to diff what is there\n$/);
  });

  test('--allow-truncated: what the cut hid is not compared, so nothing reads as removed', () => {
    const r = json(['diff', BEFORE, cut, '--allow-truncated']);
    expect(r.status).toBe(0);
    const statuses = new Set(r.doc.services.map((s: { status: string }) => s.status));
    expect([...statuses]).toEqual(['not-compared']);
    expect(r.doc.summary).toMatchObject({ servicesRemoved: 0, servicesNotCompared: 4, endpointsRemoved: 0, changed: false });
    expect(r.doc.warnings.map((w: { message: string }) => w.message)).toContain('is cut short (read as far as it goes, --allow-truncated): what it does not hold is not compared');
  });
});

describe('an empty table (`*nat` then `COMMIT`, which iptables-restore accepts)', () => {
  const empty = file('empty.txt', '*nat\nCOMMIT\n');

  test('is read as an empty table: diffed against a full dump, every service port is added', () => {
    const r = json(['diff', empty, AFTER]);
    expect(r.status).toBe(1);
    expect(r.doc.before.mode).toBeNull();
    expect(r.doc.after.mode).toBe('iptables');
    expect(r.doc.services.map((s: { status: string }) => s.status)).toEqual(['added', 'added', 'added', 'added']);
  });

  test('the text report names it as holding no kube-proxy rules', () => {
    const r = natdiff(['diff', empty, AFTER]);
    expect(r.stdout.split('\n')[0]).toBe(`natdiff ${empty} (iptables-restore, no kube-proxy rules) → ${AFTER} (iptables -S, taken as table nat, kube-proxy iptables mode)`);
  });
});

describe('another proxy mode (corpus 17 iptables mode → 18 IPVS mode, the same node after the switch)', () => {
  const args = ['diff', `${CORPUS}/17-kubeadm-1.23-calico-iptables-mode-nodeport-fragments-before-ipvs.txt`, `${CORPUS}/18-kubeadm-1.23-calico-ipvs-mode-nat-after-switch.txt`];

  test('the JSON names each side\'s mode, and no service is removed', () => {
    const r = json(args);
    expect(r.doc.before.mode).toBe('iptables');
    expect(r.doc.after.mode).toBe('ipvs');
    expect(r.doc.summary.servicesRemoved).toBe(0);
    expect(r.doc.services.map((s: { name: string; status: string }) => [s.name, s.status])).toEqual([['default/nginx-basic:http', 'not-compared']]);
  });

  test('the text report says the modes differ first, and why the service is not compared', () => {
    const r = natdiff(args);
    const lines = r.stdout.split('\n');
    expect(lines[2]).toBe('different proxy modes: before is kube-proxy iptables mode, after kube-proxy IPVS mode; services are compared by their endpoints and shares where both sides show them; 30 chains of kube-proxy\'s differ as the modes do (not listed)');
    expect(r.stdout).toContain('1 service port only in before, not compared: the other input cannot show it (see the warnings); --all lists it');
    expect(r.stderr).toContain("holds kube-proxy's IPVS-mode rules: its services live in IPVS, which an iptables dump does not show (capture `ipvsadm -Ln` too); its service ports are not compared");
  });

  test('the Markdown report says so first too', () => {
    const r = natdiff([...args, '-o', 'markdown']);
    expect(r.stdout.split('\n')[2]).toBe('> ⚠ different proxy modes: before is kube-proxy iptables mode, after kube-proxy IPVS mode; services are compared by their endpoints and shares where both sides show them; 30 chains of kube-proxy\'s differ as the modes do (not listed)');
  });
});
