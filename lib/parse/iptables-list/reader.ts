/**
 * `iptables -L -n` listings as a reader of the registry: the listing is read into an iptables
 * dump, which becomes a snapshot as every iptables dump does.
 */
import { iptablesSnapshot } from '../iptables/snapshot';
import type { Reader } from '../reader';
import { looksLikeIptablesList, readIptablesList } from './index';

export const iptablesListReader = {
  name: 'iptables-list' as const,
  reads: 'iptables -L -n listings (-v, -x, --line-numbers; the whole table, one chain, or part of one)',
  looksLike: (sample) => looksLikeIptablesList(sample),
  read(text, context) {
    const dump = readIptablesList(text, { source: context.source, assumeTable: context.assumeTable, allowTruncated: context.allowTruncated });
    return iptablesSnapshot(dump, { source: context.source, format: dump.format, metadata: context.metadata });
  },
} satisfies Reader;
