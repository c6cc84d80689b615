/** An iptables dump — however it was written or wrapped (a log, a listing) — as a Snapshot. */
import type { SnapshotMetadata } from '../../model/metadata';
import { restrictTables } from '../../model/ruleset';
import type { AlikeUnread, Snapshot } from '../../model/snapshot';
import { metadataServiceNames } from '../../snapshot/metadata';
import { partialReason, showsSomePorts } from './completeness';
import type { IptablesDump } from './parse-dump';
import { buildServiceView, mentionedServiceNames } from './services';

/** kube-proxy's iptables chains all begin so (KUBE-SERVICES, KUBE-SVC-…, KUBE-MARK-MASQ…). */
export function isKubeProxyChain(chain: string): boolean {
  return chain.startsWith('KUBE-');
}

export function iptablesSnapshot(dump: IptablesDump, source: string, format: string, metadata: SnapshotMetadata | null, alikeUnread?: AlikeUnread): Snapshot {
  const fragment = showsSomePorts(dump);
  return {
    source,
    format,
    family: dump.family,
    ruleset: dump.ruleset,
    origin: { generator: dump.header.generator, version: dump.header.version, backend: dump.header.backend },
    assumedTable: dump.assumedTable,
    hadCounters: dump.hadCounters,
    countersDigest: dump.countersDigest,
    partial: partialReason(dump, alikeUnread?.keys),
    metadata,
    alikeUnread,
    warnings: dump.warnings,
    modeTables: [dump.assumedTable ?? 'nat'],
    wantsServicePorts: false,
    ownsChain: (_table, chain) => isKubeProxyChain(chain),
    serviceNames: () => new Set([...mentionedServiceNames(dump.ruleset), ...metadataServiceNames(metadata)]),
    describe: (candidateNames, tables) => buildServiceView(tables ? restrictTables(dump.ruleset, tables) : dump.ruleset, { source, candidateNames, fragment, alikeUnread }),
  };
}
