/**
 * An IPVS table as a ruleset, so the generic chain diff can compare two of them: table `ipvs`,
 * one chain per virtual service (named as `ipvsadm -Ln` names it, `TCP 10.96.0.10:53`), whose
 * rules are its real servers in `ipvsadm-save` syntax. IPVS keeps no order among real servers, so
 * the chains are marked order-insensitive; the service's scheduling is the chain's policy.
 */
import { joinHostPort } from '../../model/addresses';
import type { Chain, Rule, Ruleset, Selector } from '../../model/ruleset';
import type { ForwardMethod, RealServer, Scheduling, VirtualAddress, VirtualService } from './types';

export const IPVS_TABLE = 'ipvs';

/**
 * ipvsadm-save's switch for each forwarding method. `Local` (a real server on the node itself)
 * prints as `-g`, as ipvsadm-save prints it, so a listing and a save of one table compare equal.
 */
const SWITCH: Record<ForwardMethod, string> = { Masq: '-m', Route: '-g', Local: '-g', Tunnel: '-i' };

/** `-t 10.96.0.10:53`, `-u [fd00::a]:53`, `--sctp-service …`, `-f 1`, `-f 1 -6`. */
export function serviceSpec(address: VirtualAddress): string {
  if (address.kind === 'fwmark') return `-f ${address.mark}${address.family === 'ipv6' ? ' -6' : ''}`;
  const option = address.protocol === 'sctp' ? '--sctp-service' : `-${address.protocol[0]}`;
  return `${option} ${joinHostPort(address.ip, address.port)}`;
}

/** The service's options as ipvsadm-save prints them after `-A SERVICE`: `-s rr -p 10800`. */
export function schedulingText(s: Scheduling): string {
  const parts = ['-s', s.scheduler];
  if (s.persistence) {
    parts.push('-p', String(s.persistence.timeout));
    if (s.persistence.mask) parts.push('-M', s.persistence.mask);
    if (s.persistence.engine) parts.push('--pe', s.persistence.engine);
  }
  if (s.onePacket) parts.push('-o');
  if (s.schedulerFlags.length > 0) parts.push('-b', s.schedulerFlags.join(','));
  return parts.join(' ');
}

const NO_SELECTOR: Selector = { address: null, protocol: null, port: null };

/** A real server of a virtual service: `-r ADDRESS FORWARD -w WEIGHT` (what the listing shows of them). */
export class IpvsRule implements Rule {
  readonly key: string;
  readonly pairKey: string;
  readonly text: string;
  readonly comment = null;
  readonly refs: readonly string[] = [];
  readonly selector = NO_SELECTOR;
  readonly line: number;
  readonly raw: string;

  constructor(service: VirtualService, readonly server: RealServer) {
    const forward = server.forward === null ? '' : ` ${SWITCH[server.forward]}`;
    this.pairKey = `-r ${server.address}${forward}`;
    this.key = server.weight === null ? this.pairKey : `${this.pairKey} -w ${server.weight}`;
    this.text = `-a ${serviceSpec(service.address)} ${this.key}`;
    this.line = server.line;
    this.raw = server.raw;
  }

  transientKey(): string {
    return this.key;
  }

  /** A real server is named by its virtual service's address, which a pairing by meaning keeps. */
  textIn(): string {
    return this.text;
  }

  sameAs(other: Rule): boolean {
    return this.key === other.transientKey();
  }
}

/** A virtual service's chain: its real servers, in no order that means anything. */
export interface IpvsChain extends Chain<IpvsRule> {
  readonly ordered: false;
}

export function ipvsRuleset(services: readonly VirtualService[]): Ruleset<IpvsRule> {
  const chains = new Map<string, IpvsChain>();
  for (const s of services) {
    chains.set(s.name, {
      name: s.name,
      policy: s.scheduling ? schedulingText(s.scheduling) : null,
      rules: s.realServers.map((r) => new IpvsRule(s, r)),
      line: s.line,
      ordered: false,
    });
  }
  return { tables: new Map([[IPVS_TABLE, { name: IPVS_TABLE, chains }]]) };
}
