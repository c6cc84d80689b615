/** The README shows what natdiff really prints. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { natdiff, ROOT } from './support/cli';
import { writeRestorePayload, type ClusterSpec } from './support/kube-proxy-writer';
import { scratchDir } from './support/scratch-dir';

const dir = scratchDir('natdiff-readme-');

function sampleAfter(start: string): string | undefined {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  return new RegExp(`\\n\`\`\`text\\n(${start.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[\\s\\S]*?)\`\`\``).exec(readme)?.[1];
}

test('the README sample is the output of `npm run demo`', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const sample = /and prints:\n\n```text\n([\s\S]*?)```/.exec(readme)?.[1];
  const demo = natdiff(['diff', 'snapshots/coredns-scale-2to4-before.txt', 'snapshots/coredns-scale-2to4-after.txt'], { env: { NO_COLOR: '1' } });
  expect(sample).toBe(demo.stdout);
});

test('the README sample of natdiff check is its output on the fixture it names', () => {
  const sample = sampleAfter('natdiff check duplicate-endpoint.txt ');
  const r = natdiff(['check', 'duplicate-endpoint.txt'], { cwd: join(ROOT, 'tests', 'fixtures', 'hand-made', 'check'), env: { NO_COLOR: '1' } });
  expect(sample).toBe(r.stdout);
});

test('the README sample of natdiff drift is its output on three nodes, one still sending to a deleted pod', () => {
  const cluster = (web: string[]): ClusterSpec => ({
    podCIDR: '10.244.0.0/16',
    services: [
      { namespace: 'kube-system', name: 'kube-dns', clusterIP: '10.96.0.10', ports: ['dns', 'dns-tcp'].map((name) => ({ name, port: 53, protocol: name === 'dns' ? ('udp' as const) : ('tcp' as const), endpoints: [{ ip: '10.244.1.2', port: 53 }] })) },
      { namespace: 'default', name: 'web', clusterIP: '10.96.100.20', ports: [{ name: 'http', port: 80, protocol: 'tcp', endpoints: web.map((ip) => ({ ip, port: 8080 })) }] },
    ],
  });
  for (const node of ['node-a', 'node-b']) writeFileSync(join(dir, `${node}.txt`), writeRestorePayload(cluster(['10.244.1.10', '10.244.2.14'])));
  writeFileSync(join(dir, 'node-c.txt'), writeRestorePayload(cluster(['10.244.1.10', '10.244.2.11'])));
  const r = natdiff(['drift', 'node-a.txt', 'node-b.txt', 'node-c.txt'], { cwd: dir, env: { NO_COLOR: '1' } });
  expect(r.status).toBe(1);
  expect(sampleAfter('natdiff drift: 3 nodes:')).toBe(r.stdout);
});

test('the README trace sample is what natdiff trace prints', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const sample = /`natdiff trace snapshots\/coredns-scale-2to4-after\.txt --to 10\.96\.0\.10:53\/udp` prints:\n\n```text\n([\s\S]*?)```/.exec(readme)?.[1];
  const trace = natdiff(['trace', 'snapshots/coredns-scale-2to4-after.txt', '--to', '10.96.0.10:53/udp'], { env: { NO_COLOR: '1' } });
  expect(sample).toBe(trace.stdout);
});

test('the README sections are whole: the trace section follows the drift JSON, and holds its own', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const trace = readme.slice(readme.indexOf('## `natdiff trace`'), readme.indexOf('## Reports'));
  expect(trace).not.toContain('"nodes"');
  expect(trace).toMatch(/```json\n\{\n {2}"formatVersion": 1,\n {2}"destinations"/);
});
