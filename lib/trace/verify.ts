/**
 * `natdiff diff --verify`: the shares a service model reads from the rules' layout, checked
 * against where a trace of the port's cluster IP really sends new connections. A model that reads
 * chain names and ladders can be fooled by rules that do not do what their layout says; the trace
 * walks what they do.
 */
import type { DiffReport, ReportWarning } from '../diff/types';
import { InputError } from '../errors';
import type { ServicePort } from '../model/service';
import { displayName } from '../model/service';
import type { Snapshot } from '../model/snapshot';
import { roundProbability, sortByProbability, type TraceDestination, type TracePacket } from '../model/trace';
import { ParsedNetworks } from '../model/trace-sources';

/** Shares that differ by less than this are equal (the model rounds them to 1e-9). */
export const SHARE_TOLERANCE = 1e-6;

export interface ShareMismatch {
  /** The service port, for people. */
  port: string;
  /** `clusterIP:port/protocol` traced. */
  traced: string;
  /** The model's shares by endpoint address, and what it sends to no endpoint. */
  model: { destinations: TraceDestination[]; unmatched: number };
  trace: { destinations: TraceDestination[]; unmatched: number };
}

/** The model's shares of a port's cluster-wide endpoints, summed by address, as a trace would list them. */
export function modelDistribution(port: ServicePort): { destinations: TraceDestination[]; unmatched: number } {
  const by = new Map<string, number>();
  for (const e of port.endpoints) if (e.address !== null && e.share > 0) by.set(e.address, (by.get(e.address) ?? 0) + e.share);
  const destinations = sortByProbability(
    [...by].map(([address, p]) => ({ address, probability: roundProbability(p) })),
    (d) => d.probability,
    (d) => d.address,
  );
  const sent = destinations.reduce((n, d) => n + d.probability, 0);
  return { destinations, unmatched: roundProbability(Math.max(0, 1 - sent)) };
}

/** A port the rules show whole, reached at a cluster IP, every endpoint's address known: one a trace can check. */
export function verifiable(port: ServicePort): port is ServicePort & { clusterIP: string; port: number; protocol: NonNullable<ServicePort['protocol']> } {
  return port.clusterIP !== null && port.port !== null && port.protocol !== null && port.endpointsShown && port.endpoints.every((e) => e.address !== null);
}

function sameDistribution(a: readonly TraceDestination[], b: readonly TraceDestination[]): boolean {
  const other = new Map(b.map((d) => [d.address, d.probability]));
  return a.length === b.length && a.every((d) => Math.abs(d.probability - (other.get(d.address) ?? -1)) < SHARE_TOLERANCE);
}

/** The packet of a new connection to a port's cluster IP, from a client outside the cluster. */
export function clusterIpPacket(port: { clusterIP: string; port: number; protocol: NonNullable<ServicePort['protocol']> }): TracePacket {
  return { destinationIp: port.clusterIP, port: port.port, protocol: port.protocol, sourceIp: null, nodeIps: null, local: false, affinityHit: null };
}

export interface Verification {
  mismatches: ShareMismatch[];
  /** Ports traced and compared. */
  checked: number;
  /** Ports that could not be: no cluster IP, endpoints not shown, or a path into chains the snapshot lacks. */
  skipped: number;
}

/**
 * The ports whose traced distribution is not the model's. Ports the trace cannot check (no
 * cluster IP, endpoints not shown or without an address, a path into chains the snapshot does not
 * hold) are skipped, as is every port of a snapshot whose reader cannot trace.
 */
export function verifyShares(snapshot: Snapshot, ports: readonly ServicePort[], table?: string): Verification {
  const trace = snapshot.trace?.bind(snapshot);
  const networks = new ParsedNetworks();
  const mismatches: ShareMismatch[] = [];
  let checked = 0;
  for (const port of trace ? ports : []) {
    if (!verifiable(port)) continue;
    const result = (trace as NonNullable<typeof trace>)(clusterIpPacket(port), table, networks);
    if (result.missingChains.length > 0) continue;
    checked++;
    const model = modelDistribution(port);
    if (sameDistribution(result.destinations, model.destinations)) continue;
    mismatches.push({
      port: displayName(port),
      traced: `${port.clusterIP.includes(':') ? `[${port.clusterIP}]` : port.clusterIP}:${port.port}/${port.protocol}`,
      model,
      trace: { destinations: result.destinations, unmatched: result.unmatched },
    });
  }
  return { mismatches, checked, skipped: ports.length - checked };
}

function distributionText(d: { destinations: TraceDestination[]; unmatched: number }): string {
  const parts = d.destinations.map((x) => `${x.address} ${Number((x.probability * 100).toFixed(4))}%`);
  if (d.unmatched > SHARE_TOLERANCE) parts.push(`no endpoint ${Number((d.unmatched * 100).toFixed(4))}%`);
  return parts.length === 0 ? 'nothing' : parts.join(', ');
}

/**
 * `--verify` for a diff: each side's ports (those that changed; with `all`, every one) traced at
 * their cluster IP and compared with the side's model. A mismatch, or a side that cannot be
 * traced at all, is a warning of that side.
 */
export function verifyDiff(sides: { before: Snapshot; after: Snapshot }, report: Pick<DiffReport, 'services'>, all: boolean, table?: string): { warnings: ReportWarning[]; mismatches: number } {
  const warnings: ReportWarning[] = [];
  let mismatches = 0;
  for (const side of ['before', 'after'] as const) {
    const snapshot = sides[side];
    const ports = report.services.filter((s) => all || s.status !== 'unchanged').flatMap((s) => (s[side] ? [s[side]] : []));
    let verification: Verification;
    try {
      verification = verifyShares(snapshot, ports, table);
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      warnings.push({ side, source: snapshot.source, line: null, message: `--verify: cannot trace: ${e.reason}` });
      continue;
    }
    for (const m of verification.mismatches) {
      mismatches++;
      warnings.push({ side, source: snapshot.source, line: null, message: `--verify: ${m.port}: a trace of ${m.traced} sends new connections to ${distributionText(m.trace)}, but its rules' layout says ${distributionText(m.model)}` });
    }
  }
  return { warnings, mismatches };
}
