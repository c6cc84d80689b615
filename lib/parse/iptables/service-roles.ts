/**
 * What a dump's chains and rules are to its service model, asked by the diff for the few chains
 * that differ: which service (or endpoint of one) a chain serves, and how the model accounts for
 * a rule — so a rule change the model does not hold is never taken as told by the service.
 * It keeps the ports and their chain suffixes, not the builder: the view outlives the reading.
 */
import { endpointIp } from '../../model/addresses';
import type { Chain as AnyChain } from '../../model/ruleset';
import type { ServicePort } from '../../model/service';
import type { ChainIdentity, RuleAccount } from '../../model/snapshot';
import { hostOf } from './address';
import { servicePortHash } from './chain-names';
import { displaySpn, parseComment } from './kube-comments';
import { destinationKey, groupOfName, ladderStep, SEP_PREFIX, stepAccount, type ChainLookup } from './ladder';
import type { IptablesRuleset } from './parse-dump';
import type { IptablesRule } from './rule';

type Chain = AnyChain<IptablesRule>;

interface EndpointOwner {
  port: ServicePort;
  address: string | null;
}

/** Endpoint chains no service chain jumps to (fragments, stale chains) are identified by their own content. */
function orphanIdentity(chain: Chain): ChainIdentity | undefined {
  const dnat = chain.rules.find((r) => r.facts.dnat !== null);
  const said = parseComment(chain.rules.find((r) => r.comment)?.comment ?? null);
  const address = dnat?.facts.dnat?.address;
  if (!address || !said || !dnat.facts.protocol) return undefined;
  return { kind: 'endpoint', service: `${displaySpn(said.spn)}/${dnat.facts.protocol}`, address };
}

/**
 * A rule of an endpoint chain: its DNAT is the endpoint (as kube-proxy writes it); the mark that
 * masquerades the endpoint's own traffic coming back to it (hairpin) is structure.
 */
function endpointRuleAccount(rule: IptablesRule, chain: string, owner: EndpointOwner): RuleAccount | null {
  const f = rule.facts;
  if (f.target === 'KUBE-MARK-MASQ') {
    const hairpin = f.complete && f.source !== null && owner.address !== null && hostOf(f.source) === endpointIp(owner.address);
    return hairpin && f.destination === null && f.protocol === null ? 'implied' : null;
  }
  if (f.dnat?.address == null || f.dnat.address !== owner.address) return null;
  if (f.selective || f.goto || (f.protocol !== null && f.protocol !== owner.port.protocol)) return null;
  if (f.recent === null) return f.complete ? 'modelled' : null;
  return f.recent.mode === 'set' && f.recent.name === chain && !f.recent.unusual ? 'modelled' : null;
}

/** A rule of a service's KUBE-EXT or KUBE-FW chain: kube-proxy's structure, or nothing the model reads. */
function structureAccount(rule: IptablesRule, hash: string): RuleAccount | null {
  const f = rule.facts;
  if (f.goto) return null;
  return f.target === 'KUBE-MARK-MASQ' || f.target === 'KUBE-MARK-DROP' || groupOfName(f.target)?.hash === hash ? 'implied' : null;
}

/** A KUBE-SERVICES or KUBE-NODEPORTS rule that sends a service's address and port to its chains. */
function dispatchAccount(rule: IptablesRule, chain: string, port: ServicePort): RuleAccount | null {
  const f = rule.facts;
  if (!f.complete || f.source !== null || f.protocol !== port.protocol || f.dport === null) return null;
  const dport = Number(f.dport);
  if (chain === 'KUBE-NODEPORTS') return f.destination === null && port.nodePorts.includes(dport) ? 'modelled' : null;
  if (f.destination === null || dport !== port.port) return null;
  const address = hostOf(f.destination);
  return address === port.clusterIP || port.externalIPs.includes(address) || port.loadBalancerIPs.includes(address) ? 'modelled' : null;
}

export class ServiceRoles {
  private readonly portOfGroup = new Map<string, ServicePort>();
  private readonly endpointOwner = new Map<string, EndpointOwner>();
  private readonly identities = new Map<string, ChainIdentity | undefined>();

