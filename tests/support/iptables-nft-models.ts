/**
 * Service models of iptables-nft listings and of iptables-save of the same rules, and what of the
 * latter an nft listing can show: shared by the fixture tests and the real-tools test.
 */
import { unnamedPortKey, type Endpoint, type ServiceModel, type ServicePort } from '../../lib/model/service';
import { parseIptablesDump } from '../../lib/parse/iptables/parse-dump';
import { buildServiceView, mentionedServiceNames } from '../../lib/parse/iptables/services';
import { describeIptablesNft, readIptablesNft, type IptablesNftDump } from '../../lib/parse/iptables-nft';

export function readListing(text: string, source = 'nft', allowTruncated = false): IptablesNftDump {
  return readIptablesNft(text, { source, allowTruncated });
}

/** iptables-save of the same rules: its model, and the names it gives (what a diff hands the other side). */
export function saved(text: string): { model: ServiceModel; names: Set<string> } {
  const dump = parseIptablesDump(text, { source: 'save' });
  const names = mentionedServiceNames(dump.ruleset);
  return { model: buildServiceView(dump.ruleset, { source: 'save', candidateNames: names }).model, names };
}

export function listingModel(dump: IptablesNftDump, names: Iterable<string> = []): ServiceModel {
  return describeIptablesNft(dump, { source: 'nft', candidateNames: names, fragment: dump.cutShort }).model;
}

const eps = (list: Endpoint[]): string => `[${list.map((e) => `${e.address} ${e.share}`).join(', ')}]`;

/** One line per port: entry points, endpoints with shares, what else the model says. */
export function modelLines(model: ServiceModel): string[] {
  return model.ports.map((p) =>
    [
      p.key,
      `${p.clusterIP}:${p.port}`,
      p.nodePorts.length > 0 ? `nodePorts ${p.nodePorts.join(',')}` : '',
      p.externalIPs.length > 0 ? `externalIPs ${p.externalIPs.join(',')}` : '',
      p.loadBalancerIPs.length > 0 ? `LB ${p.loadBalancerIPs.join(',')}` : '',
      p.affinitySeconds !== null ? `affinity ${p.affinitySeconds}` : '',
      p.noEndpoints ? `noEndpoints ${p.noEndpoints}` : '',
      p.noLocalEndpoints ? 'noLocalEndpoints' : '',
      p.endpointsShown ? `endpoints ${eps(p.endpoints)}` : 'endpoints not shown',
      p.localEndpoints ? `local ${eps(p.localEndpoints)}` : '',
    ]
      .filter((s) => s !== '')
      .join(' | '),
  );
}

/**
 * iptables-save's model as an nft listing can show it: no comments, so a port known only from its
 * "has no endpoints" rule is known by its address alone (no name, no node port), and external and
 * load-balancer IPs alike (not compared); `-m recent` without options, so no affinity (not compared).
 */
export function asTheListingShowsIt(model: ServiceModel): ServiceModel {
  const byAddress = (p: ServicePort): ServicePort => ({
    ...p, key: unnamedPortKey(p.clusterIP as string, p.port as number, p.protocol), name: null, nodePorts: [], externalIPs: [], loadBalancerIPs: [], unseen: ['nodePorts', 'externalIPs', 'loadBalancerIPs'],
  });
  const ports = model.ports
    .filter((p) => p.refs.length > 0 || (p.noEndpoints !== null && p.clusterIP !== null && p.port !== null))
    .map((p): ServicePort => (p.refs.length === 0 ? byAddress(p) : { ...p, externalIPs: [...p.externalIPs, ...p.loadBalancerIPs].sort(), loadBalancerIPs: [], affinitySeconds: null }))
    .sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
  const affinity = model.ports.some((p) => p.affinitySeconds !== null);
  return { ...model, ports, unseen: [...model.unseen, 'ipRoles', ...(affinity ? (['affinity'] as const) : [])] };
}
