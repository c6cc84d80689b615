/**
 * A snapshot file is a dump that stays a valid `iptables-restore` input: what natdiff knows about
 * the capture rides in leading `#` comment lines, as one YAML document between two marker lines.
 * Plain dumps without it load everywhere.
 */
import { parse, stringify } from 'yaml';
import type { Warning } from '../errors';
import { snapshotMetadataSchema, type SnapshotMetadata } from '../model/metadata';
import { parseLeniently, type Damage } from '../parse-leniently';

export const METADATA_VERSION = 1;
export type { SnapshotMetadata };
const BEGIN = '# natdiff snapshot';
const END = '# end natdiff snapshot';

export function encodeMetadata(meta: SnapshotMetadata): string {
  // A capture's command is also its part's: written out twice, not as `&a1` … `*a1` for a reader to chase.
  const yaml = stringify(meta, { lineWidth: 0, aliasDuplicateObjects: false }).trimEnd();
  return [BEGIN, ...yaml.split('\n').map((l) => `# ${l}`), END, ''].join('\n');
}

export interface DecodedMetadata {
  metadata: SnapshotMetadata | null;
  warnings: Warning[];
}

/** One warning per damaged field: the first damage named, the other parts mended there counted. */
function damageWarnings(damage: Damage[], usable: boolean, source: string): Warning[] {
  const byField = new Map<string, Damage[]>();
  for (const d of damage) {
    const same = byField.get(d.field);
    if (same) same.push(d);
    else byField.set(d.field, [d]);
  }
  return [...byField.values()].map((all) => {
    const first = all[0] as Damage;
    const parts = new Set(all.map((d) => d.mended)).size;
    const more = parts > 1 ? ` (and ${parts - 1} more)` : '';
    const where = first.path ? `${first.path}: ` : '';
    return { source, line: 1, message: `snapshot metadata: ${where}${first.problem}${more}; ${usable ? 'ignored' : 'diffing the rules only'}` };
  });
}

/** Reads the header if the text starts with one; a damaged header is a warning, never an error, and what is sound in it is kept. */
export function decodeMetadata(text: string, source: string): DecodedMetadata {
  if (!text.startsWith(BEGIN)) return { metadata: null, warnings: [] };
  const end = text.indexOf(`\n${END}`);
  if (end < 0) return { metadata: null, warnings: [{ source, line: 1, message: 'the natdiff metadata header has no end line; diffing the rules only' }] };
  const yaml = text
    .slice(text.indexOf('\n') + 1, end)
    .split('\n')
    .map((l) => l.replace(/^# ?/, ''))
    .join('\n');
  let value: unknown;
  try {
    value = parse(yaml);
  } catch (e) {
    return { metadata: null, warnings: [{ source, line: 1, message: `the natdiff metadata header cannot be read (${(e as Error).message.split('\n')[0]}); diffing the rules only` }] };
  }
  const { value: metadata, damage } = parseLeniently(snapshotMetadataSchema, value);
  const warnings = damageWarnings(damage, metadata !== null, source);
  if (metadata && metadata.formatVersion > METADATA_VERSION) {
    warnings.unshift({ source, line: 1, message: `snapshot metadata format ${metadata.formatVersion} is newer than this natdiff reads (${METADATA_VERSION}); some of it may be ignored` });
  }
  return { metadata, warnings };
}

/** Service port names the metadata lists: the candidates for naming comment-less chains. */
export function metadataServiceNames(meta: SnapshotMetadata | null): string[] {
  return meta?.servicePorts?.map((p) => p.name) ?? [];
}
