/**
 * How the nftables-mode service model accounts for the rules of kube-proxy's per-service chains
 * (see RuleAccount): a service or local chain's endpoint pick (a numgen map, a lone DNAT) and an
 * endpoint chain's DNAT are held in full; masquerade marks and an external chain's routes to the
 * service's own chains are kube-proxy's structure; anything else is not held, so its change is
 * always shown.
 */
import { endpointIp } from '../../model/addresses';
import type { Endpoint } from '../../model/service';
import type { RuleAccount } from '../../model/snapshot';
import type { Statement } from '../nft/ast';
import type { NftChain } from '../nft/dump';
import type { NftRule } from '../nft/rule';
import { plainDnat, readPolicy } from './chains';

export const MASQUERADE_CHAIN = 'mark-for-masquerade';

/** A service port's chains, by what they do, and its endpoints. */
export interface PortChains {
  /** Chains that pick an endpoint (cluster-wide and node-local). */
  policy: string[];
  /** Chains that only route to the port's other chains (external, firewall). */
  routes: string[];
  endpoints: Endpoint[];
  protocol: string | null;
}

function meaningful(rule: NftRule): Statement[] {
  return rule.statements.filter((s) => s.kind !== 'counter');
}

function jumpsTo(s: Statement | undefined, targets: readonly string[]): boolean {
  return s?.kind === 'verdict' && (s.verdict === 'jump' || s.verdict === 'goto') && s.target !== null && targets.includes(s.target);
}

/** `ip saddr IP jump mark-for-masquerade`: the endpoint's own traffic coming back to it (hairpin). */
function isHairpin(statements: Statement[], address: string | null): boolean {
  const [match, verdict] = statements;
  if (statements.length !== 2 || match?.kind !== 'match' || !jumpsTo(verdict, [MASQUERADE_CHAIN]) || address === null) return false;
  const saddr = match.left.kind === 'payload' && match.left.field === 'saddr' && match.op === 'eq';
  return saddr && match.right.kind === 'value' && match.right.text === endpointIp(address);
}

/** `meta l4proto PROTO`, for the port's own protocol: it takes all the port's traffic. */
function isOwnProtocol(s: Statement, protocol: string | null): boolean {
  return s.kind === 'match' && s.op === 'eq' && s.left.kind === 'meta' && s.left.key === 'l4proto' && s.right.kind === 'value' && s.right.text === protocol;
}

/** `[meta l4proto PROTO] [update @affinity…] dnat to ADDRESS`, to the endpoint's address. */
function isEndpointDnat(statements: Statement[], rule: NftRule, endpoint: Endpoint, protocol: string | null): boolean {
  if (endpoint.address === null || plainDnat(rule)?.address !== endpoint.address) return false;
  return statements.every((s) => s.kind === 'nat' || s.kind === 'set-op' || isOwnProtocol(s, protocol));
}

/** The account of the rule at `index` of `chain`, for the port whose chain it is (or null: not a port's). */
export function nftRuleAccount(chain: NftChain, index: number, port: PortChains | undefined): RuleAccount | null {
  const rule = chain.rules[index];
  if (!rule || !port) return null;
  const statements = meaningful(rule);
  if (port.policy.includes(chain.name)) {
    if (jumpsTo(statements[statements.length - 1], [MASQUERADE_CHAIN])) return 'implied';
    const content = readPolicy(chain);
    const picks = content.pick?.rule === rule || content.direct?.rule === rule;
    return picks && statements.filter((s) => !isOwnProtocol(s, port.protocol)).length === 1 ? 'modelled' : null;
  }
  if (port.routes.includes(chain.name)) return jumpsTo(statements[statements.length - 1], [MASQUERADE_CHAIN, ...port.policy, ...port.routes]) ? 'implied' : null;
  const endpoint = port.endpoints.find((e) => e.ref === chain.name);
  if (!endpoint) return null;
  if (isHairpin(statements, endpoint.address)) return 'implied';
  return isEndpointDnat(statements, rule, endpoint, port.protocol) ? 'modelled' : null;
}
