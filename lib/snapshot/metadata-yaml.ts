/**
 * The YAML document of a snapshot's metadata header (metadata.ts frames it in comment lines):
 * written (by `yaml`, as every report is), and read (by js-yaml) against the schema, mending what it
 * can.
 */
import { load } from 'js-yaml';
import { stringify } from 'yaml';
import type { Warning } from '../errors';
import { snapshotMetadataSchema, type SnapshotMetadata } from '../model/metadata';
import { parseLeniently, type Damage } from '../parse-leniently';

export interface DecodedMetadata {
  metadata: SnapshotMetadata | null;
  warnings: Warning[];
}

export function metadataToYaml(meta: SnapshotMetadata): string {
  // A capture's command is also its part's: written out twice, not as `&a1` … `*a1` for a reader to chase.
  return stringify(meta, { lineWidth: 0, aliasDuplicateObjects: false }).trimEnd();
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

/** What is sound in the document; each damage a warning, never an error. */
export function metadataFromYaml(yaml: string, source: string): DecodedMetadata {
  let value: unknown;
  try {
    // js-yaml reads a cluster's header (megabytes at 10,000 services) ten times as fast as `yaml`
    // (0.4 s against 3.9); its default schema is YAML 1.2's core one, as `yaml`'s; a key given twice
    // keeps its last value.
    value = load(yaml, { json: true });
  } catch (e) {
    return { metadata: null, warnings: [{ source, line: 1, message: `the natdiff metadata header cannot be read (${(e as Error).message.split('\n')[0]}); diffing the rules only` }] };
  }
  const { value: metadata, damage } = parseLeniently(snapshotMetadataSchema, value);
  return { metadata, warnings: damageWarnings(damage, metadata !== null, source) };
}
