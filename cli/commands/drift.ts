/** `natdiff drift SNAPSHOT…` / `natdiff drift --all-nodes`: which service ports differ between nodes, and which node is the odd one. */
import type { ArgumentsCamelCase } from 'yargs';
import { captureAllNodes } from '../../lib/drift/capture-nodes';
import { compareNodes, type ExpectedReadings } from '../../lib/drift/compare';
import type { NodeDigest } from '../../lib/drift/digest';
import { filterDrift } from '../../lib/drift/filter';
import { namedDigests, readNodes } from '../../lib/drift/read-nodes';
import type { DriftReport } from '../../lib/drift/types';
import { NatdiffError, type Warning } from '../../lib/errors';
import { sanitizeLine } from '../../lib/sanitize';
import { ProgressLine } from '../progress';
import { EXIT_CHANGED, EXIT_ERROR, EXIT_SAME, prettyJson, useColor, writeStdout } from '../run';
import { Spinner } from '../spinner';
import { warningPlace, WarningLines } from '../warnings';
import type { DriftArgs } from './drift-options';
import { kubectlFrom } from './source';

interface Compared {
  digests: NodeDigest[];
  readings: ExpectedReadings;
  /** Nodes that could not be captured. */
  failed: boolean;
}

async function fromFiles(args: DriftArgs, spinner: Spinner, warnings: WarningLines): Promise<Compared> {
  const paths = args.snapshots ?? [];
  const progress = new ProgressLine(spinner);
  const digests = await readNodes(paths, { format: args.format, payload: args.payload, allowTruncated: args.allowTruncated, onProgress: progress.callback(`${paths.length} snapshots`) }, (read: Warning[], done) => {
    progress.clear();
    for (const w of read) warnings.add(warningPlace(w), w.message);
    spinner.update(`read ${done} of ${paths.length} snapshots`);
  });
  return { digests, readings: [], failed: false };
}

async function fromCluster(args: DriftArgs, spinner: Spinner, warnings: WarningLines): Promise<Compared> {
  const kubectl = kubectlFrom(args);
  const { outcomes, readings } = await captureAllNodes({
    kubectl,
    via: args.via,
    debugImage: args.debugImage,
    timeoutMs: args.commandTimeout,
    allTables: args.allTables,
    mode: args.mode,
    concurrency: args.concurrency,
    onNode: (node, done, total) => spinner.update(`captured ${done} of ${total} nodes (${sanitizeLine(node)})`),
  });
  spinner.clear();
  for (const o of outcomes) {
    if (o.error) process.stderr.write(`natdiff: node ${sanitizeLine(o.node)}: ${sanitizeLine(o.error)}\n`);
    for (const w of o.warnings) warnings.add(`node ${o.node}`, w);
  }
  return { digests: namedDigests(outcomes.flatMap((o) => o.digests)), readings, failed: outcomes.some((o) => o.error !== null) };
}

async function render(report: DriftReport, args: DriftArgs): Promise<string> {
  switch (args.output) {
    case 'json':
      return (await import('../../lib/report/drift-json')).renderDriftJson(report, { all: args.all, pretty: prettyJson(args.pretty) });
    case 'yaml': {
      const { driftDocument } = await import('../../lib/report/drift-json');
      return (await import('../../lib/report/yaml')).yamlDocument(driftDocument(report, { all: args.all }));
    }
    default:
      return (await import('../../lib/report/drift-text')).renderDriftText(report, { color: useColor(args.color), all: args.all });
  }
}

export async function driftCommand(args: ArgumentsCamelCase<DriftArgs>): Promise<number> {
  const spinner = new Spinner(process.stderr, Boolean(process.stderr.isTTY) && !args.quiet);
  const warnings = new WarningLines(!args.quiet);
  let compared: Compared;
  try {
    compared = args.allNodes ? await fromCluster(args, spinner, warnings) : await fromFiles(args, spinner, warnings);
  } finally {
    spinner.clear();
  }
  warnings.end();
  if (compared.digests.length === 0) throw new NatdiffError('no node could be captured');
  const report = filterDrift(compareNodes(compared.digests, compared.readings, { consistentNodes: args.all }), { services: args.service, namespaces: args.namespace });
  if (!args.quiet) await writeStdout(await render(report, args));
  if (compared.failed) return EXIT_ERROR;
  return report.summary.drifting > 0 ? EXIT_CHANGED : EXIT_SAME;
}
