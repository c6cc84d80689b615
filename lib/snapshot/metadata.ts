/**
 * A snapshot file is a dump that stays a valid `iptables-restore` input: what natdiff knows about
 * the capture rides in leading `#` comment lines, as one YAML document between two marker lines.
 * Plain dumps without it load everywhere.
 */
import { parse, stringify } from 'yaml';
import type { Warning } from '../errors';
import type { SnapshotMetadata } from '../model/metadata';

export const METADATA_VERSION = 1;
export type { SnapshotMetadata };
const BEGIN = '# natdiff snapshot';
const END = '# end natdiff snapshot';

export function encodeMetadata(meta: SnapshotMetadata): string {
  const yaml = stringify(meta, { lineWidth: 0 }).trimEnd();
  return [BEGIN, ...yaml.split('\n').map((l) => `# ${l}`), END, ''].join('\n');
}

export interface DecodedMetadata {
  metadata: SnapshotMetadata | null;
  warnings: Warning[];
}

function isMetadata(value: unknown): value is SnapshotMetadata {
  const m = value as SnapshotMetadata;
  return typeof m === 'object' && m !== null && typeof m.formatVersion === 'number' && typeof m.capturedAt === 'string' && typeof m.source === 'object';
}

/** Reads the header if the text starts with one; a damaged header is a warning, never an error. */
export function decodeMetadata(text: string, source: string): DecodedMetadata {
  if (!text.startsWith(BEGIN)) return { metadata: null, warnings: [] };
  const end = text.indexOf(`\n${END}`);
  if (end < 0) return { metadata: null, warnings: [{ source, line: 1, message: 'the natdiff metadata header has no end line; diffing the rules only' }] };
  const yaml = text
    .slice(text.indexOf('\n') + 1, end)
    .split('\n')
    .map((l) => l.replace(/^# ?/, ''))
    .join('\n');
  try {
    const value: unknown = parse(yaml);
    if (!isMetadata(value)) throw new Error('missing fields');
    if (value.formatVersion > METADATA_VERSION) {
      return { metadata: value, warnings: [{ source, line: 1, message: `snapshot metadata format ${value.formatVersion} is newer than this natdiff reads (${METADATA_VERSION}); some of it may be ignored` }] };
    }
    return { metadata: value, warnings: [] };
  } catch (e) {
    return { metadata: null, warnings: [{ source, line: 1, message: `the natdiff metadata header cannot be read (${(e as Error).message}); diffing the rules only` }] };
  }
}

/** Service port names the metadata lists: the candidates for naming comment-less chains. */
export function metadataServiceNames(meta: SnapshotMetadata | null): string[] {
  return meta?.servicePorts?.map((p) => p.name) ?? [];
}
