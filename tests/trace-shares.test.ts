/**
 * A trace of a service port's cluster IP sends new connections where the service model says:
 * on every fixture the readers trace (real dumps of every mode) and on generated clusters in each
 * mode (iptables restore payloads, nftables transactions loaded with the real nft and listed back,
 * ipvsadm listings). The model reads the rules' layout; the trace walks them as the kernel does.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fc, test } from '@fast-check/jest';
import type { Snapshot } from '../lib/model/snapshot';
import { parseSnapshot } from '../lib/snapshot/load-snapshot';
import * as traceRule from '../lib/parse/iptables/trace-rule';
import { clusterIpPacket, verifiable, verifyShares } from '../lib/trace/verify';
import { benchCluster } from './bench/generate';
import { cluster } from './support/cluster-arbitrary';
import { ipvsadmList } from './support/ipvsadm-writer';
import { ipvsVirtualServices } from './support/kube-proxy-ipvs-writer';
import { writeNftTransaction } from './support/kube-proxy-nft-writer';
import { writeRestorePayload, type ClusterSpec } from './support/kube-proxy-writer';
import { createNetns, deleteNetns, inNetns, netnsUnavailableReason, run } from './support/netns';

const FIXTURES = join(__dirname, 'fixtures');
const FOLDERS = ['corpus', 'captured', 'nftables', 'ipvs', 'hand-made', 'iptables-nft'];
const NODE_IPS = ['192.168.0.10'];
/** Written so that the layout misleads (tests/unit/trace/hand-computed.test.ts pins their answers). */
const MISLEADING = new Set(['hand-made/trace-cases.txt', 'hand-made/trace-loop.txt']);

/** Every fixture that reads as a snapshot whose reader can trace. */
function traceableFixtures(): [string, Snapshot][] {
  const out: [string, Snapshot][] = [];
  for (const folder of FOLDERS) {
    for (const file of readdirSync(join(FIXTURES, folder))) {
      if (/\.(md|sh|nft|ipset)$/.test(file) || file === 'ipset-save.txt') continue;
      const name = `${folder}/${file}`;
      if (MISLEADING.has(name)) continue;
      let snapshot: Snapshot;
      try {
        snapshot = parseSnapshot(readFileSync(join(FIXTURES, name), 'utf8'), name, { allowTruncated: true });
      } catch {
        continue; // not a whole dump (tested by the readers' own suites)
      }
      if (snapshot.trace) out.push([name, snapshot]);
    }
  }
  return out;
}

describe('on every fixture a reader traces', () => {
  const fixtures = traceableFixtures();
  let checked = 0;

  test.each(fixtures)("%s: each port's cluster IP traces to the model's shares", (_name, snapshot) => {
    const ports = snapshot.describe([]).model.ports;
    let result: ReturnType<typeof verifyShares>;
    try {
      result = verifyShares(snapshot, ports);
    } catch (e) {
      // A fragment with no chain to start at: said in one line, never a wrong answer.
      expect((e as Error).message).toMatch(/nothing to start a trace at/);
      return;
    }
    expect(result.mismatches).toEqual([]);
    checked += result.checked;
  });

  afterAll(() => {
    // The corpus is not all fragments: most ports are really checked.
    expect(checked).toBeGreaterThan(250);
  });
});

function checkCluster(snapshot: Snapshot): void {
  const ports = snapshot.describe([]).model.ports;
  const { mismatches, checked } = verifyShares(snapshot, ports);
  expect(mismatches).toEqual([]);
  expect(checked).toBe(ports.filter((p) => p.clusterIP !== null).length);
}

test.prop([cluster], { numRuns: 60 })("iptables mode: every port of a generated cluster traces to the model's shares", (c: ClusterSpec) => {
  checkCluster(parseSnapshot(writeRestorePayload(c), 'iptables'));
});

test.prop([fc.integer({ min: 40, max: 160 }), fc.nat(1000)], { numRuns: 10 })(
  "iptables mode, a KUBE-SERVICES long enough to be walked by destination: every port traces to the model's shares, and a port no service has leaves untranslated",
  (services, seed) => {
    const snapshot = parseSnapshot(writeRestorePayload(benchCluster(services, 3, seed), { seed }), 'iptables');
    checkCluster(snapshot);
    const [first] = snapshot.describe([]).model.ports.filter(verifiable);
    const trace = (snapshot.trace as NonNullable<Snapshot['trace']>)(clusterIpPacket({ clusterIP: first?.clusterIP as string, port: 1, protocol: 'tcp' }));
    expect(trace.unmatchedBy.untranslated).toBe(1);
  },
);

test('a trace reads as many rules in a KUBE-SERVICES of 400 services as in one of 100: it goes by destination, not rule by rule', () => {
  const rulesRead = (services: number): number => {
    const snapshot = parseSnapshot(writeRestorePayload(benchCluster(services, 3, 7), { seed: 7 }), 'iptables');
    const ports = snapshot.describe([]).model.ports.filter(verifiable);
    const trace = (port: (typeof ports)[number]) => (snapshot.trace as NonNullable<Snapshot['trace']>)(clusterIpPacket(port));
    trace(ports[0] as (typeof ports)[number]); // what a first trace reads of every chain once
    const read = jest.spyOn(traceRule, 'traceRuleOf');
    trace(ports[ports.length - 1] as (typeof ports)[number]);
    const n = read.mock.calls.length;
    read.mockRestore();
    return n;
  };
  expect(rulesRead(400)).toBeLessThan(2 * rulesRead(100));
});

test.prop([cluster], { numRuns: 60 })("IPVS mode: every port of a generated cluster traces to the model's shares", (c: ClusterSpec) => {
  checkCluster(parseSnapshot(ipvsadmList(ipvsVirtualServices(c, NODE_IPS)), 'ipvs'));
});

const unavailable = netnsUnavailableReason() ?? (run(['sh', '-c', 'command -v nft']).status === 0 ? null : 'needs nft on PATH');
if (unavailable) console.warn(`skipping nftables mode traces with the real nft: ${unavailable}`);

(unavailable ? describe.skip : describe)('nftables mode, loaded with the real nft', () => {
  let ns = '';
  beforeAll(() => {
    ns = createNetns();
  });
  afterAll(() => deleteNetns(ns));

  test.prop([cluster], { numRuns: 20 })("every port of a generated cluster traces to the model's shares", (c: ClusterSpec) => {
    expect(inNetns(ns, ['nft', 'flush', 'ruleset']).status).toBe(0);
    const load = inNetns(ns, ['nft', '-f', '-'], writeNftTransaction(c, { nodeIPs: NODE_IPS, serviceCIDRs: ['10.96.0.0/16'] }).text);
    expect(load.stderr).toBe('');
    const list = inNetns(ns, ['nft', 'list', 'table', 'ip', 'kube-proxy']);
    checkCluster(parseSnapshot(list.stdout, 'nft'));
  });
});
