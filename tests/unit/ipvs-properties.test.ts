/**
 * Invariants of the IPVS reader, on generated tables and on damaged real ones:
 *  - the order of virtual services and real servers never changes the model (ipvsadm sorts, but
 *    `--nosort` and hand-edited pastes do not), and `-Ln` and `ipvsadm-save -n` give one model;
 *  - no input makes the reader throw anything but InputError;
 *  - a listing cut inside a line is refused, or read with nothing invented or changed (a cut that
 *    leaves the last line blank cannot be seen: ipvsadm prints no end marker).
 *
 * This kernel has no IPVS (`ipvsadm -A` fails: "Protocol not available"): generated tables are
 * printed by tests/support/ipvsadm-writer.ts, which follows ipvsadm's format strings and is
 * checked here against the fixture written in ipvsadm's exact format.
 */
import { fc, test } from '@fast-check/jest';
import { InputError } from '../../lib/errors';
import { describeIpvs, readIpvs, splitIpvsParts } from '../../lib/parse/ipvs';
import type { ServicePortInfo } from '../../lib/model/metadata';
import { ipvsadmList, ipvsadmSave, type VirtualServiceSpec } from '../support/ipvsadm-writer';
import { fixture } from '../support/snapshots';

const NODE_IP = '192.168.0.10';
const octet = fc.integer({ min: 1, max: 254 });

interface KubeService {
  name: string;
  cluster: VirtualServiceSpec;
  nodePort: number | null;
}

const kubeService = fc
  .record({
    clusterIP: fc.tuple(octet, octet).map(([a, b]) => `10.96.${a}.${b}`),
    port: fc.integer({ min: 1, max: 65535 }),
    protocol: fc.constantFrom('tcp' as const, 'udp' as const),
    scheduler: fc.constantFrom('rr', 'wrr', 'wlc', 'sh'),
    persistence: fc.option(fc.constantFrom(600, 10800), { nil: undefined }),
    servers: fc.uniqueArray(fc.record({ ip: fc.tuple(octet, octet).map(([a, b]) => `10.244.${a}.${b}`), port: fc.integer({ min: 1, max: 65535 }), weight: fc.constantFrom(0, 1, 1, 1, 2) }), { maxLength: 6, selector: (r) => `${r.ip}:${r.port}` }),
    nodePort: fc.option(fc.integer({ min: 30000, max: 32767 }), { nil: null }),
  })
  .map(({ clusterIP, port, protocol, scheduler, persistence, servers, nodePort }) => ({
    name: `default/svc-${clusterIP.replace(/\./g, '-')}-${port}:p`,
    cluster: { protocol, ip: clusterIP, port, scheduler, persistence, servers },
    nodePort,
  }));

const cluster = fc
  .uniqueArray(kubeService, { minLength: 1, maxLength: 6, selector: (s) => `${s.cluster.ip}` })
  .filter((services) => new Set(services.flatMap((s) => (s.nodePort === null ? [] : [`${s.nodePort}/${s.cluster.protocol}`]))).size === services.filter((s) => s.nodePort !== null).length);

function virtualServices(services: KubeService[]): VirtualServiceSpec[] {
  return services.flatMap((s) => [s.cluster, ...(s.nodePort === null ? [] : [{ ...s.cluster, ip: NODE_IP, port: s.nodePort }])]);
}

function servicePorts(services: KubeService[]): ServicePortInfo[] {
  return services.map((s) => ({ name: s.name, protocol: s.cluster.protocol, clusterIP: s.cluster.ip, port: s.cluster.port, nodePort: s.nodePort }));
}

/** A permutation of `list` chosen by `keys` (one sort key per element). */
function shuffled<T>(list: T[], keys: number[]): T[] {
  return list.map((x, i) => ({ x, k: keys[i % Math.max(1, keys.length)] ?? 0, i })).sort((a, b) => a.k - b.k || b.i - a.i).map((e) => e.x);
}

