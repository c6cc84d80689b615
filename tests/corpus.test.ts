/**
 * Every real dump of the corpus (tests/fixtures/corpus, provenance in its SOURCES.md), read as a
 * user's file is (`parseSnapshot`, then `describe` with the names its rules mention): how it
 * reads (whole, or refused as cut short and read only with allowTruncated), and its service model,
 * one line per port (tests/support/corpus-model.ts), each checked against the dump by hand. A file
 * added to the corpus fails here until it has its entry. Then what particular files pin beyond
 * their lines, and what holds for the whole corpus: each file diffs against itself as no change,
 * and no reader throws anything but an InputError on any of them cut at any byte.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fc, test as prop } from '@fast-check/jest';
import { diffSnapshots } from '../lib/diff/diff-snapshots';
import { InputError } from '../lib/errors';
import type { ServiceModel } from '../lib/model/service';
import { FORMAT_NAMES } from '../lib/parse/format-names';
import { parseSnapshot } from '../lib/snapshot/load-snapshot';
import { readCorpusFile } from './support/corpus-model';
import { fixture, FIXTURES, port } from './support/snapshots';

const FILES = readdirSync(join(FIXTURES, 'corpus')).filter((f) => f.endsWith('.txt')).sort();

/**
 * What natdiff reads from each file. Shares are of new connections, in chain order; `partial`:
 * the model is not complete (a port absent from it is not compared); `unseen`: what the file cannot
 * show (of any port, or of that port); `endpoints not shown`: the file routes to the port but lacks
 * its endpoint rules.
 */
