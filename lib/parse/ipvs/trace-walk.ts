/**
 * A packet to an IPVS virtual service: the real servers of the service for its address, port and
 * protocol, each with the share its scheduler gives by weight (schedulers.ts, the same shares the
 * service model reads). Masquerading is decided by the node's iptables rules, which kube-proxy
 * keeps apart from the IPVS table: the trace does not read them.
 */
import { joinHostPort } from '../../model/addresses';
import { traceScenarios, type TraceAssumption, type TraceLeaf, type TracePacket, type TraceResult } from '../../model/trace';
import { familyOf } from '../../model/trace-sources';
import { sanitizeLine } from '../../sanitize';
import { equalShares, sharesAssumption, sharesOf } from './schedulers';
import type { IpvsDump } from './types';

const ASSUMED_MASQUERADE: TraceAssumption = {
  chain: null,
  line: null,
  message: "whether IPVS traffic is masqueraded is decided by the node's iptables rules (kube-proxy's KUBE-MARK-MASQ and ipsets), which an IPVS trace does not read: taken as not masqueraded",
};

export function traceIpvs(dump: IpvsDump, packet: TracePacket): TraceResult {
  const service = dump.services.find((s) => s.address.kind === 'address' && s.address.protocol === packet.protocol && s.address.ip === packet.destinationIp && s.address.port === packet.port);
  const chains = service ? [service.name] : [];
  const leaves: TraceLeaf[] = [];
  const assumptions: TraceAssumption[] = [ASSUMED_MASQUERADE];
  if (!service) {
    leaves.push({ chains, probability: 1, outcome: { kind: 'untranslated' }, masquerade: false });
  } else {
    const scheduler = service.scheduling?.scheduler ?? null;
    const weights = service.realServers.map((r) => r.weight ?? 1);
    const shares = scheduler !== null && dump.shows.weights ? sharesOf(scheduler, weights) : equalShares(service.realServers.length);
    const said = scheduler === null ? 'the listing shows no scheduler or weights: real servers taken as sharing equally' : (sharesAssumption(scheduler) ?? `scheduler ${scheduler}: new connections split ${scheduler === 'rr' ? 'equally among real servers of weight > 0' : 'in proportion to weight'} over a cycle`);
    assumptions.push({ chain: service.name, line: service.line, message: sanitizeLine(said) });
    service.realServers.forEach((r, i) => leaves.push({ chains, probability: shares[i] ?? 0, outcome: { kind: 'dnat', address: joinHostPort(r.ip, r.port) }, masquerade: false }));
    const draining = service.realServers.filter((r) => dump.shows.weights && r.weight === 0).map((r) => joinHostPort(r.ip, r.port));
    if (draining.length > 0) assumptions.push({ chain: service.name, line: service.line, message: sanitizeLine(`${draining.join(', ')}: weight 0, draining: given no new connections`) });
    const sent = shares.reduce((n, s) => n + s, 0);
    if (sent < 1 - 1e-9) leaves.push({ chains, probability: 1 - sent, outcome: { kind: 'dropped' }, masquerade: false });
    if (service.scheduling?.persistence && packet.affinityHit !== null) assumptions.push({ chain: service.name, line: service.line, message: 'persistence (session affinity) keeps a returning client on its real server, which the table does not show: traced as a new client' });
  }
  const result = traceScenarios(familyOf(packet.destinationIp), () => ({ leaves, findings: [], missingChains: [] }));
  return { ...result, assumptions };
}
