/**
 * Invariants, checked on generated clusters and generated garbage:
 *  - no reordering, quoting, precision or other formatting change alters the answer;
 *  - no input makes the parser throw anything but a clear InputError.
 */
import { fc, test } from '@fast-check/jest';
import { InputError } from '../lib/errors';
import { diffSnapshots } from '../lib/diff/diff-snapshots';
import { parseSnapshot } from '../lib/snapshot/load-snapshot';
import { writeRestorePayload, type ClusterSpec, type ServiceSpec } from './support/kube-proxy-writer';
import { fixture } from './support/snapshots';

const octet = fc.integer({ min: 1, max: 254 });
const endpoint = fc.record({ ip: fc.tuple(octet, octet).map(([a, b]) => `10.244.${a}.${b}`), port: fc.integer({ min: 1, max: 65535 }), local: fc.boolean() });
const service = fc.record({
  namespace: fc.constantFrom('default', 'kube-system', 'shop'),
  name: fc.stringMatching(/^[a-z][a-z0-9-]{0,8}[a-z0-9]$/),
  clusterIP: fc.tuple(octet, octet).map(([a, b]) => `10.96.${a}.${b}`),
  ports: fc.uniqueArray(
    fc.record({
      name: fc.constantFrom('', 'http', 'dns', 'metrics'),
      port: fc.integer({ min: 1, max: 65535 }),
      protocol: fc.constantFrom('tcp' as const, 'udp' as const),
      nodePort: fc.option(fc.integer({ min: 30000, max: 32767 }), { nil: undefined }),
      endpoints: fc.uniqueArray(endpoint, { maxLength: 7, selector: (e) => `${e.ip}:${e.port}` }),
    }),
    { minLength: 1, maxLength: 2, selector: (p) => p.name },
  ),
  affinitySeconds: fc.option(fc.constantFrom(600, 10800), { nil: undefined }),
  externalTrafficPolicy: fc.constantFrom('Cluster' as const, 'Local' as const),
  loadBalancerIPs: fc.option(fc.constant(['203.0.113.9']), { nil: undefined }),
});
const cluster: fc.Arbitrary<ClusterSpec> = fc
  .uniqueArray(service, { minLength: 1, maxLength: 5, selector: (s) => `${s.namespace}/${s.name}` })
  .map((services): ClusterSpec => ({ podCIDR: '10.244.0.0/16', services: services as ServiceSpec[] }));

