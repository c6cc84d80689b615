/**
 * The YAML document of a snapshot's metadata header (metadata.ts frames it in comment lines):
 * written and read by js-yaml (at 10,000 services the header is megabytes: js-yaml writes it in a
 * third of `yaml`'s time and reads it in a tenth), read against the schema, mending what it can.
 */
import { DEFAULT_SCALAR_STYLE_RULES, dump, load, SCALAR_STYLE, type DumpOptions, type ScalarLayout } from 'js-yaml';
import type { Warning } from '../errors';
import { snapshotMetadataSchema, type SnapshotMetadata } from '../model/metadata';
import { parseLeniently, type Damage } from '../parse-leniently';

export interface DecodedMetadata {
  metadata: SnapshotMetadata | null;
  warnings: Warning[];
}

/** Text with a line break in double quotes (`"a\nb"`), as js-yaml writes the other strings it cannot leave plain. */
function quotedOnOneLine(layout: ScalarLayout): void {
  if (layout.style === SCALAR_STYLE.PLAIN && layout.node.value.includes('\n')) layout.style = SCALAR_STYLE.DOUBLE_QUOTED;
}

/**
 * Plain YAML that js-yaml and `yaml` (which read headers before) read back alike: a capture's
 * command, which is also its part's, written out twice (no `&ref_0` … `*ref_0` for a reader to
 * chase); no line folded; every value on a line of its own, a text with line breaks too (no
 * block scalar, whose lines a reader would have to tell from the header's, and whose kept trailing
 * lines would end the document with `...`). A field left undefined is left out, as in JSON.
 */
const HEADER_YAML: DumpOptions = {
  noRefs: true,
  lineWidth: -1,
  skipInvalid: true,
  scalarStyleRules: Object.values(DEFAULT_SCALAR_STYLE_RULES).map((rule) => (rule === DEFAULT_SCALAR_STYLE_RULES.tryLongOrMultilineAsBlock ? quotedOnOneLine : rule)),
};

/** The document, ending in a newline; fields in the order the metadata has them. */
export function metadataToYaml(meta: Partial<SnapshotMetadata>): string {
  return dump(meta, HEADER_YAML);
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
