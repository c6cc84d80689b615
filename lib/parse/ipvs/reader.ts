/**
 * kube-proxy's IPVS mode: `ipvsadm -Ln` (and its views) and `ipvsadm-save -n`, alone or pasted in
 * one file with the node's `iptables-save` (the nat table of IPVS mode), each part read by its own
 * reader with the whole file's line numbers.
 */
import type { ServicePortInfo } from '../../model/metadata';
import type { ServiceView, Snapshot } from '../../model/snapshot';
import { metadataServiceNames } from '../../snapshot/metadata';
import { parseIptablesDump } from '../iptables/parse-dump';
import { iptablesSnapshot, isKubeProxyChain } from '../iptables/snapshot';
import type { ReadContext, Reader } from '../reader';
import { describeIpvs, holdsIpvsOutput, looksLikeIpvs, readIpvs, splitIpvsParts, type TextPart } from './index';
import { IPVS_TABLE } from './ruleset';
import { traceIpvs } from './trace-walk';

/** The iptables part of a mixed file, read as iptables rules with the file's line numbers. */
function iptablesPart(part: TextPart, context: ReadContext): Snapshot {
  const lineNumbers = part.text.split('\n').map((_, i) => part.firstLine + i);
  const dump = parseIptablesDump(part.text, { source: context.source, allowTruncated: context.allowTruncated, lineNumbers });
  return iptablesSnapshot(dump, { source: context.source, format: dump.format, metadata: null });
}

/**
 * Both parts' views: the services are IPVS's, and the iptables part adds what it finds about its
 * own chains. Its view's warnings speak of the services it would hold (in IPVS mode: that they are
 * in IPVS), which the IPVS part answers.
 */
function joinViews(ipvs: ServiceView, iptables: ServiceView | null): ServiceView {
  if (!iptables) return ipvs;
  return {
    model: ipvs.model,
    chainIdentity: (chain) => ipvs.chainIdentity(chain) ?? iptables.chainIdentity(chain),
    // The services are IPVS's: only its table's rules are accounted for by them.
    ruleAccount: (table, chain, index) => (table === IPVS_TABLE ? ipvs.ruleAccount(table, chain, index) : null),
    findings: [...ipvs.findings, ...iptables.findings],
    warnings: ipvs.warnings,
  };
}

export const ipvsReader = {
  name: 'ipvs' as const,
  reads: "kube-proxy's IPVS mode: ipvsadm -Ln (--stats, --rate, --exact), ipvsadm-save -n, with or without the node's iptables-save",
  looksLike: (sample, text) => looksLikeIpvs(sample) || holdsIpvsOutput(text),
  read(text, context): Snapshot {
    const { source, metadata } = context;
    const parts = splitIpvsParts(text);
    const ipvsPart = parts.ipvs ?? { text, firstLine: 1 };
    const dump = readIpvs(ipvsPart.text, { source, allowTruncated: context.allowTruncated, firstLine: ipvsPart.firstLine });
    const rest = parts.rest ? iptablesPart(parts.rest, context) : null;
    const describe = (tables?: ReadonlySet<string>, servicePorts?: readonly ServicePortInfo[]): ServiceView =>
      joinViews(describeIpvs(dump, { source, servicePorts: metadata?.servicePorts ?? servicePorts, nodeIPs: metadata?.nodeIPs }), rest ? rest.describe([], tables) : null);
    return {
      source,
      format: `${metadata ? 'natdiff snapshot (' : ''}${dump.format}${rest ? ` + ${rest.format}` : ''}${metadata ? ')' : ''}`,
      family: rest?.family ?? 'ipv4',
      ruleset: { tables: new Map([...(rest?.ruleset.tables ?? []), ...dump.ruleset.tables]) },
      origin: { generator: 'ipvsadm', version: dump.ipvsVersion, backend: null },
      assumedTable: rest?.assumedTable ?? null,
      hadCounters: rest?.hadCounters ?? false,
      partial: dump.partial?.reason ?? rest?.partial ?? null,
      metadata,
      warnings: [...(rest?.warnings ?? []), ...dump.warnings],
      modeTables: [IPVS_TABLE, ...(rest?.modeTables ?? [])],
      wantsServicePorts: !metadata?.servicePorts,
      ownsChain: (table, chain) => table === IPVS_TABLE || isKubeProxyChain(chain),
      serviceNames: () => new Set(metadataServiceNames(metadata)),
      describe: (_names, tables, servicePorts) => describe(tables, servicePorts),
      // IPVS itself holds no jumps or names to check (its draining services are the model's): its iptables part's rules.
      lint: () => rest?.lint?.() ?? [],
      trace: (packet) => traceIpvs(dump, packet),
    };
  },
} satisfies Reader;