/** Rewrites that iptables-save, a copy-paste or another kube-proxy sync make without changing meaning. */
const REWRITES: ((line: string) => string)[] = [
  (l) => l.replace(/--comment ([^"\s]+)/, '--comment "$1"'),
  (l) => l.replace(/ -([sd]) (\d+\.\d+\.\d+\.\d+)( |$)/g, ' -$1 $2/32$3'),
  (l) => l.replace(/--probability (0\.\d{10})\b/, (_, p: string) => `--probability ${(Math.round(Number(p) * 2 ** 31) / 2 ** 31).toFixed(11)}`),
  (l) => l.replace('--or-mark 0x00004000', '--set-xmark 0x4000/0x4000').replace('--xor-mark 0x00004000', '--set-xmark 0x4000/0x0'),
  (l) => l.replace(/ -m (tcp|udp) -p (tcp|udp)/, ' -p $2 -m $1'),
  (l) => l.replace(/^(-A \S+) (-m comment --comment (?:"[^"]*"|[^"\s]+)) (.+?)( -j .*)$/, '$1 $3 $2$4'),
  (l) => l.replace(/ -j REJECT$/, ' -j REJECT --reject-with icmp-port-unreachable'),
  (l) => l.replace(/--name (\S+) --set/, '--set --name $1 --mask 255.255.255.255 --rsource'),
  (l) => (l.startsWith('-A ') ? `[${l.length}:${l.length * 60}] ${l}` : l),
  (l) => `${l.replace(/ -/g, '  -')} \t`,
];

function noisy(text: string, picks: number[], shuffleKey: number): string {
  const lines = text.split('\n').map((l, i) => {
    const pick = picks[i % picks.length] as number;
    return REWRITES.reduce((acc, rewrite, r) => ((pick >> r) & 1 ? rewrite(acc) : acc), l);
  });
  // Group each table's rules by chain, as iptables-save does, in an arbitrary chain order.
  const out: string[] = [];
  let block: string[] = [];
  const flush = () => {
    const decl = block.filter((l) => l.startsWith(':')).sort((a, b) => ((a.length * shuffleKey) % 7) - ((b.length * shuffleKey) % 7));
    const rules = block.filter((l) => !l.startsWith(':'));
    const chainOf = (l: string) => /-A (\S+)/.exec(l)?.[1] ?? '';
    const chains = [...new Set(rules.map(chainOf))].sort();
    out.push(...decl, ...chains.flatMap((c) => rules.filter((l) => chainOf(l) === c)));
    block = [];
  };
  for (const l of lines) {
    if (l.startsWith('*') || l.trim() === 'COMMIT') {
      flush();
      out.push(l);
    } else if (l.trim() !== '') {
      block.push(l);
    }
  }
  flush();
  return out.join(shuffleKey % 2 ? '\r\n' : '\n');
}

describe('noise never changes the answer', () => {
  test.prop([cluster, fc.array(fc.nat(1023), { minLength: 1, maxLength: 16 }), fc.nat(100), fc.nat(1000)], { numRuns: 60 })(
    'a kube-proxy payload vs the same rules reshuffled, requoted, re-precisioned, regrouped',
    (c, picks, shuffleKey, seed) => {
      const a = parseSnapshot(writeRestorePayload(c, { seed }), 'a');
      const b = parseSnapshot(noisy(writeRestorePayload(c, { seed: seed + 1 }), picks, shuffleKey + 1), 'b');
      const report = diffSnapshots(a, b);
      expect(report.warnings).toEqual([]);
      expect(report.chains).toEqual([]);
      expect(report.services.filter((s) => s.status !== 'unchanged')).toEqual([]);
      expect(report.summary.changed).toBe(false);
    },
  );

  test.prop([cluster, fc.nat(1000)], { numRuns: 40 })('every complete endpoint ladder splits all traffic: shares sum to 1', (c, seed) => {
    const s = parseSnapshot(writeRestorePayload(c, { seed }), 'x');
    for (const port of s.describe(s.serviceNames()).model.ports) {
      if (port.endpoints.length === 0) continue;
      expect(port.endpoints.reduce((n, e) => n + e.share, 0)).toBeCloseTo(1, 8);
      for (const e of port.endpoints) expect(e.share).toBeCloseTo(1 / port.endpoints.length, 8);
    }
  });
});

const TOKENS = ['-A', '-I', '-N', '-P', '-X', '-D', ':KUBE-SVC-TCOU7JCQXEZGVUNU', '*nat', '*filter', 'COMMIT', 'KUBE-SERVICES', 'KUBE-SEP-ABCDEFGHIJKLMNOP', '-m', 'comment', '--comment', '"', '\\', '!', '-p', 'tcp', '-d', '10.0.0.1/33', '::1', '-j', 'DNAT', '--to-destination', '[fd00::1]:0', '--probability', '1e309', 'statistic', 'recent', '--rcheck', '--set', 'MARK', '--or-mark', '0xZZ', '[1:2]', '-c', '#', 'Chain', 'table ip x {', '\u001b[31m', '…', '(略)', '\t', ' ', ''];
const junkLine = fc.oneof(fc.array(fc.constantFrom(...TOKENS), { maxLength: 12 }).map((t) => t.join(' ')), fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 20 }));

describe('the parser never throws anything but a clear error', () => {
  test.prop([fc.array(junkLine, { maxLength: 30 })], { numRuns: 400 })('token soup', (lines) => {
    try {
      const s = parseSnapshot(lines.join('\n'), 'junk');
      s.describe(s.serviceNames());
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
    }
  });

  const real = fixture('captured', 'iptables-save-of-payload.txt');
  test.prop([fc.array(fc.tuple(fc.nat(real.length), fc.nat(3), fc.string({ maxLength: 3 })), { minLength: 1, maxLength: 8 })], { numRuns: 300 })(
    'a real dump with bytes deleted, replaced and inserted',
    (edits) => {
      let text = real;
      for (const [at, kind, s] of edits) text = kind === 0 ? text.slice(0, at) + text.slice(at + 1) : kind === 1 ? text.slice(0, at) + s + text.slice(at + 1) : text.slice(0, at) + s + text.slice(at);
      try {
        const snap = parseSnapshot(text, 'mutated');
        diffSnapshots(parseSnapshot(real, 'real'), snap);
      } catch (e) {
        expect(e).toBeInstanceOf(InputError);
      }
    },
  );
});