function modelOf(text: string, services: KubeService[], withPorts: boolean): unknown {
  const dump = readIpvs(text, { source: 'gen' });
  const view = describeIpvs(dump, { source: 'gen', nodeIPs: [NODE_IP], ...(withPorts ? { servicePorts: servicePorts(services) } : {}) });
  const rules = [...(dump.ruleset.tables.get('ipvs')?.chains.values() ?? [])].map((c) => [c.name, c.policy, c.rules.map((r) => r.key)]);
  return { model: view.model, warnings: view.warnings, rules, identities: rules.map(([name]) => view.chainIdentity(name as string)) };
}

test('the writer prints what the fixture written in ipvsadm\'s format holds (runtime counters aside)', () => {
  const ln = fixture('ipvs', 'ipvsadm-Ln.txt').replace(/^( {2}-> (?!RemoteAddress).{28} .{7} .{6} ).*$/gm, (_, head: string) => `${head}${'0'.padEnd(10)} ${'0'.padEnd(10)}`);
  const save = fixture('ipvs', 'ipvsadm-save-n.txt');
  const services: VirtualServiceSpec[] = [];
  for (const line of save.trimEnd().split('\n')) {
    const [, add, proto, vip, rest] = /^-([Aa]) -([tu]) (\S+):(.*)$/.exec(line) ?? [];
    if (add === 'A') {
      const [port, , scheduler, , persistence] = (rest as string).split(' ');
      services.push({ protocol: proto === 't' ? 'tcp' : 'udp', ip: vip as string, port: Number(port), scheduler: scheduler as string, persistence: persistence === undefined ? undefined : Number(persistence), servers: [] });
    } else {
      const [, , server, , , weight] = (rest as string).split(' ');
      const [ip, port] = (server as string).split(':');
      services[services.length - 1]?.servers.push({ ip: ip as string, port: Number(port), weight: Number(weight) });
    }
  }
  expect(ipvsadmSave(services)).toBe(save);
  expect(ipvsadmList(services)).toBe(ln);
});

describe('order and format never change the model', () => {
  test.prop([cluster, fc.array(fc.nat(100), { maxLength: 12 }), fc.array(fc.nat(100), { maxLength: 12 }), fc.boolean()], { numRuns: 150 })(
    'virtual services and real servers in any order, as -Ln or as ipvsadm-save -n: one model, one ruleset',
    (services, serviceOrder, serverOrder, withPorts) => {
      const vs = virtualServices(services);
      const reordered = shuffled(vs, serviceOrder).map((s) => ({ ...s, servers: shuffled(s.servers, serverOrder) }));
      const reference = modelOf(ipvsadmList(vs), services, withPorts);
      expect(modelOf(ipvsadmList(reordered), services, withPorts)).toEqual(reference);
      expect(modelOf(ipvsadmSave(reordered), services, withPorts)).toEqual(reference);
    },
  );

  test.prop([cluster], { numRuns: 100 })('shares of a port add up to 1 when any real server takes new connections, and draining ones get 0', (services) => {
    const view = describeIpvs(readIpvs(ipvsadmList(virtualServices(services)), { source: 'gen' }), { source: 'gen', nodeIPs: [NODE_IP], servicePorts: servicePorts(services) });
    for (const p of view.model.ports) {
      const total = p.endpoints.reduce((n, e) => n + e.share, 0);
      if (p.noEndpoints === null) expect(total).toBeCloseTo(1, 6);
      else expect(total).toBe(0);
      for (const e of p.endpoints) if (e.issues.includes('draining')) expect(e.share).toBe(0);
    }
  });
});

const TOKENS = ['IP Virtual Server version 1.2.1 (size=4096)', 'Prot LocalAddress:Port', 'Scheduler', 'Flags', 'Conns', 'CPS', 'Weight', 'Uthreshold', '  -> RemoteAddress:Port', 'Forward', 'TunnelInfo', 'ActiveConn', 'TCP ', 'UDP', 'SCTP', 'FWM', 'IPv6', '  ->', '10.96.0.10:53', '[fd00::a]:53', '[fd00::a', 'host:https', '10.0.0.1:99999', ':0', 'rr', 'wrr', '(sh-port)', '(', 'persistent', 'mask', 'pe', 'ops', 'Masq', 'Route', 'Tunnel', 'Local', 'n/a', '-1', '0', '1', '4294967296', '123K', '-A', '-a', '-t', '-u', '-f', '--sctp-service', '-6', '-s', '-p', '-M', '--pe', '-o', '-b', '-r', '-m', '-g', '-i', '-w', '--tun-type', '--tun-port', '--tun-csum', 'IPVS connection entries', 'pro expire state', '14:59', '*nat', '-A KUBE-SERVICES', '\u001b[31m', '\t', ' ', ''];
const junkLine = fc.oneof(fc.array(fc.constantFrom(...TOKENS), { maxLength: 10 }).map((t) => t.join(' ')), fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 20 }));

