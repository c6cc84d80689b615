/** Reports that tell the truth at a glance: each line says what happened, and only that. */
import type { DiffReport } from '../../lib/diff/types';
import { renderMarkdown } from '../../lib/report/markdown';
import { renderText } from '../../lib/report/text';
import { noiseNotes, summaryLine } from '../../lib/report/view';
import { writeRestorePayload, type ServiceSpec } from '../support/kube-proxy-writer';
import { bundled, diffTexts, fixture } from '../support/snapshots';

const corpus = (name: string) => fixture('corpus', name);
const CORPUS_09 = corpus('09-k8s-1.6era-docker-externalip-physdev-affinity.txt');
const CORPUS_12 = corpus('12-k3s-iptables-save-c-counters-noendpoints-reject.txt');

describe('"Ignored as noise: packet counters"', () => {
  test('is not said when both inputs carry the same counters (corpus 09 and 12 against themselves)', () => {
    for (const text of [CORPUS_09, CORPUS_12]) {
      const report = diffTexts(text, text);
      expect(report.noise).toMatchObject({ counters: true, countersDiffer: false });
      expect(noiseNotes(report)).not.toContain('packet counters');
    }
  });

  test('is said when the counters differ: a rule counter, a policy counter', () => {
    const ruleCounter = CORPUS_12.replace(/^\[(\d+):/m, (_, n: string) => `[${Number(n) + 1}:`);
    const policyCounter = CORPUS_09.replace(/^(:PREROUTING ACCEPT \[)(\d+)/m, (_, head: string, n: string) => `${head}${Number(n) + 1}`);
    expect(ruleCounter).not.toBe(CORPUS_12);
    expect(policyCounter).not.toBe(CORPUS_09);
    for (const [before, after] of [[CORPUS_12, ruleCounter], [CORPUS_09, policyCounter]] as const) {
      const report = diffTexts(before, after);
      expect(report.summary.changed).toBe(false);
      expect(noiseNotes(report)).toContain('packet counters');
    }
  });
});

const dnsPorts = (ips: string[], ports = ['dns', 'dns-tcp', 'metrics']): ServiceSpec => ({
  namespace: 'kube-system', name: 'kube-dns', clusterIP: '10.96.0.10',
  ports: ports.map((name, i) => ({ name, port: name === 'metrics' ? 9153 : 53, protocol: i === 0 ? 'udp' : 'tcp', endpoints: ips.map((ip) => ({ ip, port: name === 'metrics' ? 9153 : 53 })) })),
});
const web = (ips: string[]): ServiceSpec => ({ namespace: 'default', name: 'web', clusterIP: '10.96.1.1', ports: [{ name: 'http', port: 80, protocol: 'tcp', endpoints: ips.map((ip) => ({ ip, port: 8080 })) }] });
const payload = (...services: ServiceSpec[]): string => writeRestorePayload({ podCIDR: '10.244.0.0/16', services });
const lastLine = (text: string): string => text.trimEnd().split('\n').pop() as string;
const text = (report: DiffReport, all = false): string => renderText(report, { color: false, all });
const markdown = (report: DiffReport): string => renderMarkdown(report, { all: false, toolVersion: '0.0.0' });

describe('services and ports are told apart', () => {
  const report = diffTexts(bundled('coredns-scale-2to4-before.txt'), bundled('coredns-scale-2to4-after.txt'));

  test('the coredns scale is 1 service, 3 ports changed; the JSON summary counts both', () => {
    expect(summaryLine(report)).toBe('1 service, 3 ports changed · 6 endpoints added · 18 rules added, 6 changed');
    expect(report.summary).toMatchObject({ servicesChanged: 3, servicesUnchanged: 1, byService: { added: 0, removed: 0, changed: 1, unchanged: 1 } });
  });

  test('a service heading with its ports below, in text and Markdown', () => {
    expect(text(report)).toMatch(/^~ kube-system\/kube-dns {2}3 ports changed\n {2}~ dns {2}udp 10\.96\.0\.10:53 .*\n(?: {4}.*\n)+ {2}~ dns-tcp {2}tcp 10\.96\.0\.10:53 .*\n(?: {4}.*\n)+ {2}~ metrics {2}tcp 10\.96\.0\.10:9153 /m);
    const md = markdown(report);
    expect(md.match(/^#{3,4} .*$/gm)).toEqual([
      '### kube-system/kube-dns — 3 ports changed',
      '#### dns (udp 10.96.0.10:53) — changed',
      '#### dns-tcp (tcp 10.96.0.10:53) — changed',
      '#### metrics (tcp 10.96.0.10:9153) — changed',
    ]);
  });

  test('a heading says what happened to every port, listed or not; a service of one port has none', () => {
    const r = diffTexts(payload(dnsPorts(['10.244.0.5'], ['dns', 'dns-tcp']), web(['10.244.3.3'])), payload(dnsPorts(['10.244.0.5'], ['dns', 'dns-tcp', 'metrics']), web(['10.244.3.3', '10.244.3.4'])));
    expect(summaryLine(r)).toMatch(/^2 services changed · 1 port added · 2 endpoints added · /);
    expect(text(r)).toContain('\n~ kube-system/kube-dns  1 port added, 2 unchanged\n  + metrics  tcp 10.96.0.10:9153  added, 1 endpoint\n');
    expect(text(r)).toContain('\n~ default/web:http  tcp 10.96.1.1:80  endpoints 1 → 2');
    expect(text(r, true)).toContain('\n~ kube-system/kube-dns  1 port added, 2 unchanged\n    dns  udp 10.96.0.10:53  endpoints 1\n');
  });

  test('a removed service leads the summary, with no "0 services changed"', () => {
    const r = diffTexts(payload(dnsPorts(['10.244.0.5']), web(['10.244.3.3'])), payload(web(['10.244.3.3'])));
    expect(summaryLine(r)).toBe('1 service, 3 ports removed · 3 endpoints removed · 15 rules removed');
    expect(lastLine(text(r))).toBe(summaryLine(r));
    expect(markdown(r)).toContain(`**${summaryLine(r)}**`);
  });

  test('ports whose rules carry no name are each a service', () => {
    const unnamed = (s: string) => s.replace(/ -m comment --comment (?:"[^"]*"|\S+)/g, '');
    const r = diffTexts(unnamed(payload(dnsPorts(['10.244.0.5']))), unnamed(payload(dnsPorts(['10.244.0.5', '10.244.0.6']))));
    expect(r.services.map((d) => d.name)).toEqual([null, null, null]);
    expect(r.summary.byService).toEqual({ added: 0, removed: 0, changed: 3, unchanged: 0, notCompared: 0 });
    expect(summaryLine(r)).toMatch(/^3 services changed · /);
  });
});

describe('endpoint counts say what came and went', () => {
  const swapped = diffTexts(payload(web(['10.244.3.1', '10.244.3.2', '10.244.3.3', '10.244.3.4'])), payload(web(['10.244.3.1', '10.244.3.2', '10.244.3.5', '10.244.3.6'])));

  test('two endpoints swapped for two others: 4 → 4 (+2 −2) in the Markdown row and the text head line', () => {
    expect(markdown(swapped)).toContain('| default/web:http | changed | tcp 10.96.1.1:80 | 4 → 4 (+2 −2) | 0.25/0.333/0.5 (unchanged) | 25% → 25% |');
    expect(text(swapped)).toContain('\n~ default/web:http  tcp 10.96.1.1:80  endpoints 4 → 4 (+2 −2)\n');
  });

  test('a scale up says how many came; a change that moved no endpoint keeps the plain count', () => {
    const scaled = diffTexts(payload(web(['10.244.3.1'])), payload(web(['10.244.3.1', '10.244.3.2'])));
    expect(text(scaled)).toContain('endpoints 1 → 2 (+1)\n');
    expect(markdown(scaled)).toContain('| 1 → 2 (+1) |');
    const affinity = diffTexts(corpus('10-affinity-clientip-nodeport-3ep-before.txt'), corpus('11-affinity-none-nodeport-3ep-after.txt'));
    expect(text(affinity)).toContain('nodePort 13332  endpoints 3\n');
    expect(markdown(affinity)).toContain('| 3 → 3 |');
  });
});

describe('a folded endpoint list says which endpoints it folds', () => {
  const ips = (from: number, n: number) => Array.from({ length: n }, (_, i) => `10.244.${Math.floor((from + i) / 200)}.${((from + i) % 200) + 1}`);

  test('nothing listed above: "40 endpoints  2.5% each, unchanged", not "40 other endpoints 2.5% → 2.5%" (corpus 29 against itself)', () => {
    const text29 = corpus('29-kops-prod-40ep-nodeport-5digit-probability-ladder.txt');
    const out = text(diffTexts(text29, text29), true);
    expect(out).toContain('nodePort 30720  endpoints 40\n      40 endpoints  2.5% each, unchanged\n');
    expect(out).not.toContain('other endpoint');
  });

  test('a scale 20 → 40: the added ones listed, the rest added with no before share, the kept ones with theirs', () => {
    const out = text(diffTexts(payload(web(ips(0, 20))), payload(web(ips(0, 40)))));
    expect(out.match(/^ {4}\+ 10\.244\.\S+ +— → 2\.5%$/gm)).toHaveLength(12);
    expect(out).toContain('\n      … 8 more added  — → 2.5% each\n      20 other endpoints  5% → 2.5% each\n');
  });

  test('a scale 40 → 20: the removed ones with their before share only', () => {
    const out = text(diffTexts(payload(web(ips(0, 40))), payload(web(ips(0, 20)))));
    expect(out).toContain('\n      … 8 more removed  2.5% → — each\n      20 other endpoints  2.5% → 5% each\n');
  });
});

describe('where a service is reached, when the dump shows no cluster IP', () => {
  const svc = '-A KUBE-SVC-AAAAAAAAAAAAAAAA -m comment --comment "ns/a:http -> 10.244.0.5:80" -j KUBE-SEP-BBBBBBBBBBBBBBBB\n-A KUBE-SEP-BBBBBBBBBBBBBBBB -p tcp -m comment --comment "ns/a:http" -m tcp -j DNAT --to-destination 10.244.0.5:80\n';
  const nodePort = '-A KUBE-NODEPORTS -p tcp -m comment --comment "ns/a:http" -m tcp --dport 30005 -j KUBE-SVC-AAAAAAAAAAAAAAAA\n';

  test('corpus 13: its load-balancer address, not "tcp  endpoints 2"', () => {
    const text13 = corpus('13-aks-1.30-azure-cni-overlay-etp-local-fragments.txt');
    const out = text(diffTexts(text13, text13), true);
    expect(out).toContain('\n    http  tcp load-balancer 4.225.209.242  endpoints 2\n');
    expect(out).not.toMatch(/tcp {2}endpoints/);
  });

  test('a node port alone, or nothing: said', () => {
    expect(text(diffTexts(nodePort + svc, nodePort + svc), true)).toContain('\n  ns/a:http  tcp nodePort 30005  endpoints 1\n');
    expect(text(diffTexts(svc, svc), true)).toContain('\n  ns/a:http  tcp (address not in this dump)  endpoints 1\n');
  });
});

describe('colour', () => {
  test('a chain change is coloured whole: its head yellow, removed rules red, added rules green', () => {
    const out = renderText(diffTexts('-N X\n-A X -j ACCEPT\n', '-N X\n-A X -j DROP\n'), { color: true, all: false });
    expect(out).toContain('\n\u001b[33m  ~ X\u001b[39m\n\u001b[31m    - -A X -j ACCEPT\u001b[39m\n\u001b[32m    + -A X -j DROP\u001b[39m\n');
  });
});

describe('the Markdown header names each side\'s input and proxy mode, as the text header does', () => {
  test('the bundled coredns pair: both sides kube-proxy iptables mode', () => {
    const report = diffTexts(bundled('coredns-scale-2to4-before.txt'), bundled('coredns-scale-2to4-after.txt'));
    const [heading] = renderMarkdown(report, { all: false, toolVersion: 'v' }).split('\n');
    expect(heading).toBe('## natdiff: `before` (iptables -S, taken as table nat, kube-proxy iptables mode) → `after` (iptables -S, taken as table nat, kube-proxy iptables mode)');
  });

  test('a side with no kube-proxy rules says so', () => {
    const report = diffTexts('*nat\nCOMMIT\n', bundled('coredns-scale-2to4-before.txt'));
    const [heading] = renderMarkdown(report, { all: false, toolVersion: 'v' }).split('\n');
    expect(heading).toBe('## natdiff: `before` (iptables-restore, no kube-proxy rules) → `after` (iptables -S, taken as table nat, kube-proxy iptables mode)');
  });
});
