/**
 * An excerpt: a real dump with lines left out by whoever pasted it, marked by a `...` line (as
 * corpus 21, 29 and 30 are). What it left out is unknown, not gone: against the whole dump, a
 * service the excerpt does not show is not compared, never reported added or removed.
 */
import { diffSnapshots } from '../../lib/diff/diff-snapshots';
import { parseSnapshot } from '../../lib/snapshot/load-snapshot';
import { fixture } from '../support/snapshots';

/** The dump with `cut` (lines or whole blocks, matched in the text) replaced by a `...` line. */
function excerpt(text: string, cut: RegExp): string {
  const cutText = text.replace(cut, '\n...\n');
  expect(cutText).not.toBe(text);
  return cutText;
}

describe('a dump with lines left out by hand (`...`)', () => {
  test.each([
    // iptables -S: the heapster service's rules, from KUBE-SERVICES to its endpoint chain.
    ['iptables -S (corpus 27)', '27-gke-2018-iptables-S-nat-loadbalancer-kube-fw.txt', /\n[^\n]*heapster[^\n]*(?:\n[^\n]*heapster[^\n]*)*\n/g, 'kube-system/heapster/tcp'],
    // iptables -L: the NodePort service's chains and rules.
    ['iptables -L (corpus 06)', '06-kubeadm-flannel-nodeport-create-after.txt', /\n[^\n]*(?:nginx-svc|R2VK7O5AFVLRAXSH|WZIMOURZMGKYESDR)[^\n]*(?:\n(?:[^\n]*(?:nginx-svc|R2VK7O5AFVLRAXSH|WZIMOURZMGKYESDR)[^\n]*|target[^\n]*))*\n/g, 'default/nginx-svc/tcp'],
    // nft list, nftables mode: latency-extender's map element, its endpoint and service chains.
    ['nft list (corpus 07)', '07-k3s-nft-kube-proxy-table-9ep-nodeport.txt', /\n[^\n]*latency-extender-svc\/tcp\/http,\n|\n\s*chain endpoint-OLBBPMRA[^}]*}\n\n\s*chain service-LNJAC4UY[^}]*}\n/g, 'riset/latency-extender-svc:http/tcp'],
    // nft list of iptables-nft rules: calico-typha's dispatch rule, service and endpoint chains.
    ['nft list, iptables-nft (corpus 22)', '22-kubeadm-calico-iptables-nft-nft-list-ruleset-nat-worker01.txt', /\n[^\n]*jump KUBE-SVC-RK657RLKDNVNU64O\n|\n\s*chain KUBE-SVC-RK657RLKDNVNU64O[^}]*}\n\n\s*chain KUBE-SEP-T7B34ACBXBTVP7YI[^}]*}\n/g, '10.105.183.5:5473/tcp'],
  ])('%s: the model is not complete, and a service left out is not compared against the whole dump', (_what, file, cut, leftOut) => {
    const whole = fixture('corpus', file);
    const part = parseSnapshot(excerpt(whole, cut), 'excerpt');
    const view = part.describe(part.serviceNames());
    expect(view.model.ports.map((p) => p.key)).not.toContain(leftOut);
    expect(view.model.complete).toBe(false);
    expect(part.partial).toBe('has lines left out by whoever made it (a `...` line): what it does not hold is not compared');
    const services = diffSnapshots(part, parseSnapshot(whole, 'whole')).services;
    expect(services.filter((s) => s.status !== 'unchanged').map((s) => `${s.status} ${s.key}`)).toEqual([`not-compared ${leftOut}`]);
  });
});
