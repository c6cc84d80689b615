/**
 * One parsed input, whatever its format: its rules, what it says about itself, and how to read
 * its service model. The diff stage sees snapshots only through this interface.
 */
import type { Warning } from '../errors';
import type { LintFinding } from './lint';
import type { ServicePortInfo, SnapshotMetadata } from './metadata';
import type { Ruleset } from './ruleset';
import type { ServiceModel } from './service';
import type { TracePacket, TraceResult } from './trace';
import type { ParsedNetworks } from './trace-sources';

export type FindingKind = 'name-mismatch' | 'unreachable-rule' | 'shares-incomplete' | 'stale-chain';

/** Something worth knowing about one snapshot's rules, independent of the other snapshot. */
export interface Finding {
  kind: FindingKind;
  message: string;
  line: number | null;
}

/**
 * How a service model accounts for a rule: `modelled` — the model holds everything the rule does,
 * so a change to the rule is a change to the model (an endpoint jump, a share diverted, a
 * service's address); `implied` — the dataplane writes the rule for what the model holds, but the
 * model does not hold it (masquerade marks, jumps between one service's own chains).
 */
export type RuleAccount = 'modelled' | 'implied';

/**
 * What a dataplane chain serves, the same in two snapshots when the meaning is the same, so that a
 * chain kube-proxy renamed pairs with its new name. `service` is a service port's key.
 */
export type ChainIdentity =
  /**
   * One of a service port's own chains; `role` tells them apart (the dataplane's name for what it
   * does: iptables `svc`, `svl`, `ext`, `fw`, `xlb`; IPVS `node`, `ext`), `at` the address of a
   * virtual service on another address than the cluster IP (IPVS), else null.
   */
  | { kind: 'service'; service: string; role: string; at: string | null }
  /** An endpoint's chain: the port it serves and the endpoint's address. */
  | { kind: 'endpoint'; service: string; address: string };

/** A chain identity as a map key. */
export function identityKey(id: ChainIdentity): string {
  return id.kind === 'service' ? `${id.role}:${id.service}${id.at === null ? '' : `@${id.at}`}` : `sep:${id.service}@${id.address}`;
}

export interface ServiceView {
  model: ServiceModel;
  /** What a dataplane chain serves; undefined for chains that are only themselves (identified by their name). */
  chainIdentity(chain: string): ChainIdentity | undefined;
  /** How the model accounts for the rule at `index` of a chain; null when it does not. */
  ruleAccount(table: string, chain: string, index: number): RuleAccount | null;
  findings: Finding[];
  warnings: Warning[];
}

/** What two inputs hold written alike and was left unread: unchanged by construction. */
export interface AlikeUnread {
  /** Service ports, and services (`ns/name`), that read alike in both inputs. */
  servicePorts: number;
  services: number;
  /**
   * The reader's own keys for what it left out (iptables: the hash suffix of a service port's
   * chains), so that a rule kept for the rest (a dispatch rule) that routes there is not read as
   * a port whose rules are missing.
   */
  keys: ReadonlySet<string>;
  /**
   * Per table, what the full reading would count as noise that the reading left out: rules of
   * what was left unread written differently in the two inputs (the same meaning), and whether the
   * chains both inputs hold are declared in another order (told of the whole inputs).
   */
  noise?: ReadonlyMap<string, { rulesWrittenDifferently: number; declarationOrder: boolean }>;
}

/**
 * Rules of a chain that was read, left out of the reading all the same: they route to what was
 * left unread, and where they stand cannot change what a packet meets (lib/narrow). Where they
 * stood is kept, so that a change of the chain's order that only they show is still told.
 */
export interface RulesLeftOut {
  table: string;
  chain: string;
  /** The rules left out, in their order, as one digest: equal in two inputs that hold them alike in the same order. */
  digest: string;
  /** For each rule of the chain read (by its line in the input), how many rules left out come before it. */
  before: ReadonlyMap<number, number>;
}

export interface SnapshotOrigin {
  /** The tool that printed the rules and its version (`iptables-nft-save`, `1.8.9`). */
  generator: string | null;
  version: string | null;
  /** `nf_tables`, `legacy`. */
  backend: string | null;
}

export interface Snapshot {
  /** The path (or label) it was read from. */
  source: string;
  /** What kind of input it was, for people: `iptables-save`, `kube-proxy log (restore payload)`… */
  format: string;
  family: 'ipv4' | 'ipv6';
  ruleset: Ruleset;
  origin: SnapshotOrigin;
  /** The table lines outside any `*table` block were put in, when there were any. */
  assumedTable: string | null;
  /** Packet/byte counters were present (they are never compared). */
  hadCounters: boolean;
  /**
   * Why the input holds only part of its tables (a fragment, a partial restore payload, a dump
   * without KUBE-SERVICES), or null: chains absent from a part are unknown, not removed.
   */
  partial: string | null;
  /**
   * Equal for two snapshots whose counters are equal (a hash of them all, in order); absent when
   * the reader keeps none, and then counters present are taken to differ.
   */
  countersDigest?: number;
  /** What natdiff recorded at capture time, when the file is a natdiff snapshot. */
  metadata: SnapshotMetadata | null;
  /**
   * What was left unread because the other input of a diff holds it written alike (lib/narrow):
   * unchanged, and counted as such. Absent when the input was read whole.
   */
  alikeUnread?: AlikeUnread;
  /** Rules of chains read that were left out all the same (see RulesLeftOut); absent when none were. */
  rulesLeftOut?: readonly RulesLeftOut[];
  /**
   * What its reader keeps for reading the other input of a diff alike this one (lib/parse: each
   * reader's own; opaque to every other stage).
   */
  sharedWithAlike?: object;
  warnings: Warning[];
  /** The tables its kube-proxy mode writes rules in: compared rule by rule unless a table is asked for. */
  modeTables: readonly string[];
  /** Whether the chain is kube-proxy's own: across proxy modes such chains differ as the modes do. */
  ownsChain(table: string, chain: string): boolean;
  /** Every service port name the rules mention. */
  serviceNames(): Set<string>;
  /**
   * Its rules name no service port and tell no entry point apart (IPVS without a snapshot's
   * service ports): describe it with the other input's service ports.
   */
  wantsServicePorts: boolean;
  /**
   * The service model; `candidateNames` name the ports whose rules carry no names. With `tables`,
   * only those tables are read (when two snapshots hold different tables). `servicePorts`, for an
   * input that wants them, are the other input's.
   */
  describe(candidateNames: Iterable<string>, tables?: ReadonlySet<string>, servicePorts?: readonly ServicePortInfo[]): ServiceView;
  /**
   * What the rules themselves show is wrong (`natdiff check`): jumps to chains that do not exist,
   * chains nothing reaches, names that are not kube-proxy's hash of what they serve… The service
   * model's own checks are lib/check's; absent for a reader that has nothing to add to them.
   */
  lint?(): LintFinding[];
  /**
   * Where a new connection goes through the rules, as the kernel would send it (its reader walks
   * its own rules); `table` names the table to walk where the mode has several (iptables: nat).
   * Absent for inputs that do not show enough of the rules to walk them (listings); throws
   * InputError when the rules hold nothing to start a trace at. `networks`: those read by the
   * traces of the same run (`--verify` traces every port); a new one by default.
   */
  trace?(packet: TracePacket, table?: string, networks?: ParsedNetworks): TraceResult;
}
