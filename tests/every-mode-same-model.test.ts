/**
 * Every mode gives the same model: for any generated cluster state, what kube-proxy programs in
 * iptables mode (its restore payload), nftables mode (its `nft -f` transaction, loaded with the real
 * nft in a private network namespace and listed back) and IPVS mode (`ipvsadm -Ln` as ipvsadm
 * prints it; this kernel has no IPVS) reads to one service model: a diff of any two renderings
 * changes no service, however nft orders what it lists.
 */
import { fc, test } from '@fast-check/jest';
import { diffSnapshots } from '../lib/diff/diff-snapshots';
import type { DiffReport } from '../lib/diff/types';
import type { Snapshot } from '../lib/model/snapshot';
import { parseSnapshot } from '../lib/snapshot/load-snapshot';
import { cluster } from './support/cluster-arbitrary';
import { ipvsVirtualServices } from './support/kube-proxy-ipvs-writer';
import { writeNftTransaction } from './support/kube-proxy-nft-writer';
import { writeRestorePayload, type ClusterSpec } from './support/kube-proxy-writer';
import { ipvsadmList } from './support/ipvsadm-writer';
import { createNetns, deleteNetns, inNetns, netnsUnavailableReason, run } from './support/netns';

const NODE_IPS = ['192.168.0.10'];
const SERVICE_CIDRS = ['10.96.0.0/16'];

/** The ports a diff does not find unchanged, with what differs: empty when the two read alike. */
function differences(report: DiffReport): string[] {
  return report.services
    .filter((s) => s.status !== 'unchanged')
    .map((s) => `${s.status} ${s.label} +${s.endpointsAdded.join(',')} -${s.endpointsRemoved.join(',')} ${s.changes.map((c) => `${c.field}: ${c.before} → ${c.after}`).join('; ')}`);
}

const iptablesMode = (c: ClusterSpec): Snapshot => parseSnapshot(writeRestorePayload(c), 'iptables');
const ipvsMode = (c: ClusterSpec): Snapshot => parseSnapshot(ipvsadmList(ipvsVirtualServices(c, NODE_IPS)), 'ipvs');

test.prop([cluster], { numRuns: 60 })('iptables mode and IPVS mode read alike, either way round', (c) => {
  expect(differences(diffSnapshots(iptablesMode(c), ipvsMode(c)))).toEqual([]);
  expect(differences(diffSnapshots(ipvsMode(c), iptablesMode(c)))).toEqual([]);
});

const unavailable = netnsUnavailableReason() ?? (run(['sh', '-c', 'command -v nft']).status === 0 ? null : 'needs nft on PATH (Debian: apt-get install nftables)');
if (unavailable) console.warn(`skipping nftables mode against the other modes with the real nft: ${unavailable}`);

(unavailable ? describe.skip : describe)('nftables mode, with the real nft', () => {
  let ns = '';
  beforeAll(() => {
    ns = createNetns();
  });
  afterAll(() => deleteNetns(ns));

  /** The transaction loaded into an empty ruleset and listed back, as text or as JSON. */
  function nftablesMode(c: ClusterSpec, json: boolean): Snapshot {
    const flush = inNetns(ns, ['nft', 'flush', 'ruleset']);
    if (flush.status !== 0) throw new Error(flush.stderr);
    const load = inNetns(ns, ['nft', '-f', '-'], writeNftTransaction(c, { nodeIPs: NODE_IPS, serviceCIDRs: SERVICE_CIDRS }).text);
    if (load.status !== 0) throw new Error(load.stderr);
    const list = inNetns(ns, ['nft', ...(json ? ['-j'] : []), 'list', 'table', 'ip', 'kube-proxy']);
    if (list.status !== 0) throw new Error(list.stderr);
    return parseSnapshot(list.stdout, json ? 'nft -j' : 'nft');
  }

  test.prop([cluster, fc.boolean()], { numRuns: 25 })('nftables mode reads as iptables mode and as IPVS mode do', (c, json) => {
    const nft = nftablesMode(c, json);
    expect(differences(diffSnapshots(iptablesMode(c), nft))).toEqual([]);
    expect(differences(diffSnapshots(nft, ipvsMode(c)))).toEqual([]);
  });
});
