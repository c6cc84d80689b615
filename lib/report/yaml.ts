import { stringify, type ScalarTag } from 'yaml';
import type { DiffReport } from '../diff/types';
import { hasUnsafe, replaceUnsafe } from '../sanitize';
import { reportDocument, type DocumentOptions } from './json';

/**
 * Strings holding characters unsafe to echo, written double-quoted with those characters as YAML
 * escapes (`\u202e`, `\u003c`): the text is hidden nowhere and the document parses back the same.
 * JSON's string syntax is YAML's double-quoted style; it escapes C0, the rest is escaped here.
 */
const escapedString: ScalarTag = {
  tag: 'tag:yaml.org,2002:str',
  default: true,
  identify: (value) => typeof value === 'string' && hasUnsafe(value),
  resolve: (text) => text,
  stringify: (item) => replaceUnsafe(JSON.stringify(item.value), (c) => (c > 0xffff ? `\\U${c.toString(16).padStart(8, '0')}` : `\\u${c.toString(16).padStart(4, '0')}`)),
};

/** A JSON document as YAML: no anchors or aliases (a reader sees every value where it is). */
export function yamlDocument(document: unknown): string {
  return stringify(document, { lineWidth: 0, aliasDuplicateObjects: false, customTags: (tags) => [escapedString, ...tags] });
}

/** The JSON document, as YAML. */
export function renderYaml(report: DiffReport, toolVersion: string, options: DocumentOptions): string {
  return yamlDocument(reportDocument(report, toolVersion, options));
}
