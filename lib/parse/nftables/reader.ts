/** kube-proxy's nftables mode: `nft list table ip|ip6 kube-proxy`, `nft list ruleset`, `-a`, `nft -j`. */
import type { Snapshot } from '../../model/snapshot';
import { metadataServiceNames } from '../../snapshot/metadata';
import { cutReason } from '../iptables/completeness';
import { NftReadCache } from '../nft/read-cache';
import type { Reader } from '../reader';
import { lintNftables } from './lint';
import { traceNftables } from './trace-walk';
import { describeNftables, isKubeProxyTable, looksLikeNftables, nftablesServiceNames, readNftables } from './index';

export const nftablesReader = {
  name: 'nftables' as const,
  reads: "kube-proxy's nftables mode: nft list table ip|ip6 kube-proxy, nft list ruleset, with -a or -j",
  looksLike: (sample) => looksLikeNftables(sample),
  read(text, context): Snapshot {
    const { source, metadata } = context;
    const alike = context.alike?.sharedWithAlike instanceof NftReadCache ? context.alike.sharedWithAlike : undefined;
    const cache = alike ?? new NftReadCache();
    const dump = readNftables(text, { source, allowTruncated: context.allowTruncated, alike, learn: cache });
    const families = new Set(dump.tables.map((t) => t.family));
    const modeTables = dump.tables.filter(isKubeProxyTable).map((t) => `${t.family} ${t.name}`);
    return {
      source,
      format: metadata ? `natdiff snapshot (${dump.format})` : dump.format,
      family: families.size === 1 && families.has('ip6') ? 'ipv6' : 'ipv4',
      ruleset: dump.ruleset,
      origin: { generator: 'nft', version: dump.version, backend: 'nf_tables' },
      assumedTable: null,
      hadCounters: dump.hadCounters,
      partial: cutReason(dump),
      metadata,
      sharedWithAlike: cache,
      warnings: dump.warnings,
      modeTables,
      wantsServicePorts: false,
      ownsChain: (table) => modeTables.includes(table),
      serviceNames: () => new Set([...nftablesServiceNames(dump), ...metadataServiceNames(metadata)]),
      describe: (candidateNames, tables) => describeNftables(dump, { source, candidateNames, tables }),
      lint: () => lintNftables(dump),
      trace: (packet, _table, networks) => traceNftables(dump, packet, networks),
    };
  },
} satisfies Reader;
