/**
 * The bundled snapshots (from the seed articles; provenance in snapshots/README.md) parse
 * without an error line and read as what the articles describe. (Seed 001 holds made-up
 * illustration rules — KUBE-SEP-AAAAAAA, `-s <client CIDRs>` — not a dump, so it is not here.)
 */
import { parseSnapshot } from '../lib/snapshot/load-snapshot';
import { bundled, port } from './support/snapshots';

function load(name: string) {
  const s = parseSnapshot(bundled(name), name);
  const view = s.describe(s.serviceNames());
  return { model: view.model, warnings: [...s.warnings, ...view.warnings].map((w) => w.message), findings: view.findings };
}

const CUT = 'lines were cut here by whoever made this file; what is missing cannot be diffed';

test.each([
  ['coredns-scale-2to4-before.txt', 2],
  ['coredns-scale-2to4-after.txt', 4],
  ['kube-proxy-v5-restore.log', 4],
])('%s: kube-dns has %d endpoints on each port, the API server one', (name, n) => {
  const { model, warnings, findings } = load(name);
  expect(warnings).toEqual([]);
  expect(findings).toEqual([]);
  for (const key of ['kube-system/kube-dns:dns/udp', 'kube-system/kube-dns:dns-tcp/tcp', 'kube-system/kube-dns:metrics/tcp']) {
    expect(port(model, key).endpoints.map((e) => e.share)).toEqual(Array(n).fill(1 / n));
  }
  expect(port(model, 'default/kubernetes:https/tcp').endpoints.map((e) => e.address)).toEqual(['172.18.0.2:6443']);
});

test('nginx-basic, 2 endpoints, with the poster\'s cut marks', () => {
  const { model, warnings } = load('nginx-basic-2-endpoints.txt');
  expect(warnings).toEqual([CUT, CUT, CUT, CUT]);
  expect(port(model, 'default/nginx-basic:http/tcp').endpoints.map((e) => [e.address, e.share])).toEqual([['10.0.0.128:80', 0.5], ['10.0.1.218:80', 0.5]]);
});

test('nginx-basic, 3 endpoints, node port', () => {
  const { model, warnings } = load('nginx-basic-3-endpoints.txt');
  expect(warnings).toEqual([]);
  expect(port(model, 'default/nginx-basic:http/tcp')).toMatchObject({ clusterIP: '10.97.35.60', nodePorts: [30207] });
  expect(port(model, 'default/nginx-basic:http/tcp').endpoints).toHaveLength(3);
});

test.each([
  ['golang-ex-1-endpoint.txt', [1]],
  ['golang-ex-3-endpoints.txt', [0.33333, 0.333335, 0.333335]],
])('%s (an unnamed port of the <= 1.18 era, 5-digit probabilities)', (name, shares) => {
  const { model, warnings, findings } = load(name);
  expect(warnings).toEqual([]);
  expect(findings).toEqual([]);
  expect(port(model, 'myproject/golang-ex/tcp').endpoints.map((e) => e.share)).toEqual(shares);
});