function readsOrRefuses(text: string, allowTruncated = false): void {
  try {
    for (const part of [splitIpvsParts(text).ipvs, { text, firstLine: 1 }]) {
      if (!part) continue;
      const dump = readIpvs(part.text, { source: 'junk', firstLine: part.firstLine, allowTruncated });
      describeIpvs(dump, { source: 'junk', nodeIPs: [NODE_IP], servicePorts: [{ name: 'a/b:c', protocol: 'tcp', clusterIP: '10.96.0.10', port: 53, nodePort: 30000, loadBalancerIPs: ['x'] }] });
      describeIpvs(dump, { source: 'junk' });
    }
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
  }
}

describe('the reader never throws anything but a clear error', () => {
  test.prop([fc.array(junkLine, { maxLength: 30 }), fc.boolean()], { numRuns: 500 })('token soup', (lines, allowTruncated) => {
    readsOrRefuses(lines.join('\n'), allowTruncated);
  });

  const reals = [fixture('ipvs', 'ipvsadm-Ln.txt'), fixture('ipvs', 'ipvsadm-Ln-stats.txt'), fixture('ipvs', 'ipvsadm-save-n.txt'), fixture('corpus', '15-ipvsadm-nodeport-10rs-weight0-terminating.txt')];
  test.prop([fc.constantFrom(0, 1, 2, 3), fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.nat(2), fc.string({ maxLength: 3 })), { minLength: 1, maxLength: 8 })], { numRuns: 400 })(
    'a real listing with bytes deleted, replaced and inserted',
    (which, edits) => {
      let text = reals[which] as string;
      for (const [where, kind, s] of edits) {
        const at = Math.floor(where * text.length);
        text = kind === 0 ? text.slice(0, at) + text.slice(at + 1) : kind === 1 ? text.slice(0, at) + s + text.slice(at + 1) : text.slice(0, at) + s + text.slice(at);
      }
      readsOrRefuses(text);
    },
  );
});

describe('a listing cut short never reads as an outage', () => {
  const reals = [fixture('ipvs', 'ipvsadm-Ln.txt'), fixture('ipvs', 'ipvsadm-save-n.txt'), fixture('corpus', '19-kubeadm-1.23-calico-ipvsadm-L-n-after-switch.txt')];
  test.prop([fc.constantFrom(0, 1, 2), fc.double({ min: 0, max: 1, noNaN: true })], { numRuns: 300 })(
    'cut at any byte: refused, or read as far as it goes with no service invented or changed',
    (which, where) => {
      const whole = reals[which] as string;
      const cut = whole.slice(0, Math.floor(where * whole.length));
      // ipvsadm prints no end marker: a cut that leaves its last line blank is a shorter listing, not a cut one.
      fc.pre(cut.slice(cut.lastIndexOf('\n') + 1).trim() !== '');
      expect(() => readIpvs(cut, { source: 'cut' })).toThrow(InputError);
      const full = new Map(readIpvs(whole, { source: 'whole' }).services.map((s) => [s.name, s]));
      let services;
      try {
        services = readIpvs(cut, { source: 'cut', allowTruncated: true }).services;
      } catch (e) {
        expect(e).toBeInstanceOf(InputError);
        return;
      }
      for (const s of services) {
        const same = full.get(s.name);
        expect(same?.realServers.map((r) => [r.address, r.weight])).toEqual(s.realServers.map((r) => [r.address, r.weight]));
        expect(same?.scheduling).toEqual(s.scheduling);
      }
    },
  );
});
