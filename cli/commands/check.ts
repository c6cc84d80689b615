/** `natdiff check SNAPSHOT`: what is wrong in one dump or snapshot, by finding id and severity. */
import type { ArgumentsCamelCase } from 'yargs';
import { checkSnapshot, hasErrors, type CheckResult } from '../../lib/check/check-snapshot';
import { loadSnapshot } from '../../lib/snapshot/load-snapshot';
import { checkMemoryBudget, MemoryBudget } from '../../lib/snapshot/memory-budget';
import { emitReport, EXIT_CHANGED as EXIT_ERRORS_FOUND, EXIT_SAME, prettyJson, useColor } from '../run';
import { printWarnings, strictError, warningPlace } from '../warnings';
import type { CheckArgs } from './check-options';

async function render(result: CheckResult, args: Pick<CheckArgs, 'output' | 'color' | 'pretty'>, toFile: boolean): Promise<string> {
  const report = await import('../../lib/report/check-report');
  switch (args.output) {
    case 'json':
      return `${JSON.stringify(report.checkDocument(result), null, prettyJson(args.pretty, toFile) ? 2 : undefined)}\n`;
    case 'yaml':
      return (await import('../../lib/report/yaml')).yamlDocument(report.checkDocument(result));
    default:
      return report.renderCheckText(result, { color: !toFile && useColor(args.color) });
  }
}

export async function checkCommand(args: ArgumentsCamelCase<CheckArgs>): Promise<number> {
  checkMemoryBudget([args.snapshot]);
  const snapshot = await loadSnapshot(args.snapshot, { format: args.format, payload: args.payload, allowTruncated: args.allowTruncated, budget: new MemoryBudget() });
  const result = checkSnapshot(snapshot);
  if (args.strict && result.warnings.length > 0) throw strictError(result.warnings);
  const code = hasErrors(result) ? EXIT_ERRORS_FOUND : EXIT_SAME;
  if (args.quiet) return code;
  // The check document holds findings only: no report lists the warnings past the first few.
  printWarnings(result.warnings, warningPlace, null);
  const output = await render(result, args, Boolean(args.out));
  return (await emitReport([output], args)) ?? code;
}