const CORPUS: Record<string, string[]> = {
  '01-eks-echoserver-scale-before.txt': [
    'reads: iptables -L, iptables mode, complete, 1 warning',
    'default/echoserver/tcp 10.100.252.247:80 | 1 endpoint 100%',
    'default/kubernetes:https/tcp 10.100.0.1:443 | 2 endpoints 2 × 50%',
    'kube-system/kube-dns:dns-tcp/tcp 10.100.0.10:53 | 2 endpoints 2 × 50%',
    'kube-system/kube-dns:dns/udp 10.100.0.10:53 | 2 endpoints 2 × 50%',
  ],
  '02-eks-echoserver-scale-after.txt': [
    'reads: iptables -L, iptables mode, complete, 1 warning',
    'default/echoserver/tcp 10.100.252.247:80 | 2 endpoints 2 × 50%',
    'default/kubernetes:https/tcp 10.100.0.1:443 | 2 endpoints 2 × 50%',
    'kube-system/kube-dns:dns-tcp/tcp 10.100.0.10:53 | 2 endpoints 2 × 50%',
    'kube-system/kube-dns:dns/udp 10.100.0.10:53 | 2 endpoints 2 × 50%',
  ],
  '03-k3s-metallb-svc-3pods-etp-cluster-before.txt': [
    'reads: iptables-restore, iptables mode, partial',
    'default/nginx-mlb-l2-service/tcp 10.43.159.55:80 nodePort 30329 LB 10.123.123.100 | 3 endpoints 3 × 33.3%',
  ],
  '04-k3s-metallb-svc-6pods-etp-local-after.txt': [
    'reads: iptables -S, iptables mode, partial (unseen clusterIP, externalIPs, loadBalancerIPs, nodePorts)',
    'default/nginx-mlb-l2-service/tcp 10.43.159.55:80 | 6 endpoints 6 × 16.7% | local: 2 endpoints 2 × 50%',
  ],
  '05-kubeadm-flannel-nodeport-create-before.txt': [
    'reads: iptables -L, iptables mode, complete, 1 warning',
    'default/kubernetes:https/tcp 10.96.0.1:443 | 1 endpoint 100%',
    'kube-system/kube-dns:dns-tcp/tcp 10.96.0.10:53 | 2 endpoints 2 × 50%',
    'kube-system/kube-dns:dns/udp 10.96.0.10:53 | 2 endpoints 2 × 50%',
  ],
  '06-kubeadm-flannel-nodeport-create-after.txt': [
    'reads: iptables -L, iptables mode, complete, 1 warning',
    'default/kubernetes:https/tcp 10.96.0.1:443 | 1 endpoint 100%',
    'default/nginx-svc/tcp 10.108.205.52:80 nodePort 30080 | 1 endpoint 100%',
    'kube-system/kube-dns:dns-tcp/tcp 10.96.0.10:53 | 2 endpoints 2 × 50%',
    'kube-system/kube-dns:dns/udp 10.96.0.10:53 | 2 endpoints 2 × 50%',
  ],
  '07-k3s-nft-kube-proxy-table-9ep-nodeport.txt': [
    'reads: nft list, nftables mode, complete (unseen ipRoles)',
    'default/kubernetes:https/tcp 10.43.0.1:443 | 1 endpoint 100%',
    'kube-system/kube-dns:dns-tcp/tcp 10.43.0.10:53 | 1 endpoint 100%',
    'kube-system/kube-dns:dns/udp 10.43.0.10:53 | 1 endpoint 100%',
    'kube-system/kube-dns:metrics/tcp 10.43.0.10:9153 | 1 endpoint 100%',
    'kube-system/metrics-server:https/tcp 10.43.10.165:443 | 1 endpoint 100%',
    'riset/hellopod-np-svc/tcp 10.43.195.72:8000 nodePort 30000 | 9 endpoints 9 × 11.1%',
    'riset/latency-extender-svc:http/tcp 10.43.34.64:3001 | 1 endpoint 100%',
    'riset/opentelemetry-collector:otlp-http/tcp 10.43.22.243:4318 | 1 endpoint 100%',
    'riset/opentelemetry-collector:otlp/tcp 10.43.22.243:4317 | 1 endpoint 100%',
    'riset/otelcol-opentelemetry-collector:otlp-http/tcp 10.43.21.102:4318 | no endpoints | rejects for lack of endpoints',
    'riset/otelcol-opentelemetry-collector:otlp/tcp 10.43.21.102:4317 | no endpoints | rejects for lack of endpoints',
  ],
  '08-kubeadm-1.32-nft-a-kube-proxy-handles-truncated.txt': [
    'refused (line 1: table ip kube-proxy (opened on line 1) is not closed: the listing looks cut; pass --allow-truncated to diff what is there); with allowTruncated reads: nft list, nftables mode, partial (unseen ipRoles), 2 warnings',
    'default/kubernetes:https/tcp 10.255.0.1:443 | 1 endpoint 100%',
    'home/http-server-external-ip:mainhttp/tcp 10.255.8.50:80 external 10.128.0.25 | no endpoints | endpoints not shown',
    'home/http-server:mainhttp/tcp 10.255.36.158:8000 | 4 endpoints 4 × 25%',
    'ingress-nginx/ingress-nginx-controller-admission:https-webhook/tcp 10.255.233.197:443 | no endpoints | endpoints not shown',
    'ingress-nginx/ingress-nginx-controller:http/tcp 10.255.10.67:80 external 10.128.0.16 | no endpoints | endpoints not shown',
    'ingress-nginx/ingress-nginx-controller:https/tcp 10.255.10.67:443 external 10.128.0.16 | no endpoints | endpoints not shown',
    'kube-system/kube-dns:dns-tcp/tcp 10.255.0.10:53 | no endpoints | endpoints not shown',
    'kube-system/kube-dns:dns/udp 10.255.0.10:53 | no endpoints | endpoints not shown',
    'kube-system/kube-dns:metrics/tcp 10.255.0.10:9153 | no endpoints | endpoints not shown',
  ],
  '09-k8s-1.6era-docker-externalip-physdev-affinity.txt': [
    'reads: iptables-save, iptables mode, complete, 6 warnings',
    'default/ares-k29-bindapp:dns-tcp-53/tcp 10.24.138.29:53 external 10.5.6.29, x.x.x.x | 1 endpoint 100%',
    'default/ares-k29-bindapp:dns-udp-53/udp 10.24.138.29:53 external 10.5.6.29, x.x.x.x | 1 endpoint 100%',
    'default/kubernetes:https/tcp 10.24.0.1:443 | 1 endpoint 100% | affinity 10800s | unknown-destination KUBE-SEP-UPD7ND2TPNSDBE6L',
  ],
  '10-affinity-clientip-nodeport-3ep-before.txt': [
    'reads: iptables-restore, iptables mode, partial',
    'space22pbugsd/yibao-b:yibao-b/tcp 10.100.218.244:13332 nodePort 13332 | 3 endpoints 3 × 33.3% | affinity 10800s',
  ],
  '11-affinity-none-nodeport-3ep-after.txt': [
    'reads: iptables-restore, iptables mode, partial',
    'space22pbugsd/yibao-b:yibao-b/tcp 10.100.218.244:13332 nodePort 13332 | 3 endpoints 3 × 33.3%',
  ],
  '12-k3s-iptables-save-c-counters-noendpoints-reject.txt': [
    'reads: iptables-save, iptables mode, complete',
    'default/kubernetes:https/tcp 10.43.0.1:443 | 1 endpoint 100%',
    'kube-system/kube-dns:dns-tcp/tcp 10.43.0.10:53 | no endpoints | rejects for lack of endpoints',
    'kube-system/kube-dns:dns/udp 10.43.0.10:53 | no endpoints | rejects for lack of endpoints',
    'kube-system/kube-dns:metrics/tcp 10.43.0.10:9153 | no endpoints | rejects for lack of endpoints',
    'kube-system/metrics-server:https/tcp 10.43.40.11:443 | no endpoints | rejects for lack of endpoints',
  ],
  '13-aks-1.30-azure-cni-overlay-etp-local-fragments.txt': [
    'reads: rule lines, iptables mode, partial (unseen nodePorts), 2 findings',
    'app-routing-system/nginx:http/tcp ?:? LB 4.225.209.242 | 2 endpoints 2 × 50% | unseen clusterIP, localEndpoints',
    'app-routing-system/nginx:https/tcp ?:? LB 4.225.209.242 | no endpoints | endpoints not shown | unseen clusterIP',
  ],
  '14-kubeadm-ipvsadm-Ln-4ep-rr.txt': [
    'reads: ipvsadm -Ln, ipvs mode, complete, 1 warning',
    '10.109.155.157:30000/tcp 10.109.155.157:30000 | 4 endpoints 4 × 25%',
    '10.96.0.10:53/tcp 10.96.0.10:53 | 2 endpoints 2 × 50%',
    '10.96.0.10:53/udp 10.96.0.10:53 | 2 endpoints 2 × 50%',
    '10.96.0.10:9153/tcp 10.96.0.10:9153 | 2 endpoints 2 × 50%',
    '10.96.0.1:443/tcp 10.96.0.1:443 | 1 endpoint 100%',
  ],
  '15-ipvsadm-nodeport-10rs-weight0-terminating.txt': [
    'reads: ipvsadm -Ln, ipvs mode, partial (unseen clusterIP, nodePorts, externalIPs, loadBalancerIPs), 1 warning',
    '192.168.1.2:30232/tcp 192.168.1.2:30232 | 10 endpoints 9 × 11.1%, 0% | draining 11.0.4.9:80',
  ],
  '16-cilium-ipvs-leftover-garbled-dnat.txt': [
    'reads: iptables-restore, iptables mode, complete, 8 warnings',
    'default/kubernetes:https/tcp ?:? | 1 endpoint 100% | unknown-destination KUBE-SEP-XDAKEI2XLX7RCSFE | unseen clusterIP',
    'kube-system/kube-dns-upstream:dns-tcp/tcp ?:? | 1 endpoint 100% | unknown-destination KUBE-SEP-DSNLGRBAF2JMR7ZU | unseen clusterIP',
    'kube-system/kube-dns-upstream:dns/udp ?:? | 1 endpoint 100% | unknown-destination KUBE-SEP-Y4ZYYNHOT4MGAPXB | unseen clusterIP',
    'kube-system/kube-dns:dns-tcp/tcp ?:? | 1 endpoint 100% | unknown-destination KUBE-SEP-UJOTF6NNN2ZLINHJ | unseen clusterIP',
    'kube-system/kube-dns:dns/udp ?:? | 1 endpoint 100% | unknown-destination KUBE-SEP-MU7PO7VX34QPS5HP | unseen clusterIP',
    'kube-system/kube-dns:metrics/tcp ?:? | 1 endpoint 100% | unknown-destination KUBE-SEP-5JL6OY6WVFSZ67SX | unseen clusterIP',
    'kube-system/metrics-server/tcp ?:? | 1 endpoint 100% | unknown-destination KUBE-SEP-D4JHMZ4ZLPL2ZYZI | unseen clusterIP',
  ],
  '17-kubeadm-1.23-calico-iptables-mode-nodeport-fragments-before-ipvs.txt': [
    'reads: iptables-restore, iptables mode, partial (unseen clusterIP, externalIPs, loadBalancerIPs)',
    'default/nginx-basic:http/tcp 10.100.49.21:80 nodePort 31195 | 3 endpoints 3 × 33.3%',
  ],
  '18-kubeadm-1.23-calico-ipvs-mode-nat-after-switch.txt': [
    'reads: iptables-save, ipvs mode, partial, 1 warning, 20 findings',
  ],
  '19-kubeadm-1.23-calico-ipvsadm-L-n-after-switch.txt': [
    'reads: ipvsadm -Ln, ipvs mode, complete, 1 warning',
    '10.100.49.21:80/tcp 10.100.49.21:80 | 3 endpoints 3 × 33.3%',
    '10.101.177.188:443/tcp 10.101.177.188:443 | 2 endpoints 2 × 50%',
    '10.96.0.10:53/tcp 10.96.0.10:53 | 2 endpoints 2 × 50%',
    '10.96.0.10:53/udp 10.96.0.10:53 | 2 endpoints 2 × 50%',
    '10.96.0.10:9153/tcp 10.96.0.10:9153 | 2 endpoints 2 × 50%',
    '10.96.0.1:443/tcp 10.96.0.1:443 | 1 endpoint 100%',
    '10.99.180.41:5473/tcp 10.99.180.41:5473 | 1 endpoint 100%',
    '172.17.0.1:31195/tcp 172.17.0.1:31195 | 3 endpoints 3 × 33.3%',
    '192.168.185.0:31195/tcp 192.168.185.0:31195 | 3 endpoints 3 × 33.3%',
    '192.168.191.153:31195/tcp 192.168.191.153:31195 | 3 endpoints 3 × 33.3%',
  ],
  '20-minikube-10ep-svc-chain-list-uneven.txt': [
    'reads: iptables -L, iptables mode, partial (unseen clusterIP, externalIPs, loadBalancerIPs, nodePorts), 2 warnings',
    'default/httpenv/tcp 10.99.85.244:8888 | 10 endpoints 10 × 10%',
  ],
  '21-okd-openshift-sdn-tun0-grep-fragments.txt': [
    'reads: iptables -S, iptables mode, partial (unseen nodePorts), 1 warning',
    'edu25/nginx:http/tcp 172.30.81.39:80 | 5 endpoints 5 × 20%',
    'opensearch/opentelemetry-opentelemetry-operator-webhook/tcp 172.30.199.52:443 | no endpoints | rejects for lack of endpoints',
    'opensearch/opentelemetry-opentelemetry-operator:https/tcp 172.30.17.250:8443 | no endpoints | rejects for lack of endpoints',
    'openshift-machine-api/machine-api-operator-webhook:https/tcp 172.30.70.227:443 | no endpoints | rejects for lack of endpoints',
  ],
  '22-kubeadm-calico-iptables-nft-nft-list-ruleset-nat-worker01.txt': [
    'reads: nft list (iptables-nft), iptables mode, complete, 2 warnings',
    '10.105.183.5:5473/tcp 10.105.183.5:5473 | 1 endpoint 100%',
    '10.107.6.141:443/tcp 10.107.6.141:443 | 2 endpoints 2 × 50%',
    '10.96.0.10:53/tcp 10.96.0.10:53 | 2 endpoints 2 × 50%',
    '10.96.0.10:53/udp 10.96.0.10:53 | 2 endpoints 2 × 50%',
    '10.96.0.10:9153/tcp 10.96.0.10:9153 | 2 endpoints 2 × 50%',
    '10.96.0.1:443/tcp 10.96.0.1:443 | 1 endpoint 100%',
  ],
  '23-kubeadm-calico-iptables-nft-nft-list-ruleset-nat-worker01-after-ingress.txt': [
    'reads: nft list (iptables-nft), iptables mode, complete, 2 warnings',
    '10.105.183.5:5473/tcp 10.105.183.5:5473 | 2 endpoints 2 × 50%',
    '10.107.109.72:443/tcp 10.107.109.72:443 | 1 endpoint 100%',
    '10.107.6.141:443/tcp 10.107.6.141:443 | 2 endpoints 2 × 50%',
    '10.110.103.111:443/tcp 10.110.103.111:443 nodePort 31755 | 1 endpoint 100% | local: 1 endpoint 100%',
    '10.110.103.111:80/tcp 10.110.103.111:80 nodePort 32157 | 1 endpoint 100% | local: 1 endpoint 100%',
    '10.96.0.10:53/tcp 10.96.0.10:53 | 2 endpoints 2 × 50%',
    '10.96.0.10:53/udp 10.96.0.10:53 | 2 endpoints 2 × 50%',
    '10.96.0.10:9153/tcp 10.96.0.10:9153 | 2 endpoints 2 × 50%',
    '10.96.0.1:443/tcp 10.96.0.1:443 | 1 endpoint 100%',
  ],
  '24-kubeadm-2018-weave-docker-iptables-save.txt': [
    'reads: iptables-save, iptables mode, complete',
    'default/kubernetes:https/tcp 10.96.0.1:443 | 1 endpoint 100%',
    'kube-system/kube-dns:dns-tcp/tcp 10.96.0.10:53 | 2 endpoints 2 × 50%',
    'kube-system/kube-dns:dns/udp 10.96.0.10:53 | 2 endpoints 2 × 50%',
  ],
  '25-aks-2019-xlb-local-affinity-node1-no-local-ep.txt': [
    'reads: rule lines, iptables mode, partial',
    'default/redis-nodeport-local-sa/tcp 10.0.199.210:6379 nodePort 30005 | 1 endpoint 100% | drops for lack of local endpoints | affinity 10800s',
  ],
  '26-aks-2019-xlb-local-affinity-node2-has-local-ep.txt': [
    'reads: rule lines, iptables mode, partial',
    'default/redis-nodeport-local-sa/tcp 10.0.199.210:6379 nodePort 30005 | 1 endpoint 100% | local: 1 endpoint 100% | affinity 10800s',
  ],
  '27-gke-2018-iptables-S-nat-loadbalancer-kube-fw.txt': [
    'reads: iptables -S, iptables mode, complete',
    'default/kubernetes:https/tcp 10.51.240.1:443 | 1 endpoint 100% | affinity 10800s',
    'default/php-svc-cluster:http/tcp 10.51.245.210:80 nodePort 31334 LB 35.194.9.137 | 2 endpoints 2 × 50%',
    'kube-system/default-http-backend:http/tcp 10.51.247.208:80 nodePort 30940 | 1 endpoint 100%',
    'kube-system/heapster/tcp 10.51.245.213:80 | 1 endpoint 100%',
    'kube-system/kube-dns:dns-tcp/tcp 10.51.240.10:53 | 2 endpoints 2 × 50%',
    'kube-system/kube-dns:dns/udp 10.51.240.10:53 | 2 endpoints 2 × 50%',
    'kube-system/kubernetes-dashboard/tcp 10.51.254.224:443 | 1 endpoint 100%',
    'kube-system/metrics-server/tcp 10.51.252.202:443 | 1 endpoint 100%',
  ],
  '28-kubeadm-flannel-nodeport-nvL-counters-same-state-as-06.txt': [
    'reads: iptables -L, iptables mode, complete',
    'default/kubernetes:https/tcp 10.96.0.1:443 | 1 endpoint 100%',
    'default/nginx-svc/tcp 10.108.205.52:80 nodePort 30080 | 1 endpoint 100%',
    'kube-system/kube-dns:dns-tcp/tcp 10.96.0.10:53 | 2 endpoints 2 × 50%',
    'kube-system/kube-dns:dns/udp 10.96.0.10:53 | 2 endpoints 2 × 50%',
  ],
  '29-kops-prod-40ep-nodeport-5digit-probability-ladder.txt': [
    'reads: iptables -S, iptables mode, partial, 13 warnings',
    'backend/neo-prod-ccapi-inner-lb:http/tcp 100.71.52.243:80 nodePort 30720 | 40 endpoints 40 × 2.5% | unknown-destination × 38 | endpoints not shown',
  ],
  '30-kubeadm-aws-calico-2019-kuard-10ep-5digit.txt': [
    'reads: rule lines, iptables mode, partial (unseen nodePorts), 2 warnings',
    'default/kuard/tcp 10.97.169.67:80 | 10 endpoints 10 × 10% | unknown-destination × 9 | endpoints not shown',
    'default/kubernetes:https/tcp 10.96.0.1:443 | no endpoints | endpoints not shown',
    'kube-system/calico-etcd/tcp 10.96.232.136:6666 | no endpoints | endpoints not shown',
    'kube-system/kube-dns:dns-tcp/tcp 10.96.0.10:53 | no endpoints | endpoints not shown',
    'kube-system/kube-dns:dns/udp 10.96.0.10:53 | no endpoints | endpoints not shown',
    'kube-system/kubernetes-dashboard/tcp 10.98.144.55:443 | no endpoints | endpoints not shown',
  ],
};

