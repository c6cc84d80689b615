/**
 * Only a rule the service model holds in full is told by its service's change; any other rule
 * change stays under "Other changes". The same in every proxy mode: iptables (tests/unit/diverted
 * and tests/mutations), nftables and IPVS here, on the real tools' output (tests/fixtures).
 */
import { diffSnapshots } from '../../lib/diff/diff-snapshots';
import { otherChanges } from '../../lib/report/view';
import { parseSnapshot } from '../../lib/snapshot/load-snapshot';
import { fixture } from '../support/snapshots';

const diff = (before: string, after: string) => diffSnapshots(parseSnapshot(before, 'before'), parseSnapshot(after, 'after'), { table: 'all' });

describe('nftables mode', () => {
  const master = fixture('nftables', 'k8s-master.list.txt');
  const scaled = fixture('nftables', 'k8s-master-scaled.list.txt');
  const partialSync = fixture('nftables', 'k8s-1.34-1.35-partial-sync.list.txt');
  const synced = fixture('nftables', 'k8s-1.34-1.35.list.txt');
  const shownChains = (before: string, after: string) => otherChanges(diff(before, after)).map((o) => o.chain.name);

  test('a scale event: the endpoint picks are told by the services', () => {
    expect(shownChains(master, scaled)).toEqual(['set hairpin-connections']);
  });

  test('a partial sync: the flushed endpoint chains go with their endpoints', () => {
    expect(shownChains(synced, partialSync)).toEqual([]);
  });

  test('a rule the model does not hold, in the chain of a service that changed anyway, is shown', () => {
    const dropping = scaled.replace('\t\tmeta l4proto udp dnat ip to numgen random mod 4', '\t\tip saddr 10.0.0.0/8 drop\n\t\tmeta l4proto udp dnat ip to numgen random mod 4');
    expect(dropping).not.toBe(scaled);
    const shown = otherChanges(diff(master, dropping)).find((o) => o.chain.name.startsWith('service-FY5PMXPG'));
    expect(shown?.added.map((r) => r.text)).toEqual([expect.stringContaining('ip saddr 10.0.0.0/8 drop')]);
  });
});

describe('IPVS mode', () => {
  test('a real server forwarded otherwise than by masquerading is shown though its service changed', () => {
    const save = fixture('ipvs', 'ipvsadm-save-n.txt');
    const lines = save.split('\n');
    const servers = lines.map((l, i) => [l, i] as const).filter(([l]) => l.startsWith('-a -u 10.96.0.10:53 '));
    expect(servers.length).toBeGreaterThan(1);
    const [first, firstAt] = servers[0] as readonly [string, number];
    const [second, secondAt] = servers[1] as readonly [string, number];
    lines[firstAt] = first.replace(' -m ', ' -g ');
    lines.splice(secondAt, 1);
    expect(second).toContain(' -m ');
    const report = diff(save, lines.join('\n'));
    expect(report.services.filter((s) => s.status !== 'unchanged').map((s) => [s.key, s.status])).toEqual([['10.96.0.10:53/udp', 'changed']]);
    const shown = otherChanges(report).flatMap((o) => [...o.added, ...o.removed].map((r) => r.text));
    expect(shown).toEqual([expect.stringContaining(' -g')]);
  });
});
