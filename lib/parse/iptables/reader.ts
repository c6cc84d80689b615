/**
 * iptables rules as the tools print them: `iptables-save` (one table or several, with or without
 * counters), `iptables -S`, kube-proxy's restore input, pasted rule lines. The reader of last
 * resort: whatever no other reader claims is tried as iptables rules.
 */
import type { Reader } from '../reader';
import { iptablesFirstPass } from './narrow';
import { parseIptablesDump } from './parse-dump';
import { alikeDumpOf } from './read-cache';
import { iptablesSnapshot } from './snapshot';

export const iptablesReader = {
  name: 'iptables' as const,
  reads: 'iptables-save, iptables -S, kube-proxy restore input, rule lines',
  looksLike: () => true,
  read(text, context) {
    const dump = parseIptablesDump(text, {
      source: context.source,
      assumeTable: context.assumeTable,
      allowTruncated: context.allowTruncated,
      alike: alikeDumpOf(context.alike),
      onProgress: context.onProgress,
      allowEmpty: context.metadata !== null,
      lineNumbers: context.lineNumbers,
    });
    const format = context.metadata ? `natdiff snapshot (${dump.format})` : dump.format;
    return iptablesSnapshot(dump, { source: context.source, format, metadata: context.metadata, alikeUnread: context.alikeUnread, rulesLeftOut: context.rulesLeftOut });
  },
  firstPass: iptablesFirstPass,
} satisfies Reader;
