import { stringify } from 'yaml';
import type { DiffReport } from '../diff/types';
import { reportDocument } from './json';

/** The JSON document, as YAML. */
export function renderYaml(report: DiffReport, toolVersion: string): string {
  return stringify(reportDocument(report, toolVersion), { lineWidth: 0 });
}
