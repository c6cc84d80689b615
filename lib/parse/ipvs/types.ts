/**
 * What an `ipvsadm` listing or `ipvsadm-save` holds: virtual services and their real servers, as
 * ipvsadm prints them. Runtime columns (connections, `--stats`, `--rate`) are kept as printed and
 * never compared.
 */
import type { Warning } from '../../errors';
import type { Ruleset } from '../../model/ruleset';
import type { Family } from '../iptables/address';
import type { IpvsRule } from './ruleset';

export type IpvsProtocol = 'tcp' | 'udp' | 'sctp';

/** What a virtual service listens on: an address and port of one protocol, or a firewall mark. */
export type VirtualAddress =
  | { kind: 'address'; protocol: IpvsProtocol; ip: string; port: number; family: Family }
  | { kind: 'fwmark'; mark: number; family: Family };

/** ipvsadm's forwarding methods (`-Ln` column / `ipvsadm-save` switch). */
export type ForwardMethod = 'Masq' | 'Route' | 'Tunnel' | 'Local';

/** A service's scheduling, as `-Ln` prints it after the address (and `ipvsadm-save` as options). */
export interface Scheduling {
  /** `rr`, `wrr`, `lc`, `sh`, `mh`… */
  scheduler: string;
  /** `sh-port`, `mh-fallback`, `flag-1`… (`-b`), sorted. */
  schedulerFlags: string[];
  /** Persistence (`persistent N` / `-p N`): kube-proxy's ClientIP session affinity. */
  persistence: { timeout: number; mask: string | null; engine: string | null } | null;
  /** One-packet scheduling (`ops` / `-o`). */
  onePacket: boolean;
}

export interface RealServer {
  /** `ip:port`, `[ipv6]:port`, in canonical form. */
  address: string;
  ip: string;
  port: number;
  /** Null when the listing does not show it (`--stats`, `--rate`, `--thresholds`). */
  forward: ForwardMethod | null;
  /** Null when the listing does not show it (`--stats`, `--rate`, `--thresholds`). */
  weight: number | null;
  /** Tunnel type and options (`--tun-info` column, or `--tun-type …` in ipvsadm-save), when shown. */
  tunnel: string | null;
  /** Runtime columns by their header name (`ActiveConn`, `InBytes`…), as printed: never compared. */
  counters: Record<string, string>;
  line: number;
  /** The line as written, without its runtime columns. */
  raw: string;
}

export interface VirtualService {
  /** `TCP 10.96.0.10:53`, `UDP [fd00::a]:53`, `FWM 1`, `FWM 1 IPv6`: its identity in the dump. */
  name: string;
  address: VirtualAddress;
  /** Null when the listing does not show it (`--stats`, `--rate`). */
  scheduling: Scheduling | null;
  realServers: RealServer[];
  counters: Record<string, string>;
  line: number;
  raw: string;
}

/** The ipvsadm output a text is. */
export type IpvsFormat =
  | 'ipvsadm -Ln'
  | 'ipvsadm -Ln --stats'
  | 'ipvsadm -Ln --rate'
  | 'ipvsadm -Ln --thresholds'
  | 'ipvsadm -Ln --persistent-conn'
  | 'ipvsadm-save -n';

export interface IpvsDump {
  source: string;
  /** The first listing's format (a file can hold several; see `formats`). */
  format: IpvsFormat;
  formats: IpvsFormat[];
  /** `1.2.1` from `IP Virtual Server version 1.2.1 (size=4096)`, when printed. */
  ipvsVersion: string | null;
  /** Sorted by name (real servers by address): ipvsadm sorts, `--nosort` does not, and order means nothing in IPVS. A service listed twice (`-Ln`, then `--stats`) is one. */
  services: VirtualService[];
  /** What the listing shows of each service: `--stats`/`--rate` show neither scheduling nor weights. */
  shows: { scheduling: boolean; weights: boolean };
  /**
   * Why the input holds only part of the table, or null: `ipvsadm -L -t SERVICE` lists one
   * virtual service; a listing cut short (--allow-truncated) lacks what the cut hid.
   */
  partial: { kind: 'one-service' | 'cut-short'; reason: string } | null;
  /** Real servers and virtual services as a ruleset: table `ipvs`, one chain per virtual service. */
  ruleset: Ruleset<IpvsRule>;
  warnings: Warning[];
}