describe('every corpus file: how it reads and its service model', () => {
  test('the table holds every file of the corpus and no other', () => {
    expect(Object.keys(CORPUS).sort()).toEqual(FILES);
  });

  test.each(FILES)('%s', (file) => {
    expect(CORPUS[file]).toBeDefined();
    expect(readCorpusFile(file).lines).toEqual(CORPUS[file]);
  });
});

function load(file: string) {
  const s = parseSnapshot(fixture('corpus', file), file);
  const view = s.describe(s.serviceNames());
  const warnings = [...s.warnings, ...view.warnings].map((w) => w.message);
  return { model: view.model, warnings, findings: view.findings, snapshot: s };
}

const addresses = (m: ServiceModel, key: string) => port(m, key).endpoints.map((e) => e.address);
const shares = (m: ServiceModel, key: string) => port(m, key).endpoints.map((e) => Math.round(e.share * 1e4) / 1e4);
const keys = (m: ServiceModel) => m.ports.map((p) => p.key);

describe('what particular files pin beyond their lines', () => {
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

  test('18 and 19 pasted in one file, either way round (as people paste from IPVS nodes): both parts read', () => {
    const nat = fixture('corpus', '18-kubeadm-1.23-calico-ipvs-mode-nat-after-switch.txt');
    const ipvsadm = fixture('corpus', '19-kubeadm-1.23-calico-ipvsadm-L-n-after-switch.txt');
    for (const text of [nat + ipvsadm, ipvsadm + nat]) {
      const s = parseSnapshot(text, 'node.txt');
      const view = s.describe(s.serviceNames());
      expect(s.format).toBe('ipvsadm -Ln + iptables-save');
      expect(view.model).toEqual(load('19-kubeadm-1.23-calico-ipvsadm-L-n-after-switch.txt').model);
      expect(s.ruleset.tables.get('nat')?.chains.get('KUBE-SERVICES')?.rules).toHaveLength(3);
      expect(view.findings.filter((f) => f.kind === 'stale-chain')).toHaveLength(20);
    }
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

describe('the whole corpus', () => {
  test.each(FILES)('%s diffs against itself as no change', (file) => {
    // Read twice, as two inputs are (a file refused as cut short, with allowTruncated).
    const report = diffSnapshots(readCorpusFile(file).snapshot, readCorpusFile(file).snapshot);
    expect(report.summary.changed).toBe(false);
    expect(report.services.filter((s) => s.status !== 'unchanged').map((s) => `${s.status} ${s.key}`)).toEqual([]);
  });

  const bytes = FILES.map((f) => Buffer.from(fixture('corpus', f), 'utf8'));

  // Cut at any byte (inside a line, a UTF-8 character, a block), read by every reader and by
  // detection, refusing or reading as far as it goes: a clear InputError or a model, never a crash.
  prop.prop([fc.nat(bytes.length - 1), fc.double({ min: 0, max: 1, noNaN: true }), fc.boolean()], { numRuns: 300 })(
    'every reader throws nothing but an InputError on a corpus file cut at any byte',
    (index, at, allowTruncated) => {
      const whole = bytes[index] as Buffer;
      const text = whole.subarray(0, Math.floor(at * whole.length)).toString('utf8');
      for (const format of ['auto', ...FORMAT_NAMES] as const) {
        try {
          const s = parseSnapshot(text, 'cut', { format, allowTruncated });
          s.describe(s.serviceNames());
        } catch (e) {
          expect(e).toBeInstanceOf(InputError);
        }
      }
    },
  );
});
