/**
 * `iptables -L` listings as snapshots, built the way lib/snapshot/load-snapshot.ts builds one
 * for an iptables dump; the reader registry will serve listings itself, and this goes then.
 */
import { restrictTables } from '../../lib/model/ruleset';
import type { ServiceModel } from '../../lib/model/service';
import type { Snapshot } from '../../lib/model/snapshot';
import { readIptablesList, type ReadOptions } from '../../lib/parse/iptables-list';
import { partialReason } from '../../lib/parse/iptables/completeness';
import { buildServiceView, mentionedServiceNames } from '../../lib/parse/iptables/services';

export function listingSnapshot(text: string, source = 'listing', options: Omit<ReadOptions, 'source'> = {}): Snapshot {
  const dump = readIptablesList(text, { source, ...options });
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
    describe: (candidateNames, tables) => buildServiceView(tables ? restrictTables(dump.ruleset, tables) : dump.ruleset, { source, candidateNames, fragment: dump.cutShort }),
  };
}

export function modelOfSnapshot(s: Snapshot): ServiceModel {
  return s.describe(s.serviceNames()).model;
}
