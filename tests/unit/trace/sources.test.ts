/**
 * Without --from, a trace tries every kind of source the rules tell apart. The paths it lists are
 * a client's outside every source network the rules name; when masquerading differs by source the
 * answer is given for each kind, with an address to pass as --from that gets it. Answers no
 * source can give together (in 10.244.0.6/32 but not in 10.244.0.0/16) are not walked.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fc, test } from '@fast-check/jest';
import type { Snapshot } from '../../../lib/model/snapshot';
import { ipInCidr, SourceSpace, sourceIn } from '../../../lib/model/trace-sources';
import { parseSnapshot } from '../../../lib/snapshot/load-snapshot';
import { tracePacket, type PacketOptions } from '../../../lib/trace/packet';
import { clusterIpPacket, verifiable } from '../../../lib/trace/verify';
import { bundled, FIXTURES } from '../../support/snapshots';

function trace(snapshot: Snapshot, options: PacketOptions) {
  return (snapshot.trace as NonNullable<Snapshot['trace']>)(tracePacket(options));
}

const coredns = parseSnapshot(bundled('coredns-scale-2to4-after.txt'), 'coredns-scale-2to4-after.txt');

test('a cluster IP: masqueraded always from outside the pod network (the paths listed), never from inside it, sometimes from an endpoint itself', () => {
  const r = trace(coredns, { to: '10.96.0.10:53/udp' });
  expect(r.masquerade).toBe('sometimes');
  expect(r.paths.every((p) => p.masquerade)).toBe(true);
  expect(r.masqueradeBySource).toEqual([
    { masquerade: 'always', source: null, example: null },
    { masquerade: 'never', source: 'in 10.244.0.0/16', example: '10.244.0.1' },
    { masquerade: 'sometimes', source: expect.stringMatching(/^in 10\.244\.0\.[5-8]\/32$/), example: expect.stringMatching(/^10\.244\.0\.[5-8]$/) },
  ]);
  expect(trace(coredns, { to: '10.96.0.10:53/udp', from: '10.244.0.1' }).masquerade).toBe('never');
});

test('with --from there is one kind of source, and no breakdown', () => {
  expect(trace(coredns, { to: '10.96.0.10:53/udp', from: '10.244.0.1' }).masqueradeBySource).toEqual([]);
});

test('nine endpoints each masqueraded from its own address: ten scenarios, not 2^9 cut at 64', () => {
  const nft = parseSnapshot(readFileSync(join(FIXTURES, 'corpus', '07-k3s-nft-kube-proxy-table-9ep-nodeport.txt'), 'utf8'), '07.txt');
  const r = trace(nft, { to: '10.34.4.246:30000' });
  expect(r.masquerade).toBe('always');
  expect(r.assumptions).toEqual([]);
});

describe('on every fixture a reader traces, each cluster IP', () => {
  const cases: [string, Snapshot][] = [];
  for (const folder of ['corpus', 'nftables', 'iptables-list', 'hand-made', 'captured']) {
    for (const file of readdirSync(join(FIXTURES, folder))) {
      if (!/\.(txt|json)$/.test(file)) continue;
      try {
        const s = parseSnapshot(readFileSync(join(FIXTURES, folder, file), 'utf8'), `${folder}/${file}`, { allowTruncated: true });
        if (s.trace) cases.push([`${folder}/${file}`, s]);
      } catch {
        // not a whole dump: the readers' suites test those
      }
    }
  }

  test.each(cases)('%s: the --from given for each kind of source gets the masquerading said of it', (_name, snapshot) => {
    for (const port of snapshot.describe([]).model.ports.filter(verifiable)) {
      let r;
      try {
        r = snapshot.trace?.(clusterIpPacket(port));
      } catch {
        continue; // nothing to start a trace at (a fragment)
      }
      for (const m of r?.masqueradeBySource ?? []) {
        if (m.example === null) continue;
        const given = snapshot.trace?.({ ...clusterIpPacket(port), sourceIp: m.example });
        expect([port.clusterIP, m.source, given?.masquerade]).toEqual([port.clusterIP, m.source, m.masquerade]);
      }
    }
  });
});

describe('the sources a set of answers leaves', () => {
  test('in 10.244.0.6/32 and not in 10.244.0.0/16: none', () => {
    const space = SourceSpace.all(4).with(sourceIn('10.244.0.6/32', ['10.244.0.6/32']), true);
    expect(space?.with(sourceIn('10.244.0.0/16', ['10.244.0.0/16']), false)).toBeNull();
  });

  test('in 10.244.0.0/16, not in .0/30 and .5/32: 10.244.0.4; IPv6 in its short form', () => {
    const space = SourceSpace.all(4)
      .with(sourceIn('10.244.0.0/16', ['10.244.0.0/16']), true)
      ?.with(sourceIn('10.244.0.0/30', ['10.244.0.0/30']), false)
      ?.with(sourceIn('10.244.0.5', ['10.244.0.5']), false);
    expect(space?.example()).toBe('10.244.0.4');
    expect(SourceSpace.all(6).with(sourceIn('fd00:10:244::/48', ['fd00:10:244::/48']), true)?.example()).toBe('fd00:10:244::1');
  });

  test('a set of something else than addresses: the answer holds for any source, and none is named', () => {
    const space = SourceSpace.all(4).with(sourceIn('@set', null), true);
    expect(space).not.toBeNull();
    expect(space?.example()).toBeNull();
  });

  // Networks inside 10.0.0.0/28, answered at random after "in 10.0.0.0/28": checked against all 16 addresses.
  const network = fc.tuple(fc.nat(15), fc.integer({ min: 28, max: 32 })).map(([host, prefix]) => `10.0.0.${host & ~((1 << (32 - prefix)) - 1) & 15}/${prefix}`);
  test.prop([fc.array(fc.tuple(fc.array(network, { minLength: 1, maxLength: 3 }), fc.boolean()), { maxLength: 6 })])(
    'none is left exactly when no address gives every answer; the one named gives them all',
    (answers) => {
      let space: SourceSpace | null = SourceSpace.all(4).with(sourceIn('10.0.0.0/28', ['10.0.0.0/28']), true);
      for (const [networks, answer] of answers) space = space?.with(sourceIn(networks.join(','), networks), answer) ?? null;
      const holds = (ip: string): boolean => answers.every(([networks, answer]) => networks.some((n) => ipInCidr(ip, n)) === answer);
      const any = Array.from({ length: 16 }, (_, i) => `10.0.0.${i}`).some(holds);
      expect(space !== null).toBe(any);
      const example = space?.example();
      if (example) expect(holds(example)).toBe(true);
    },
  );
});
