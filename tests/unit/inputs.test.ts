import { fc, test as prop } from '@fast-check/jest';
import { InputError } from '../../lib/errors';
import { detectReader } from '../../lib/parse/registry';
import { refusal } from '../../lib/parse/refusals';
import { extractPayloads } from '../../lib/parse/kube-proxy-log/payloads';
import { readInputStream } from '../../lib/snapshot/read-input';
import { parseSnapshot } from '../../lib/snapshot/load-snapshot';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { bundled } from '../support/snapshots';

const PAYLOAD = '*nat\n:KUBE-SERVICES - [0:0]\n-A KUBE-SERVICES -m comment --comment "kube-system/kube-dns:dns cluster IP" -m udp -p udp -d 10.96.0.9 --dport 53 -j KUBE-SVC-TCOU7JCQXEZGVUNU\nCOMMIT';

describe('kube-proxy logs', () => {
  test('the seed article\'s -v=5 log: the payload after "Restoring iptables rules:"', () => {
    const payloads = extractPayloads(bundled('kube-proxy-v5-restore.log'), 'kp.log');
    expect(payloads).toHaveLength(1);
    expect(payloads[0]?.text.split('\n')[0]).toBe('*filter');
    expect(payloads[0]?.text.trimEnd().endsWith('COMMIT')).toBe(true);
    expect(payloads[0]?.line).toBe(25);
  });

  test('klog structured, multi-line (rules=< … >), line numbers point into the log', () => {
    const log = ['I0101 00:00:00.000000       1 proxier.go:1500] "Syncing iptables rules"', 'I0101 00:00:00.100000       1 proxier.go:1520] "Restoring iptables" rules=<', ...PAYLOAD.split('\n').map((l) => `\t${l}`), ' >', 'I0101 00:00:00.200000       1 proxier.go:1540] "done"'].join('\n');
    const [p] = extractPayloads(log, 'kp.log');
    expect(p?.text).toBe(PAYLOAD);
    expect(p?.lineNumbers).toEqual([3, 4, 5, 6]);
  });

  test('klog structured, quoted, and JSON logging', () => {
    const quoted = `I0101 00:00:00.100000       1 proxier.go:1520] "Restoring iptables" rules=${JSON.stringify(PAYLOAD)}`;
    const json = JSON.stringify({ ts: 1, msg: 'Restoring iptables', v: 9, rules: PAYLOAD });
    expect(extractPayloads(quoted, 'a')[0]?.text).toBe(PAYLOAD);
    expect(extractPayloads(json, 'b')[0]?.text).toBe(PAYLOAD);
  });

  test('several payloads: the last is used, the others can be picked, and a warning says so', () => {
    const one = `I0101 00:00:00.100000       1 proxier.go:1520] "Restoring iptables" rules=${JSON.stringify(PAYLOAD)}`;
    const two = one.replace('10.96.0.9', '10.96.0.8');
    const s = parseSnapshot(`${one}\n${two}\n`, 'kp.log');
    expect(s.format).toBe('kube-proxy log (restore payload)');
    expect(s.warnings[0]?.message).toMatch(/holds 2 restore payloads \(lines 1, 2\); using payload 2/);
    const first = parseSnapshot(`${one}\n${two}\n`, 'kp.log', { payload: 1 });
    expect(first.describe([]).model.ports[0]?.clusterIP).toBe('10.96.0.9');
    expect(() => parseSnapshot(`${one}\n`, 'kp.log', { payload: 3 })).toThrow('kp.log: holds 1 restore payload; there is no payload 3');
  });

  test('a log without a payload says how to get one', () => {
    expect(() => parseSnapshot('I0101 00:00:00.000000       1 proxier.go:1500] "Syncing iptables rules"\n', 'kp.log')).toThrow(/raise kube-proxy's verbosity/);
  });
});

/** Reads these chunks as a stream would give them. */
const read = (chunks: Buffer[], source: string) => readInputStream(Readable.from(chunks, { objectMode: false }), source);

describe('what is not a dump', () => {
  test.each([
    ['apiVersion: v1\nkind: Service\n', /Kubernetes manifest/],
    ['{"a": 1}\n', /JSON/],
    ['<!DOCTYPE html>\n<html>', /HTML page/],
    ['Name: KUBE-CLUSTER-IP\nType: hash:ip,port\n', /ipset list/],
  ])('%j', (text, message) => {
    expect(refusal(text)).toMatch(message);
    expect(() => detectReader(text, 'x')).toThrow(InputError);
  });

  test.each([
    ['*nat\n:KUBE-SERVICES - [0:0]\nCOMMIT\n', 'iptables'],
    ['I0101 00:00:00.000000       1 proxier.go:1500] "Syncing iptables rules"\n', 'kube-proxy-log'],
    ['table ip kube-proxy {\n}\n', 'nftables'],
    ['-A -t 10.0.0.1:443 -s rr\n', 'ipvs'],
    ['IP Virtual Server version 1.2.1 (size=4096)\n', 'ipvs'],
    ['*nat\n:KUBE-SERVICES - [0:0]\nCOMMIT\nIP Virtual Server version 1.2.1 (size=4096)\n', 'ipvs'],
  ])('the registry gives %j to the %s reader', (text, name) => {
    expect(detectReader(text, 'x').name).toBe(name);
  });

  test.each([
    [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a]), 'x.png: is a PNG image, not a dump'],
    [Buffer.from([0x41, 0x00, 0x42]), 'x.png: is a binary file, not a dump'],
    [Buffer.from([0xc3, 0x28, 0x41]), 'x.png: is not UTF-8 text, so not a dump'],
    [Buffer.alloc(0), 'x.png: is empty'],
  ])('bytes %#', async (bytes, message) => {
    await expect(read([bytes], 'x.png')).rejects.toThrow(new InputError(message.replace('x.png: ', ''), 'x.png'));
  });

  test('a gzip-compressed dump is read as the dump', async () => {
    expect(await read([gzipSync(Buffer.from('-A X -j RETURN\n'))], 'd.gz')).toBe('-A X -j RETURN\n');
  });
});

describe('text read in chunks', () => {
  /** The bytes cut at these points (a stream may cut anywhere, even inside a character). */
  const cut = (bytes: Buffer, points: number[]): Buffer[] => {
    const at = [...new Set(points.map((p) => p % (bytes.length + 1)))].sort((a, b) => a - b);
    return [...at, bytes.length].map((end, i) => bytes.subarray(i === 0 ? 0 : (at[i - 1] as number), end));
  };
  const text = fc.string({ unit: 'grapheme', minLength: 1 }).filter((s) => !s.startsWith('\uFEFF') && !s.includes('\0'));

  prop.prop([text, fc.array(fc.nat(), { maxLength: 8 }), fc.boolean()], { numRuns: 200 })('reads back as written, compressed or not, wherever the chunks are cut', async (s, points, compressed) => {
    const bytes = Buffer.from(s, 'utf8');
    expect(await read(cut(compressed ? gzipSync(bytes) : bytes, points), 't')).toBe(s);
  });

  prop.prop([text, fc.nat(), fc.array(fc.nat(), { maxLength: 8 })], { numRuns: 200 })('invalid UTF-8 anywhere is refused, wherever the chunks are cut', async (s, at, points) => {
    const bytes = Buffer.from(s, 'utf8');
    const cutAt = at % (bytes.length + 1);
    const broken = Buffer.concat([bytes.subarray(0, cutAt), Buffer.from([0xc3, 0x28]), bytes.subarray(cutAt)]);
    await expect(read(cut(broken, points), 't')).rejects.toThrow(new InputError('is not UTF-8 text, so not a dump', 't'));
  });
});
