/**
 * `natdiff snap --node` of a cluster whose kube-proxy runs in IPVS mode, through the real kubectl
 * and the kube-proxy pod (whose `--proxy-mode=ipvs` flag says the mode). IPVS cannot run here (the
 * kernel has no IPVS: `ipvsadm -A` fails with "Protocol not available"): the fake kube-proxy
 * publishes each node's IPVS table and a stand-in `ipvsadm-save`, first on the PATH of the
 * commands the fake API server's exec runs in the node's network namespace, prints it as
 * tests/support/ipvsadm-writer.ts writes it; kube-proxy's IPVS-mode iptables rules and ipsets are
 * loaded there for real.
 */
import { readFileSync } from 'node:fs';
import { parseSnapshot } from '../../lib/snapshot/load-snapshot';
import { natdiffAsync } from '../support/cli';
import { clusterUnavailableReason, useTestCluster } from '../support/fake-cluster';
import { port } from '../support/snapshots';
import { run } from '../support/netns';

const unavailable = clusterUnavailableReason() ?? (run(['sh', '-c', 'command -v ipset']).status === 0 ? null : 'needs ipset on PATH (Debian: apt-get install ipset)');
if (unavailable) console.warn(`skipping IPVS-mode cluster capture tests: ${unavailable}`);
const describeCluster = unavailable ? describe.skip : describe;

describeCluster('natdiff snap of an IPVS-mode node (real kubectl, fake API server, stand-in ipvsadm-save)', () => {
  const shared = useTestCluster({
    kubeProxy: { mode: 'ipvs', shownBy: 'flag' },
    moreServices: [{
      namespace: 'default', name: 'shop', clusterIP: '10.96.130.5', type: 'LoadBalancer', selector: { app: 'web' },
      externalIPs: ['198.51.100.7'], loadBalancerIP: '203.0.113.50', ports: [{ name: 'https', port: 443, targetPort: 8080, protocol: 'TCP', nodePort: 31443 }],
    }],
  });

  test('the mode from the pod flag; ipvsadm-save -n and iptables-save -t nat as two parts; service ports with external and load-balancer IPs, and the node addresses', async () => {
    const r = await natdiffAsync(['snap', '--dir', shared.dir, '--node', 'node-a'], { env: shared.t.env });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^natdiff: kube-proxy mode ipvs: kube-proxy pod kube-system\/kube-proxy-\w+ runs with --proxy-mode=ipvs\n$/);
    const s = parseSnapshot(readFileSync(r.stdout.trim(), 'utf8'), 'snap');
    expect(s.format).toBe('natdiff snapshot (ipvsadm-save -n + iptables-save)');
    const m = s.metadata;
    expect(m).toMatchObject({ kubeProxyMode: 'ipvs', kubeProxyModeDecision: { by: 'flag' }, nodeIPs: ['172.18.0.2'] });
    expect(m?.parts?.map((p) => [p.name, p.command.slice(-3), p.loadWith])).toEqual([
      ['ipvs', ['--', 'ipvsadm-save', '-n'], 'ipvsadm-restore'],
      ['iptables', ['iptables-save', '-t', 'nat'], 'iptables-restore'],
    ]);
    expect(m?.servicePorts).toContainEqual({ name: 'default/shop:https', protocol: 'tcp', clusterIP: '10.96.130.5', port: 443, nodePort: 31443, externalIPs: ['198.51.100.7'], loadBalancerIPs: ['203.0.113.50'] });
    const model = s.describe([]).model;
    expect(model.ports.map((p) => p.key).filter((k) => /^(NODE|EXTERNAL):/.test(k))).toEqual([]);
    expect(port(model, 'default/shop:https/tcp')).toMatchObject({ clusterIP: '10.96.130.5', nodePorts: [31443], externalIPs: ['198.51.100.7'], loadBalancerIPs: ['203.0.113.50'] });
    expect(port(model, 'default/web:http/tcp').nodePorts).toEqual([30080]);
    expect(port(model, 'kube-system/kube-dns:dns/udp').endpoints).toHaveLength(2);
  });

  test('natdiff scale reads the same service model in IPVS mode: coredns 2 → 3 converges, its ports named from the cluster', async () => {
    const r = await natdiffAsync(['scale', 'deployment/coredns', '--replicas', '3', '-n', 'kube-system', '--node', 'node-a', '--dir', shared.dir, '--interval', '200ms', '-o', 'json'], { env: shared.t.env, timeoutMs: 120_000 });
    expect(r.stderr).toMatch(/^natdiff: kube-proxy mode ipvs: kube-proxy pod kube-system\/kube-proxy-\w+ runs with --proxy-mode=ipvs$/m);
    const doc = JSON.parse(r.stdout);
    expect(doc.scale).toMatchObject({ outcome: 'converged', fromReplicas: 2, toReplicas: 3 });
    expect(doc.diff.summary).toMatchObject({ servicesChanged: 3, endpointsAdded: 3, endpointsRemoved: 0 });
  }, 150_000);
});
