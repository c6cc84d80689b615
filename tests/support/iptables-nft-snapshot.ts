/**
 * An iptables-nft listing as a Snapshot, the way the snapshot loader makes one of an iptables dump
 * (lib/snapshot/load-snapshot.ts iptablesSnapshot), with the listing's own service view
 * (describeIptablesNft): what the reader registry will do for this format.
 */
import type { Snapshot } from '../../lib/model/snapshot';
import { partialReason } from '../../lib/parse/iptables/completeness';
import { mentionedServiceNames } from '../../lib/parse/iptables/services';
import { describeIptablesNft, readIptablesNft } from '../../lib/parse/iptables-nft';

export function iptablesNftSnapshot(text: string, source: string, allowTruncated = false): Snapshot {
  const dump = readIptablesNft(text, { source, allowTruncated });
  return {
    source,
    format: dump.format,
    family: dump.family,
    ruleset: dump.ruleset,
    origin: { generator: dump.header.generator, version: dump.header.version, backend: dump.header.backend },
    assumedTable: dump.assumedTable,
    hadCounters: dump.hadCounters,
    partial: partialReason(dump),
    metadata: null,
    warnings: dump.warnings,
    serviceNames: () => mentionedServiceNames(dump.ruleset),
    describe: (candidateNames, tables) => describeIptablesNft(dump, { source, candidateNames, fragment: dump.cutShort }, tables),
  };
}
