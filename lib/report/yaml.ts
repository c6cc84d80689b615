import { stringify } from 'yaml';
import type { DiffReport } from '../diff/types';
import { reportDocument, type DocumentOptions } from './json';

/** The JSON document, as YAML. */
export function renderYaml(report: DiffReport, options: DocumentOptions): string {
  return stringify(reportDocument(report, options), { lineWidth: 0 });
}
