/**
 * A snapshot file is a dump that stays a valid `iptables-restore` input: what natdiff knows about
 * the capture rides in leading `#` comment lines, as one YAML document between two marker lines.
 * Plain dumps without it load everywhere.
 */
import type { SnapshotMetadata, SnapshotPart } from '../model/metadata';
import type { DecodedMetadata } from './metadata-yaml';

export const METADATA_VERSION = 1;
export type { SnapshotMetadata };
const BEGIN = '# natdiff snapshot';
const END = '# end natdiff snapshot';

/** The YAML and schema code, loaded only for a header: both are slow to load, and most inputs are plain dumps. */
const yamlCode = () => require('./metadata-yaml') as typeof import('./metadata-yaml');

/** A YAML document as the header's comment lines (its last value may end in a blank of Unicode's, which trimEnd would take). */
function commentLines(yaml: string): string[] {
  return (yaml.endsWith('\n') ? yaml.slice(0, -1) : yaml).split('\n').map((l) => `# ${l}`);
}

function frame(lines: string[]): string {
  return [BEGIN, ...lines, END, ''].join('\n');
}

export function encodeMetadata(meta: SnapshotMetadata): string {
  return frame(commentLines(yamlCode().metadataToYaml(meta)));
}

/**
 * The header of metadata whose parts follow it in the file, and the metadata with them placed
 * (`place` gives where they land after a header of so many lines). Where they land depends on the
 * header's length, which does not depend on where they land (a line number is a number on a line
 * of its own): the metadata is encoded once, without its parts, and only the small parts block
 * again once placed. The header is the one encodeMetadata writes for the placed metadata.
 */
export function encodeMetadataPlacing(meta: SnapshotMetadata, place: (headerLines: number) => SnapshotPart[]): { header: string; metadata: SnapshotMetadata } {
  const { metadataToYaml } = yamlCode();
  const { parts: _placedAnew, ...rest } = meta;
  const head = commentLines(metadataToYaml(rest));
  const partsBlock = (parts: SnapshotPart[]) => commentLines(metadataToYaml({ parts }));
  const parts = place(head.length + partsBlock(place(0)).length + 2);
  return { header: frame([...head, ...partsBlock(parts)]), metadata: { ...rest, parts } };
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
  const { metadata, warnings } = yamlCode().metadataFromYaml(yaml, source);
  if (metadata && metadata.formatVersion > METADATA_VERSION) {
    warnings.unshift({ source, line: 1, message: `snapshot metadata format ${metadata.formatVersion} is newer than this natdiff reads (${METADATA_VERSION}); some of it may be ignored` });
  }
  return { metadata, warnings };
}

/** Service port names the metadata lists: the candidates for naming comment-less chains. */
export function metadataServiceNames(meta: SnapshotMetadata | null): string[] {
  return meta?.servicePorts?.map((p) => p.name) ?? [];
}
