/**
 * Ground truth for the nftables reader: the fixtures' kube-proxy transactions (`*.nft`) loaded
 * with the real nft into a private network namespace and listed again (`nft list`, `-a`, `-j`,
 * `list ruleset`). Whatever this machine's nft prints, the reader gives the model the committed
 * listings give. Needs root and nft; skips and says why otherwise.
 */
import type { ServiceModel } from '../lib/model/service';
import { describeNftables, nftablesServiceNames, readNftables } from '../lib/parse/nftables';
import { inNetns, netnsUnavailableReason, run, withNetns } from './support/netns';
import { FIXTURES, fixture } from './support/snapshots';
import { join } from 'node:path';

function unavailableReason(): string | null {
  if (run(['sh', '-c', 'command -v nft']).status !== 0) return 'needs nft on PATH (Debian: apt-get install nftables)';
  return netnsUnavailableReason();
}

const unavailable = unavailableReason();
const describeRoot = unavailable ? describe.skip : describe;
if (unavailable) console.warn(`skipping real nft tests: ${unavailable}`);

function model(text: string, source: string): { model: ServiceModel; findings: string[] } {
  const dump = readNftables(text, { source });
  const view = describeNftables(dump, { source, candidateNames: nftablesServiceNames(dump) });
  return { model: view.model, findings: view.findings.map((f) => `${f.kind}: ${f.message}`) };
}

function nft(ns: string, args: string[]): string {
  const res = inNetns(ns, ['nft', ...args]);
  if (res.status !== 0) throw new Error(`nft ${args.join(' ')}: ${res.stderr}`);
  return res.stdout;
}

function load(ns: string, ...files: string[]): void {
  for (const f of files) nft(ns, ['-f', join(FIXTURES, 'nftables', f)]);
}

describeRoot('real nft in a private network namespace', () => {
  test.each([
    ['k8s-1.29', 'ip', ['k8s-1.29.nft']],
    ['k8s-1.30-1.33', 'ip', ['k8s-1.30-1.33.nft']],
    ['k8s-1.34-1.35-ipv6', 'ip6', ['k8s-1.34-1.35-ipv6.nft']],
    ['k8s-1.34-1.35-partial-sync', 'ip', ['k8s-1.34-1.35.nft', 'k8s-1.34-1.35-partial-sync.nft']],
    ['k8s-1.36', 'ip', ['k8s-1.36.nft']],
    ['k8s-master-scaled', 'ip', ['k8s-master-scaled.nft']],
  ] as const)('%s loaded and listed again (list, -a, -j) reads to the model of the committed listing', async (stem, family, files) => {
    await withNetns((ns) => {
      load(ns, ...files);
      const expected = model(fixture('nftables', `${stem}.list.txt`), 'committed');
      for (const args of [['list'], ['-a', 'list'], ['-j', 'list']]) {
        const fresh = nft(ns, [...args, 'table', family, 'kube-proxy']);
        expect(model(fresh, `fresh ${args.join(' ')}`)).toEqual(expected);
      }
    });
  });

  test.each([
    ['k8s-1.29', 'ip'],
    ['k8s-1.36', 'ip'],
    ['k8s-1.34-1.35-ipv6', 'ip6'],
  ])('%s: every rule\'s canonical text is nft syntax that nft reads back to the same key', async (stem, family) => {
    await withNetns((ns) => {
      load(ns, `${stem}.nft`);
      const listed = readNftables(nft(ns, ['list', 'table', family, 'kube-proxy']), { source: 'listed' });
      const chains = [...(listed.tables[0]?.chains.values() ?? [])];
      const script = chains.flatMap((c) => [`flush chain ${family} kube-proxy ${c.name}`, ...c.rules.map((r) => `add rule ${family} kube-proxy ${c.name} ${r.text}`)]).join('\n');
      const res = inNetns(ns, ['nft', '-f', '-'], `${script}\n`);
      expect(res.stderr).toBe('');
      const again = readNftables(nft(ns, ['list', 'table', family, 'kube-proxy']), { source: 'again' });
      const texts = (d: typeof listed) => [...(d.tables[0]?.chains.values() ?? [])].map((c) => [c.name, c.rules.map((r) => r.text)]);
      expect(texts(again)).toEqual(texts(listed));
    });
  });

  test('nft list ruleset with both families and an unrelated table', async () => {
    await withNetns((ns) => {
      load(ns, 'k8s-1.34-1.35.nft', 'k8s-1.34-1.35-ipv6.nft', 'unrelated-host-firewall.nft');
      const expected = model(fixture('nftables', 'ruleset-both-families.list.txt'), 'committed');
      expect(expected.model.ports).toHaveLength(10);
      expect(model(nft(ns, ['list', 'ruleset']), 'fresh')).toEqual(expected);
      expect(model(nft(ns, ['-j', 'list', 'ruleset']), 'fresh json')).toEqual(expected);
    });
  });
});
