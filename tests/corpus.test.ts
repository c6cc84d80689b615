/**
 * Every real dump of the corpus (tests/fixtures/corpus, provenance in its SOURCES.md): the ones
 * in iptables-save, -S or restore form parse without an error line and give the service model
 * the file holds; the formats natdiff does not read yet are refused with a message naming them.
 */
import { InputError } from '../lib/errors';
import type { ServiceModel } from '../lib/model/service';
import { parseSnapshot } from '../lib/snapshot/load-snapshot';
import { fixture, port } from './support/snapshots';

function load(file: string) {
  const s = parseSnapshot(fixture('corpus', file), file);
  const view = s.describe(s.serviceNames());
  const warnings = [...s.warnings, ...view.warnings].map((w) => w.message);
  return { model: view.model, warnings, findings: view.findings, snapshot: s };
}

const addresses = (m: ServiceModel, key: string) => port(m, key).endpoints.map((e) => e.address);
const shares = (m: ServiceModel, key: string) => port(m, key).endpoints.map((e) => Math.round(e.share * 1e4) / 1e4);
const keys = (m: ServiceModel) => m.ports.map((p) => p.key);

describe('corpus dumps natdiff reads', () => {
  test('03 k3s MetalLB service, 3 endpoints, externalTrafficPolicy Cluster (grep fragments)', () => {
    const { model, warnings } = load('03-k3s-metallb-svc-3pods-etp-cluster-before.txt');
    expect(warnings).toEqual([]);
    expect(port(model, 'default/nginx-mlb-l2-service/tcp')).toMatchObject({ clusterIP: '10.43.159.55', port: 80, nodePorts: [30329], loadBalancerIPs: ['10.123.123.100'], localEndpoints: null });
    expect(addresses(model, 'default/nginx-mlb-l2-service/tcp')).toEqual(['10.42.0.25:8080', '10.42.1.20:8080', '10.42.1.21:8080']);
    expect(shares(model, 'default/nginx-mlb-l2-service/tcp')).toEqual([0.3333, 0.3333, 0.3333]);
  });

  test('04 the same service scaled to 6, policy Local (-S -v with inline counters)', () => {
    const { model, warnings, snapshot } = load('04-k3s-metallb-svc-6pods-etp-local-after.txt');
    expect(warnings).toEqual([]);
    expect(snapshot.hadCounters).toBe(true);
    const svc = port(model, 'default/nginx-mlb-l2-service/tcp');
    expect(svc.endpoints.map((e) => e.probability)).toEqual([0.16666666651, 0.20000000019, 0.25, 0.33333333349, 0.5, null]);
    expect(shares(model, 'default/nginx-mlb-l2-service/tcp')).toEqual(Array(6).fill(0.1667));
    expect(svc.localEndpoints?.map((e) => [e.address, e.share])).toEqual([['10.42.0.25:8080', 0.5], ['10.42.0.26:8080', 0.5]]);
  });

  test('09 k8s 1.6 era: external IPs with physdev matches, affinity, an edited x.x.x.x address, a cut SEP chain', () => {
    const { model, warnings } = load('09-k8s-1.6era-docker-externalip-physdev-affinity.txt');
    expect(warnings).toHaveLength(6);
    expect(warnings.every((w) => w === '-d x.x.x.x/32 is not an IP address or network')).toBe(true);
    expect(keys(model)).toEqual(['default/ares-k29-bindapp:dns-tcp-53/tcp', 'default/ares-k29-bindapp:dns-udp-53/udp', 'default/kubernetes:https/tcp']);
    expect(port(model, 'default/ares-k29-bindapp:dns-udp-53/udp')).toMatchObject({ clusterIP: '10.24.138.29', externalIPs: ['10.5.6.29', 'x.x.x.x'] });
    const api = port(model, 'default/kubernetes:https/tcp');
    expect(api.affinitySeconds).toBe(10800);
    expect(api.endpoints).toEqual([expect.objectContaining({ address: null, ref: 'KUBE-SEP-UPD7ND2TPNSDBE6L', issues: ['unknown-destination'] })]);
  });

  test('10 ClientIP affinity, NodePort, 5-digit probabilities (uneven shares)', () => {
    const { model, warnings } = load('10-affinity-clientip-nodeport-3ep-before.txt');
    expect(warnings).toEqual([]);
    const svc = port(model, 'space22pbugsd/yibao-b:yibao-b/tcp');
    expect(svc).toMatchObject({ affinitySeconds: 10800, nodePorts: [13332], clusterIP: '10.100.218.244' });
    expect(svc.endpoints.map((e) => e.probability)).toEqual([0.33332999982, 0.5, null]);
    expect(svc.endpoints.map((e) => e.share)).toEqual([0.33333, 0.333335, 0.333335]);
  });

  test('11 the same service with affinity off', () => {
    const { model } = load('11-affinity-none-nodeport-3ep-after.txt');
    expect(port(model, 'space22pbugsd/yibao-b:yibao-b/tcp').affinitySeconds).toBeNull();
  });

  test('12 iptables-save -c of k3s: four tables, services without endpoints in the filter table', () => {
    const { model, warnings, snapshot } = load('12-k3s-iptables-save-c-counters-noendpoints-reject.txt');
    expect(warnings).toEqual([]);
    expect(snapshot.hadCounters).toBe(true);
    expect([...snapshot.ruleset.tables.keys()]).toEqual(['raw', 'mangle', 'nat', 'filter']);
    expect(addresses(model, 'default/kubernetes:https/tcp')).toEqual(['10.0.20.5:6443']);
    for (const key of ['kube-system/kube-dns:dns/udp', 'kube-system/kube-dns:dns-tcp/tcp', 'kube-system/kube-dns:metrics/tcp', 'kube-system/metrics-server:https/tcp']) {
      expect(port(model, key)).toMatchObject({ endpoints: [], noEndpoints: 'reject' });
    }
  });

  test('13 AKS fragments pasted twice: interface-based local detection; the duplicates are unreachable', () => {
    const { model, warnings, findings } = load('13-aks-1.30-azure-cni-overlay-etp-local-fragments.txt');
    expect(warnings).toEqual([]);
    expect(addresses(model, 'app-routing-system/nginx:http/tcp')).toEqual(['10.244.0.203:8080', '10.244.2.1:8080']);
    expect(shares(model, 'app-routing-system/nginx:http/tcp')).toEqual([0.5, 0.5]);
    expect(port(model, 'app-routing-system/nginx:http/tcp').loadBalancerIPs).toEqual(['4.225.209.242']);
    expect(findings.filter((f) => f.kind === 'unreachable-rule')).toHaveLength(2);
  });

  test('16 Cilium + IPVS leftovers: garbled DNAT kept, endpoints unknown, each a warning with its line', () => {
    const { model, warnings } = load('16-cilium-ipvs-leftover-garbled-dnat.txt');
    expect(warnings).toHaveLength(8);
    expect(warnings.filter((w) => /garbled --to-destination/.test(w))).toHaveLength(7);
    expect(warnings).toContain('holds IPVS-mode rules too (ipset matches in KUBE-SERVICES): kube-proxy changed mode on this node and left rules of the other; the iptables-mode services are read');
    expect(model.mode).toBe('iptables');
    expect(port(model, 'default/kubernetes:https/tcp').endpoints[0]?.issues).toEqual(['unknown-destination']);
    expect(keys(model)).toHaveLength(7);
  });

  test('17 kubeadm 1.23 NodePort fragments: node-port masquerade inside the SVC chain', () => {
    const { model, warnings } = load('17-kubeadm-1.23-calico-iptables-mode-nodeport-fragments-before-ipvs.txt');
    expect(warnings).toEqual([]);
    expect(port(model, 'default/nginx-basic:http/tcp')).toMatchObject({ clusterIP: '10.100.49.21', port: 80, nodePorts: [31195] });
    expect(addresses(model, 'default/nginx-basic:http/tcp')).toEqual(['192.168.185.13:80', '192.168.185.14:80', '192.168.185.15:80']);
  });

  test('18 after the switch to IPVS: IPVS mode, whose services the dump cannot show; 20 stale empty chains', () => {
    const { model, warnings, findings } = load('18-kubeadm-1.23-calico-ipvs-mode-nat-after-switch.txt');
    expect(warnings).toEqual(["holds kube-proxy's IPVS-mode rules: its services live in IPVS, which an iptables dump does not show (capture `ipvsadm -Ln` too); its service ports are not compared"]);
    expect(model).toMatchObject({ mode: 'ipvs', complete: false, ports: [] });
    expect(findings.filter((f) => f.kind === 'stale-chain')).toHaveLength(20);
  });

  test('21 OKD fragments: services without endpoints, 5 endpoints just after a scale-up, a cut marker', () => {
    const { model, warnings } = load('21-okd-openshift-sdn-tun0-grep-fragments.txt');
    expect(warnings).toEqual(['lines were cut here by whoever made this file; what is missing cannot be diffed']);
    expect(shares(model, 'edu25/nginx:http/tcp')).toEqual([0.2, 0.2, 0.2, 0.2, 0.2]);
    expect(port(model, 'opensearch/opentelemetry-opentelemetry-operator-webhook/tcp')).toMatchObject({ noEndpoints: 'reject', clusterIP: '172.30.199.52', port: 443 });
  });

  test('24 kubeadm 2018 with Weave: ipset names full of shell characters, escaped quotes in comments', () => {
    const { model, warnings, snapshot } = load('24-kubeadm-2018-weave-docker-iptables-save.txt');
    expect(warnings).toEqual([]);
    expect(keys(model)).toEqual(['default/kubernetes:https/tcp', 'kube-system/kube-dns:dns-tcp/tcp', 'kube-system/kube-dns:dns/udp']);
    const forward = snapshot.ruleset.tables.get('filter')?.chains.get('FORWARD');
    expect(forward?.rules[0]?.comment).toBe("NOTE: this must go before '-j KUBE-FORWARD'");
    expect(snapshot.ruleset.tables.get('filter')?.chains.get('WEAVE-NPC-DEFAULT')?.rules[0]?.key).toContain('weave-;rGqyMIl1HN^cfDki~Z$3]6!N');
  });

  test('25/26 XLB era, Local policy with affinity: the node without a local endpoint drops', () => {
    const node1 = port(load('25-aks-2019-xlb-local-affinity-node1-no-local-ep.txt').model, 'default/redis-nodeport-local-sa/tcp');
    const node2 = port(load('26-aks-2019-xlb-local-affinity-node2-has-local-ep.txt').model, 'default/redis-nodeport-local-sa/tcp');
    expect(node1).toMatchObject({ noLocalEndpoints: true, localEndpoints: null, affinitySeconds: 10800, nodePorts: [30005] });
    expect(node2.noLocalEndpoints).toBe(false);
    expect(node2.localEndpoints?.map((e) => e.address)).toEqual(['10.244.0.4:6379']);
  });

  test('27 GKE iptables -S: the old KUBE-FW chain for a load balancer, affinity to the master', () => {
    const { model, warnings } = load('27-gke-2018-iptables-S-nat-loadbalancer-kube-fw.txt');
    expect(warnings).toEqual([]);
    expect(port(model, 'default/php-svc-cluster:http/tcp')).toMatchObject({ loadBalancerIPs: ['35.194.9.137'], nodePorts: [31334], clusterIP: '10.51.245.210' });
    expect(shares(model, 'default/php-svc-cluster:http/tcp')).toEqual([0.5, 0.5]);
    expect(port(model, 'default/kubernetes:https/tcp')).toMatchObject({ affinitySeconds: 10800 });
    expect(keys(model)).toHaveLength(8);
  });

  test('29 40 endpoints, 5-digit ladder, cut by the poster', () => {
    const { model, warnings } = load('29-kops-prod-40ep-nodeport-5digit-probability-ladder.txt');
    expect(warnings.length).toBeGreaterThan(0);
    expect(warnings.every((w) => /lines were cut here/.test(w))).toBe(true);
    const svc = port(model, 'backend/neo-prod-ccapi-inner-lb:http/tcp');
    expect(svc.endpoints).toHaveLength(40);
    expect(svc.endpoints[0]?.probability).toBe(0.02499999991);
    const total = svc.endpoints.reduce((n, e) => n + e.share, 0);
    expect(total).toBeCloseTo(1, 6);
    expect(Math.max(...svc.endpoints.map((e) => e.share)) - Math.min(...svc.endpoints.map((e) => e.share))).toBeGreaterThan(1e-6);
  });

  test('30 kuard with 10 endpoints (5-digit era): ladder complete, only one endpoint chain pasted', () => {
    const { model } = load('30-kubeadm-aws-calico-2019-kuard-10ep-5digit.txt');
    const svc = port(model, 'default/kuard/tcp');
    expect(svc.endpoints).toHaveLength(10);
    expect(svc.endpoints.filter((e) => e.address !== null).map((e) => e.address)).toEqual(['192.168.236.133:8080']);
  });
});

