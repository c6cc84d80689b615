/**
 * The service model of an iptables-nft listing: the iptables model (buildServiceView) of the
 * translated rules, read without the endpoint lists whose meaning the listing hides. `nft -j`,
 * and `nft list` of an nft built without xtables, print `-m statistic` and `-j DNAT` by name only:
 * a service chain whose ladder or whose endpoints' DNAT is hidden is left out of what the model
 * reads, so its port keeps its entry points and its endpoints read as not shown (never compared),
 * not as one endpoint taking all traffic. So is one whose endpoint chains a cut listing lost.
 * And as nft shows no comments, kube-proxy's "has no local endpoints" DROP rules are found by what
 * they match (the port's node port, or its external IP and port) rather than by their comment, and
 * external and load-balancer IPs, which only comments tell apart, are not compared.
 */
import { joinHostPort } from '../../model/addresses';
import type { ModelField, ServicePort } from '../../model/service';
import type { ServiceView } from '../../model/snapshot';
import { restrictTables, type Table } from '../../model/ruleset';
import type { IptablesRuleset } from '../iptables/parse-dump';
import type { IptablesRule } from '../iptables/rule';
import { buildServiceView, type BuildOptions } from '../iptables/services';
import type { IptablesNftDump } from './read';
import type { XtExtension } from './xt';

type Hidden = IptablesNftDump['hidden'];

const ENDPOINT_LIST_CHAIN = /^KUBE-(?:SVC|SVL|XLB)-/;
const SEP_CHAIN = /^KUBE-SEP-/;

/** What a hidden match on an endpoint jump leaves unknown: anything but a comment, or the affinity check read as one. */
function hidesShare(x: XtExtension): boolean {
  return x.type === 'match' && x.name !== 'comment' && x.name !== 'recent';
}

function hidesDestination(x: XtExtension): boolean {
  return x.type === 'target' && x.name === 'DNAT';
}

/**
 * Endpoint list chains whose shares or endpoint addresses the listing does not show: hidden by
 * nft, or in endpoint chains the listing does not hold (a cut listing read as far as it goes).
 */
function blindChains(ruleset: IptablesRuleset, hidden: Hidden): Set<string> {
  const blind = new Set<string>();
  for (const table of ruleset.tables.values()) {
    const sepUnseen = (name: string): boolean => {
      const sep = table.chains.get(name);
      return !sep || sep.rules.some((r) => hidden.get(r.raw)?.some(hidesDestination));
    };
    for (const chain of table.chains.values()) {
      if (!ENDPOINT_LIST_CHAIN.test(chain.name)) continue;
      for (const r of chain.rules) {
        const target = r.facts.target;
        if (target === null || !SEP_CHAIN.test(target)) continue;
        if (hidden.get(r.raw)?.some(hidesShare) || sepUnseen(target)) {
          blind.add(chain.name);
          break;
        }
      }
    }
  }
  return blind;
}

function without(ruleset: IptablesRuleset, chains: ReadonlySet<string>): IptablesRuleset {
  const tables = new Map<string, Table<IptablesRule>>();
  for (const [name, t] of ruleset.tables) tables.set(name, { ...t, chains: new Map([...t.chains].filter(([c]) => !chains.has(c))) });
  return { tables };
}

/** What kube-proxy's comment-less DROP rules in the filter table's KUBE-EXTERNAL-SERVICES match: `tcp/31443` (a node port), `203.0.113.5:80/tcp`. */
function noLocalEndpointDrops(ruleset: IptablesRuleset): Set<string> {
  const drops = new Set<string>();
  for (const r of ruleset.tables.get('filter')?.chains.get('KUBE-EXTERNAL-SERVICES')?.rules ?? []) {
    const { target, protocol, dport, destination } = r.facts;
    if (target !== 'DROP' || r.comment !== null || protocol === null || dport === null) continue;
    if (destination === null) drops.add(`${protocol}/${dport}`);
    else if (/\/(?:32|128)$/.test(destination)) drops.add(`${joinHostPort(destination.replace(/\/\d+$/, ''), Number(dport))}/${protocol}`);
  }
  return drops;
}

function dropsForLackOfLocal(port: ServicePort, drops: ReadonlySet<string>): boolean {
  if (port.port === null || port.protocol === null) return false;
  const { protocol } = port;
  return port.nodePorts.some((n) => drops.has(`${protocol}/${n}`)) || [...port.externalIPs, ...port.loadBalancerIPs].some((ip) => drops.has(`${joinHostPort(ip, port.port as number)}/${protocol}`));
}

const EXTERNAL_CHAIN = /^KUBE-(?:EXT|FW|XLB)-/;

/** A VIP rule without its comment: whether its IP is an external or a load-balancer IP is not shown. */
function externalRoleUnseen(ruleset: IptablesRuleset): boolean {
  const rules = ruleset.tables.get('nat')?.chains.get('KUBE-SERVICES')?.rules ?? [];
  return rules.some((r) => r.comment === null && r.facts.destination !== null && r.facts.target !== null && EXTERNAL_CHAIN.test(r.facts.target));
}


/** `xt match recent` without its options: which ports keep clients on their endpoint, and for how long, is not shown. */
function hidesAffinity(hidden: Hidden): boolean {
  for (const extensions of hidden.values()) if (extensions.some((x) => x.type === 'match' && x.name === 'recent')) return true;
  return false;
}

/** The service view of an iptables-nft listing (of `tables` only, when given). */
export function describeIptablesNft(dump: IptablesNftDump, options: BuildOptions, tables?: ReadonlySet<string>): ServiceView {
  const ruleset = tables ? restrictTables(dump.ruleset, tables) : dump.ruleset;
  const blind = blindChains(ruleset, dump.hidden);
  const view = buildServiceView(blind.size === 0 ? ruleset : without(ruleset, blind), options);
  const drops = noLocalEndpointDrops(ruleset);
  const ports = view.model.ports.map((p) => (!p.noLocalEndpoints && dropsForLackOfLocal(p, drops) ? { ...p, noLocalEndpoints: true } : p));
  const unseen = new Set<ModelField>(view.model.unseen);
  if (externalRoleUnseen(ruleset)) unseen.add('ipRoles');
  if (hidesAffinity(dump.hidden)) unseen.add('affinity');
  return { ...view, model: { ...view.model, ports, unseen: [...unseen] } };
}
