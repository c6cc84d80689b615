/** An iptables dump — however it was written or wrapped (a log, a listing) — as a Snapshot. */
import type { SnapshotMetadata } from '../../model/metadata';
import { restrictTables } from '../../model/ruleset';
import type { AlikeUnread, RulesLeftOut, Snapshot } from '../../model/snapshot';
import { metadataServiceNames } from '../../snapshot/metadata';
import { partialReason, showsSomePorts } from './completeness';
import { lintIptables } from './lint';
import type { IptablesDump } from './parse-dump';
import { buildServiceView, mentionedServiceNames } from './services';
import { traceIptables } from './trace-walk';

/** kube-proxy's iptables chains all begin so (KUBE-SERVICES, KUBE-SVC-…, KUBE-MARK-MASQ…). */
export function isKubeProxyChain(chain: string): boolean {
  return chain.startsWith('KUBE-');
}

export interface SnapshotOf {
  source: string;
  /** What kind of input it was, for people (Snapshot.format). */
  format: string;
  metadata: SnapshotMetadata | null;
  /** What was left unread, the other input holding it written alike (lib/narrow). */
  alikeUnread?: AlikeUnread;
  rulesLeftOut?: readonly RulesLeftOut[];
}

export function iptablesSnapshot(dump: IptablesDump, { source, format, metadata, alikeUnread, rulesLeftOut }: SnapshotOf): Snapshot {
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
    ...(rulesLeftOut && rulesLeftOut.length > 0 ? { rulesLeftOut } : {}),
    sharedWithAlike: dump.cache,
    warnings: dump.warnings,
    modeTables: [dump.assumedTable ?? 'nat'],
    wantsServicePorts: false,
    ownsChain: (_table, chain) => isKubeProxyChain(chain),
    serviceNames: () => new Set([...mentionedServiceNames(dump.ruleset), ...metadataServiceNames(metadata)]),
    describe: (candidateNames, tables) => buildServiceView(tables ? restrictTables(dump.ruleset, tables) : dump.ruleset, { source, candidateNames, fragment, alikeUnread, cache: dump.cache }),
    lint: () => lintIptables(dump),
    // A listing (`iptables -L`) prints its rules' options in its own words, some of them lost.
    ...(dump.format === 'iptables -L' ? {} : { trace: (packet, table, networks) => traceIptables(dump.ruleset.tables, table ?? dump.assumedTable ?? 'nat', packet, networks) }),
  };
}
