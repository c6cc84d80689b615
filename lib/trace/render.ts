/**
 * A trace for people (one screen: the distribution, masquerading, the main paths, what was
 * assumed) and for programs (`-o json`, `-o yaml`). Text from the dump (chain names, messages)
 * is sanitised where the walkers wrote it and again here.
 */
import kleur from 'kleur';
import { joinHostPort } from '../model/addresses';
import type { MasqueradeAnswer, TracePacket, TraceResult } from '../model/trace';
import { sanitizeLine } from '../sanitize';

export const TRACE_FORMAT_VERSION = 1;

/** Paths shown in text before "… and N more". */
const PATHS_SHOWN = 10;

/** The JSON document: `{ formatVersion, destinations, unmatched, masquerade, paths, assumptions }`. */
export function traceDocument(result: TraceResult): Record<string, unknown> {
  return {
    formatVersion: TRACE_FORMAT_VERSION,
    destinations: result.destinations.map((d) => ({ address: d.address, probability: d.probability })),
    unmatched: result.unmatched,
    masquerade: result.masquerade,
    paths: result.paths.map((p) => ({ chains: p.chains.map(sanitizeLine), probability: p.probability, result: p.result, masquerade: p.masquerade })),
    assumptions: result.assumptions.map((a) => ({ chain: a.chain === null ? null : sanitizeLine(a.chain), line: a.line, message: sanitizeLine(a.message) })),
  };
}

export function renderTraceJson(result: TraceResult, pretty: boolean): string {
  return `${JSON.stringify(traceDocument(result), null, pretty ? 2 : undefined)}\n`;
}

/** `33.33%`: two decimals where they say something, none where they do not. */
export function percent(p: number): string {
  return `${Number((p * 100).toFixed(2))}%`;
}

function packetText(p: TracePacket): string {
  const from = p.sourceIp === null ? 'any source' : p.sourceIp;
  return `${joinHostPort(p.destinationIp, p.port)}/${p.protocol} from ${from}${p.local ? ' (sent by the node: nat OUTPUT)' : ''}${p.affinityHit ? `, returning to ${p.affinityHit}` : ''}`;
}

export interface TraceTextOptions {
  color: boolean;
  /** Where the rules came from, for the heading. */
  source: string;
  /** What the rules serve near the packet (lib/trace/trace-snapshot.ts), said when nothing reaches an endpoint. */
  servedNearby?: readonly string[];
}

export function renderTraceText(result: TraceResult, packet: TracePacket, { color, source, servedNearby = [] }: TraceTextOptions): string {
  kleur.enabled = color;
  const k = kleur;
  const out: string[] = [k.bold(`trace ${packetText(packet)} through ${sanitizeLine(source)}`), ''];
  if (result.destinations.length === 0) {
    const to = `${joinHostPort(packet.destinationIp, packet.port)}/${packet.protocol}`;
    if (result.unmatchedBy.untranslated > 0) out.push(`no rule translates ${to}: it leaves nat untranslated, still addressed to ${joinHostPort(packet.destinationIp, packet.port)}`);
    if (servedNearby.length > 0) out.push(`what the rules do serve: ${servedNearby.map(sanitizeLine).join(', ')}`);
    if (out.length > 2) out.push('');
  }
  const rows: [string, string][] = result.destinations.map((d) => [d.address, percent(d.probability)]);
  const by = result.unmatchedBy;
  const fates = (['untranslated', 'dropped', 'rejected', 'loop'] as const).filter((f) => by[f] > 0);
  const noEndpoint = fates.reduce((sum, f) => sum + by[f], 0);
  if (noEndpoint > 0) rows.push([`no endpoint (${fates.map((f) => `${f} ${percent(by[f])}`).join(', ')})`, percent(noEndpoint)]);
  if (by.unknown > 0) rows.push([result.missingChains.length > 0 ? 'unknown: into chains not in the snapshot' : 'unknown: the walk was cut short', percent(by.unknown)]);
  const width = Math.max('DESTINATION'.length, ...rows.map(([a]) => a.length));
  out.push(k.dim(`${'DESTINATION'.padEnd(width)}  PROBABILITY`));
  for (const [address, p] of rows) out.push(`${address.padEnd(width)}  ${p.padStart('PROBABILITY'.length)}`);
  const answer = (m: MasqueradeAnswer): string => (m === 'never' ? m : k.yellow(m));
  const leaving = result.destinations.length > 0 || by.untranslated > 0;
  if (result.masqueradeBySource.length === 0) {
    out.push('', `masquerade: ${answer(result.masquerade)}${leaving ? '' : ' (no packet is known to get through)'}`);
  } else {
    // The paths below are one kind of source's: say so, and what the others get, or the screen contradicts itself.
    out.push('', `masquerade: ${answer(result.masquerade)}, by source:`);
    const width = Math.max(...result.masqueradeBySource.map((m) => m.masquerade.length));
    for (const m of result.masqueradeBySource) {
      const who = m.source === null ? 'a client outside every source network the rules name (the paths below)' : `a source ${m.source}${m.example === null ? '' : `, e.g. --from ${m.example}`}`;
      out.push(`  ${answer(m.masquerade)}${' '.repeat(width - m.masquerade.length)}  ${sanitizeLine(who)}`);
    }
  }
  if (result.paths.length > 0) {
    out.push('', k.bold('paths'));
    for (const p of result.paths.slice(0, PATHS_SHOWN)) {
      out.push(`  ${percent(p.probability).padStart(7)}  ${p.chains.map(sanitizeLine).join(' → ')} ⇒ ${p.result}${p.masquerade ? ' (masquerade)' : ''}`);
    }
    if (result.paths.length > PATHS_SHOWN) out.push(`  … and ${result.paths.length - PATHS_SHOWN} more (-o json lists them all)`);
  }
  if (result.assumptions.length > 0) {
    out.push('', k.bold('assumptions'));
    for (const a of result.assumptions) out.push(`  ${a.chain === null ? '' : `${sanitizeLine(a.chain)}${a.line === null ? '' : ` line ${a.line}`}: `}${sanitizeLine(a.message)}`);
  }
  return `${out.join('\n')}\n`;
}
