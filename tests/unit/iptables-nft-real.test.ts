/**
 * Ground truth for the iptables-nft reader: the fixtures' payloads loaded with the real
 * iptables-restore (nf_tables back end) into a private network namespace, as kube-proxy loads them,
 * and printed again by this machine's nft (`list ruleset`, `-a`, `-j`, `list table … nat`) and
 * iptables-save. Each nft form reads to the model of the committed fixture, and to the model of
 * the fresh iptables-save but for what nft does not show; a diff of the two reports nothing else.
 * Needs root, nft and iptables; skips and says why otherwise.
 */
import { diffSnapshots } from '../../lib/diff/diff-snapshots';
import { parseSnapshot } from '../../lib/snapshot/load-snapshot';
import { IPTABLES_NFT_FIXTURES } from '../support/iptables-nft-clusters';
import { asTheListingShowsIt, listingModel, readListing, saved } from '../support/iptables-nft-models';
import { inNetns, netnsUnavailableReason, run, withNetns } from '../support/netns';
import { fixture } from '../support/snapshots';

function unavailableReason(): string | null {
  for (const cmd of ['nft', 'ip6tables-restore', 'ip6tables-save']) {
    if (run(['sh', '-c', 'command -v "$1"', 'sh', cmd]).status !== 0) return `needs ${cmd} on PATH (Debian: apt-get install nftables iptables)`;
  }
  return netnsUnavailableReason();
}

const unavailable = unavailableReason();
const describeRoot = unavailable ? describe.skip : describe;
if (unavailable) console.warn(`skipping real iptables-nft tests: ${unavailable}`);

function ok(ns: string, argv: string[], input?: string): string {
  const res = inNetns(ns, argv, input);
  if (res.status !== 0) throw new Error(`${argv.join(' ')}: ${res.stderr}`);
  return res.stdout;
}

interface Capture {
  list: string;
  listA: string;
  json: string;
  nat: string;
  save: string;
}

/** Loads a payload as kube-proxy does (the built-in jumps, then the payload with --noflush) and prints it five ways. */
function capture(ns: string, stem: string, payload: string): Capture {
  const ipv6 = IPTABLES_NFT_FIXTURES[stem]?.family === 'ipv6';
  const tool = ipv6 ? 'ip6tables' : 'iptables';
  ok(ns, [`${tool}-restore`], fixture('iptables-nft', 'builtin-jumps.txt'));
  ok(ns, [`${tool}-restore`, '--noflush'], payload);
  return {
    list: ok(ns, ['sh', '-c', 'nft list ruleset 2>&1']),
    listA: ok(ns, ['nft', '-a', 'list', 'ruleset']),
    json: ok(ns, ['nft', '-j', 'list', 'ruleset']),
    nat: ok(ns, ['nft', 'list', 'table', ipv6 ? 'ip6' : 'ip', 'nat']),
    save: ok(ns, [`${tool}-save`]),
  };
}

/** The `*nat` … `COMMIT` block of iptables-save output: what `nft list table ip nat` holds. */
function natTable(save: string): string {
  return /^\*nat\n[\s\S]*?^COMMIT$/m.exec(save)?.[0] ?? '';
}

test.each(Object.keys(IPTABLES_NFT_FIXTURES))('%s: the committed payload is what kube-proxy-writer writes for the cluster', (stem) => {
  expect(IPTABLES_NFT_FIXTURES[stem]?.payload()).toBe(fixture('iptables-nft', `${stem}.payload.txt`));
});