  constructor(
    private readonly ruleset: IptablesRuleset,
    private readonly chains: ChainLookup,
    private readonly hashes: string[],
    private readonly ports: ServicePort[],
  ) {}

  private index(): void {
    if (this.portOfGroup.size > 0 || this.hashes.length === 0) return;
    this.hashes.forEach((hash, i) => {
      const port = this.ports[i] as ServicePort;
      this.portOfGroup.set(hash, port);
      for (const e of [...port.endpoints, ...(port.localEndpoints ?? [])]) if (e.ref) this.endpointOwner.set(e.ref, { port, address: e.address });
    });
  }

  /** A service's chains by their role (`svc`, `ext`, `fw`…), an endpoint's by its address; undefined for other chains. */
  identity(chain: string): ChainIdentity | undefined {
    if (this.identities.has(chain)) return this.identities.get(chain);
    this.index();
    let id: ChainIdentity | undefined;
    const group = groupOfName(chain);
    if (group) {
      const port = this.portOfGroup.get(group.hash);
      if (port) id = { kind: 'service', service: port.key, role: group.kind, at: null };
    } else {
      const owner = this.endpointOwner.get(chain);
      const c = owner || !chain.startsWith(SEP_PREFIX) ? undefined : this.chains(chain);
      id = owner ? { kind: 'endpoint', service: owner.port.key, address: owner.address ?? chain } : c ? orphanIdentity(c) : undefined;
    }
    this.identities.set(chain, id);
    return id;
  }

  /** How the model accounts for the rule at `index` of a chain. */
  account(table: string, chain: string, index: number): RuleAccount | null {
    const rules = this.ruleset.tables.get(table)?.chains.get(chain)?.rules;
    const rule = rules?.[index];
    if (!rules || !rule) return null;
    this.index();
    const group = groupOfName(chain);
    if (group) {
      const port = this.portOfGroup.get(group.hash);
      if (!port) return null;
      if (group.kind === 'ext' || group.kind === 'fw') return structureAccount(rule, group.hash);
      const ctx = { chains: this.chains, protocol: port.protocol, local: group.kind !== 'svc', hash: group.hash };
      const step = ladderStep(ctx, rule);
      // A second rule to the same place only adds to its share: the model does not hold that rule on its own.
      const key = destinationKey(step, rule);
      if (key !== null && rules.slice(0, index).some((r) => destinationKey(ladderStep(ctx, r), r) === key)) return null;
      // Affinity is held per endpoint (an endpoint without it says so): a check for a chain no endpoint has is not held.
      if (step.kind === 'affinity' && !this.endpointOwner.has(step.target)) return null;
      return stepAccount(step, rule, port.affinitySeconds);
    }
    const owner = this.endpointOwner.get(chain);
    if (owner) return endpointRuleAccount(rule, chain, owner);
    const target = groupOfName(rule.facts.target);
    const port = target ? this.portOfGroup.get(target.hash) : undefined;
    if (port && (chain === 'KUBE-SERVICES' || chain === 'KUBE-NODEPORTS')) return dispatchAccount(rule, chain, port);
    return this.noEndpointsAccount(rule);
  }

  /** A "has no endpoints" (or "no local endpoints") rule of a port the model says has none. */
  private noEndpointsAccount(rule: IptablesRule): RuleAccount | null {
    const f = rule.facts;
    const said = parseComment(rule.comment);
    if (!said || !f.complete || f.source !== null || (f.target !== 'DROP' && f.target !== 'REJECT')) return null;
    if (f.protocol !== 'tcp' && f.protocol !== 'udp' && f.protocol !== 'sctp') return null;
    const port = this.portOfGroup.get(servicePortHash(said.spn, f.protocol));
    if (!port) return null;
    if (said.role === 'none') return port.noEndpoints === (f.target === 'DROP' ? 'drop' : 'reject') ? 'modelled' : null;
    return said.role === 'no-local' && port.noLocalEndpoints ? 'modelled' : null;
  }
}