describe('corpus dumps of other modes read through the reader registry', () => {
  test.each([
    ['01-eks-echoserver-scale-before.txt', 'iptables', 'iptables -L'],
    ['05-kubeadm-flannel-nodeport-create-before.txt', 'iptables', 'iptables -L'],
    ['20-minikube-10ep-svc-chain-list-uneven.txt', 'iptables', 'iptables -L'],
    ['28-kubeadm-flannel-nodeport-nvL-counters-same-state-as-06.txt', 'iptables', 'iptables -L'],
    ['07-k3s-nft-kube-proxy-table-9ep-nodeport.txt', 'nftables', 'nft list'],
    ['22-kubeadm-calico-iptables-nft-nft-list-ruleset-nat-worker01.txt', 'iptables', 'nft list (iptables-nft)'],
    ['14-kubeadm-ipvsadm-Ln-4ep-rr.txt', 'ipvs', 'ipvsadm -Ln'],
    ['15-ipvsadm-nodeport-10rs-weight0-terminating.txt', 'ipvs', 'ipvsadm -Ln'],
    ['19-kubeadm-1.23-calico-ipvsadm-L-n-after-switch.txt', 'ipvs', 'ipvsadm -Ln'],
  ])('%s: %s mode', (file, mode, format) => {
    const { model, snapshot } = load(file);
    expect(model.mode).toBe(mode);
    expect(snapshot.format).toBe(format);
    expect(model.ports.length).toBeGreaterThan(0);
  });

  test('08, an nft -a listing cut short, is refused unless --allow-truncated', () => {
    expect(() => load('08-kubeadm-1.32-nft-a-kube-proxy-handles-truncated.txt')).toThrow(InputError);
    const s = parseSnapshot(fixture('corpus', '08-kubeadm-1.32-nft-a-kube-proxy-handles-truncated.txt'), '08', { allowTruncated: true });
    expect(s.partial).toMatch(/cut short/);
    expect(s.describe(s.serviceNames()).model.mode).toBe('nftables');
  });
});
