/**
 * Turns input text into a Snapshot: picks the parser by format, pulls restore payloads out of
 * kube-proxy logs, and refuses formats natdiff does not read yet.
 */
import { InputError } from '../errors';
import type { Snapshot } from '../model/snapshot';
import { detectFormat } from '../parse/detect-format';
import { parseIptablesDump, type IptablesDump } from '../parse/iptables/parse-dump';
import { partialReason } from '../parse/iptables/completeness';
import { buildServiceView, mentionedServiceNames } from '../parse/iptables/services';
import { extractPayloads } from '../parse/kube-proxy-log';
import type { OnProgress } from '../progress';
import type { SnapshotMetadata } from '../model/metadata';
import { restrictTables } from '../model/ruleset';
import { decodeMetadata, metadataServiceNames } from './metadata';
import { readInput } from './read-input';

export interface LoadOptions {
  /** Table for rule lines outside any `*table` block; default nat. */
  assumeTable?: string;
  allowTruncated?: boolean;
  /** Which restore payload of a kube-proxy log (1-based; negative counts from the end). Default: the last. */
  payload?: number;
  /** Skip detection: read the input as this format. */
  format?: 'auto' | 'iptables' | 'kube-proxy-log';
  /** The other snapshot of a diff: what both hold written alike is read once. */
  alike?: Snapshot;
  onProgress?: OnProgress;
}

function iptablesSnapshot(dump: IptablesDump, source: string, format: string, metadata: SnapshotMetadata | null): Snapshot {
  const fragment = dump.format === 'rule lines' || dump.cutShort;
  return {
    source,
    format,
    family: dump.family,
    ruleset: dump.ruleset,
    origin: { generator: dump.header.generator, version: dump.header.version, backend: dump.header.backend },
    assumedTable: dump.assumedTable,
    hadCounters: dump.hadCounters,
    partial: partialReason(dump),
    metadata,
    warnings: dump.warnings,
    serviceNames: () => new Set([...mentionedServiceNames(dump.ruleset), ...metadataServiceNames(metadata)]),
    describe: (candidateNames, tables) => buildServiceView(tables ? restrictTables(dump.ruleset, tables) : dump.ruleset, { source, candidateNames, fragment }),
  };
}

function pickPayload(count: number, wanted: number | undefined, source: string): number {
  if (wanted === undefined) return count - 1;
  const index = wanted < 0 ? count + wanted : wanted - 1;
  if (index < 0 || index >= count) throw new InputError(`holds ${count} restore payload${count === 1 ? '' : 's'}; there is no payload ${wanted}`, source);
  return index;
}

/** Parses input text (already read) as a snapshot. */
export function parseSnapshot(text: string, source: string, options: LoadOptions = {}): Snapshot {
  const detected = !options.format || options.format === 'auto' ? detectFormat(text) : { kind: options.format };
  if (detected.kind === 'unsupported') throw new InputError(detected.message, source);
  const parseOptions = { source, assumeTable: options.assumeTable, allowTruncated: options.allowTruncated, alike: options.alike?.ruleset, onProgress: options.onProgress };
  if (detected.kind === 'kube-proxy-log') {
    const payloads = extractPayloads(text, source);
    const index = pickPayload(payloads.length, options.payload, source);
    const payload = payloads[index] as (typeof payloads)[number];
    const dump = parseIptablesDump(payload.text, { ...parseOptions, lineNumbers: payload.lineNumbers });
    if (payloads.length > 1) {
      dump.warnings.unshift({
        source,
        line: payload.line,
        message: `the log holds ${payloads.length} restore payloads (lines ${payloads.map((p) => p.line).join(', ')}); using payload ${index + 1}, choose another with --payload`,
      });
    }
    return iptablesSnapshot(dump, source, 'kube-proxy log (restore payload)', null);
  }
  const { metadata, warnings } = decodeMetadata(text, source);
  const dump = parseIptablesDump(text, { ...parseOptions, allowEmpty: metadata !== null });
  dump.warnings.unshift(...warnings);
  return iptablesSnapshot(dump, source, metadata ? `natdiff snapshot (${dump.format})` : dump.format, metadata);
}

export function loadSnapshot(path: string, options: LoadOptions = {}): Snapshot {
  return parseSnapshot(readInput(path), path, options);
}
