/**
 * kube-proxy's iptables mode on the iptables-nft back end, listed by nft (`nft list ruleset`,
 * `nft list table ip nat`, `-a`, `nft -j`): each rule read as the rule iptables-save prints.
 */
import type { Snapshot } from '../../model/snapshot';
import { metadataServiceNames } from '../../snapshot/metadata';
import { partialReason, showsSomePorts } from '../iptables/completeness';
import { lintIptables } from '../iptables/lint';
import { mentionedServiceNames } from '../iptables/services';
import { isKubeProxyChain } from '../iptables/snapshot';
import type { Reader } from '../reader';
import { describeIptablesNft, looksLikeIptablesNft, readIptablesNft } from './index';

export const iptablesNftReader = {
  name: 'iptables-nft' as const,
  reads: 'nft list ruleset / nft list table ip nat (with -a, or nft -j) of a node running kube-proxy in iptables mode on iptables-nft',
  looksLike: (sample) => looksLikeIptablesNft(sample),
  read(text, context): Snapshot {
    const { source, metadata } = context;
    const dump = readIptablesNft(text, { source, allowTruncated: context.allowTruncated });
    return {
      source,
      format: metadata ? `natdiff snapshot (${dump.format})` : dump.format,
      family: dump.family,
      ruleset: dump.ruleset,
      origin: { generator: dump.header.generator, version: dump.header.version, backend: 'nf_tables' },
      assumedTable: dump.assumedTable,
      hadCounters: dump.hadCounters,
      partial: partialReason(dump),
      metadata,
      warnings: dump.warnings,
      modeTables: ['nat'],
      wantsServicePorts: false,
      ownsChain: (_table, chain) => isKubeProxyChain(chain),
      serviceNames: () => new Set([...mentionedServiceNames(dump.ruleset), ...metadataServiceNames(metadata)]),
      describe: (candidateNames, tables) => describeIptablesNft(dump, { source, candidateNames, fragment: showsSomePorts(dump) }, tables),
      lint: () => lintIptables(dump),
    };
  },
} satisfies Reader;
