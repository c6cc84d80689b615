/** Which services the JSON and YAML documents list: those that changed by default, every one with --all. */
import { parse as parseYaml } from 'yaml';
import type { ServiceStatus } from '../../lib/diff/types';
import { reportDocument } from '../../lib/report/json';
import { renderYaml } from '../../lib/report/yaml';
import { diffTexts, fixture } from '../support/snapshots';

/** Real pairs (tests/fixtures/corpus/SOURCES.md) that together hold services of every status. */
const PAIRS = [
  ['01-eks-echoserver-scale-before.txt', '02-eks-echoserver-scale-after.txt'],
  ['17-kubeadm-1.23-calico-iptables-mode-nodeport-fragments-before-ipvs.txt', '18-kubeadm-1.23-calico-ipvs-mode-nat-after-switch.txt'],
  ['22-kubeadm-calico-iptables-nft-nft-list-ruleset-nat-worker01.txt', '23-kubeadm-calico-iptables-nft-nft-list-ruleset-nat-worker01-after-ingress.txt'],
  ['23-kubeadm-calico-iptables-nft-nft-list-ruleset-nat-worker01-after-ingress.txt', '24-kubeadm-2018-weave-docker-iptables-save.txt'],
] as const;

interface Listed {
  servicesListed: string;
  services: { status: ServiceStatus }[];
  summary: unknown;
}

const reports = PAIRS.map(([a, b]) => ({ pair: `${a.slice(0, 2)} → ${b.slice(0, 2)}`, report: diffTexts(fixture('corpus', a), fixture('corpus', b)) }));

test('the pairs hold services of every status', () => {
  const statuses = new Set(reports.flatMap(({ report }) => report.services.map((s) => s.status)));
  expect([...statuses].sort()).toEqual(['added', 'changed', 'not-compared', 'removed', 'unchanged']);
});

describe.each(reports)('corpus $pair', ({ report }) => {
  const changed = reportDocument(report, 'v', { all: false }) as unknown as Listed;
  const every = reportDocument(report, 'v', { all: true }) as unknown as Listed;

  test('by default: every service but the unchanged ones (added, removed, changed, not compared), in the order --all lists them', () => {
    expect(changed.servicesListed).toBe('changed');
    expect(changed.services).toEqual(every.services.filter((s) => s.status !== 'unchanged'));
  });

  test('--all: every service the report holds', () => {
    expect(every.servicesListed).toBe('all');
    expect(every.services).toHaveLength(report.services.length);
  });

  test('the rest of the document, the summary counting every service among it, is the same either way', () => {
    expect({ ...changed, services: every.services, servicesListed: 'all' }).toEqual(every);
  });

  test('YAML is the same document, either way', () => {
    expect(parseYaml(renderYaml(report, 'v', { all: false }))).toEqual(changed);
    expect(parseYaml(renderYaml(report, 'v', { all: true }))).toEqual(every);
  });
});