describeRoot('real iptables-restore, nft and iptables-save in a private network namespace', () => {
  test.each(Object.keys(IPTABLES_NFT_FIXTURES))('%s: every nft form reads to the committed fixture\'s model, and to iptables-save\'s but for what nft does not show', async (stem) => {
    await withNetns((ns) => {
      const fresh = capture(ns, stem, fixture('iptables-nft', `${stem}.payload.txt`));
      const { names, model } = saved(fresh.save);
      expect(saved(fixture('iptables-nft', `${stem}.iptables-save.txt`)).model).toEqual(model);
      for (const [form, file] of [['list', 'list.txt'], ['listA', 'list-a.txt'], ['nat', 'nat.txt'], ['json', 'json']] as const) {
        const freshModel = listingModel(readListing(fresh[form], `fresh ${form}`), names);
        expect(freshModel).toEqual(listingModel(readListing(fixture('iptables-nft', `${stem}.${file}`)), names));
        if (form !== 'json') expect(freshModel).toEqual(asTheListingShowsIt(form === 'nat' ? saved(natTable(fresh.save)).model : model));
      }
    });
  });

  test('whatever output flags nft is given (-s stateless, -n, -p numeric protocols, -y numeric priorities), the same model', async () => {
    await withNetns((ns) => {
      const fresh = capture(ns, 'cluster', fixture('iptables-nft', 'cluster.payload.txt'));
      const { names } = saved(fresh.save);
      const expected = listingModel(readListing(fresh.list), names);
      for (const flag of ['-s', '-n', '-p', '-y']) expect(listingModel(readListing(ok(ns, ['nft', flag, 'list', 'ruleset']), `nft ${flag}`), names)).toEqual(expected);
    });
  });

  test('cluster: a diff of the fresh nft list against the fresh iptables-save finds no service changed (what nft does not show is not compared), and only the rules nft prints without options', async () => {
    await withNetns((ns) => {
      const fresh = capture(ns, 'cluster', fixture('iptables-nft', 'cluster.payload.txt'));
      const report = diffSnapshots(parseSnapshot(fresh.save, 'iptables-save'), parseSnapshot(fresh.list, 'nft list'));
      expect(report.services.filter((s) => s.status !== 'unchanged')).toEqual([]);
      expect(report.chains.map((c) => c.name)).toEqual(['KUBE-SEP-3LD2C24X77JLT5ZJ', 'KUBE-SEP-GGWR3HEPVR6X4GQN', 'KUBE-SEP-V2PECCYPB6X2GSCW', 'KUBE-SVC-C435J2JLDMJKKAWZ', 'KUBE-SVC-NPX46M4PTMTKRN6Y']);
    });
  });

  test('a live scale (kube-dns 2 → 4, web +1 local endpoint), listed by nft before and after, reads as that scale', async () => {
    await withNetns((ns) => {
      const before = capture(ns, 'cluster', fixture('iptables-nft', 'cluster.payload.txt'));
      ok(ns, ['iptables-restore', '--noflush'], fixture('iptables-nft', 'cluster-scaled.payload.txt'));
      const after = ok(ns, ['nft', 'list', 'ruleset']);
      const report = diffSnapshots(parseSnapshot(before.list, 'before'), parseSnapshot(after, 'after'));
      expect(report.services.filter((s) => s.status !== 'unchanged').map((s) => `${s.label} +${s.endpointsAdded.join(',')}`)).toEqual([
        '10.96.0.10:53/tcp +10.244.2.7:53,10.244.2.8:53',
        '10.96.0.10:53/udp +10.244.2.7:53,10.244.2.8:53',
        '10.96.7.7:80/tcp +10.244.1.9:8080',
      ]);
      expect(report.summary).toMatchObject({ endpointsRemoved: 0, servicesRemoved: 0, servicesAdded: 0 });
    });
  });

  test('misc: every translation, printed fresh, reads as the committed listing (which reads as iptables-save, iptables-nft-translate.test.ts)', async () => {
    await withNetns((ns) => {
      const fresh = readListing(capture(ns, 'misc', fixture('iptables-nft', 'misc.payload.txt')).list);
      const committed = readListing(fixture('iptables-nft', 'misc.list.txt'));
      for (const table of ['nat', 'filter']) {
        const keys = (d: typeof fresh) => [...(d.ruleset.tables.get(table)?.chains.values() ?? [])].map((c) => [c.name, ...c.rules.map((r) => r.key)]);
        expect(keys(fresh)).toEqual(keys(committed));
      }
    });
  });
});
