/**
 * `npm run bench`: natdiff against GNU `diff -u` and `sort`+`diff` on the same generated dump
 * pairs, in the same run (the machine is shared and noisy: the ratios are what count). Several
 * runs each, median wall time, natdiff's peak RSS, MB/s. Prints a table, writes JSON.
 *
 *   node dist/tests/bench/run.js [--sizes 1000,10000,30000] [--endpoints 10] [--runs 3] [--out bench/results.json]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, freemem, totalmem, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { generatePair, type GeneratedPair } from './generate';

interface Args {
  sizes: number[];
  endpoints: number;
  runs: number;
  out: string;
}

function parseArgs(argv: string[]): Args {
  const get = (name: string, fallback: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 && argv[i + 1] ? (argv[i + 1] as string) : fallback;
  };
  return {
    sizes: get('sizes', '1000,10000,30000').split(',').map(Number),
    endpoints: Number(get('endpoints', '10')),
    runs: Number(get('runs', '3')),
    out: get('out', join(__dirname, '..', '..', '..', 'bench', 'results.json')),
  };
}

const CLI = join(__dirname, '..', '..', 'cli', 'natdiff.js');

interface Timed {
  ms: number;
  rssKiB?: number;
}

function timeCommand(argv: string[][]): Timed {
  const start = process.hrtime.bigint();
  let rssKiB: number | undefined;
  for (const cmd of argv) {
    const [bin, ...args] = cmd;
    const res = spawnSync(bin as string, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LC_ALL: 'C' }, maxBuffer: 64 * 1024 * 1024 });
    if (res.status !== 0 && res.status !== 1) throw new Error(`${cmd.join(' ')} exited ${res.status}: ${res.stderr}`);
    const stats = /natdiff-stats (\{.*\})/.exec(res.stderr?.toString() ?? '')?.[1];
    if (stats) rssKiB = (JSON.parse(stats) as { maxRssKiB: number }).maxRssKiB;
  }
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, rssKiB };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

function measure(runs: number, argv: string[][]): { ms: number; rssKiB: number | null; all: number[] } {
  const results = Array.from({ length: runs }, () => timeCommand(argv));
  const rss = results.flatMap((r) => (r.rssKiB === undefined ? [] : [r.rssKiB]));
  return { ms: median(results.map((r) => r.ms)), rssKiB: rss.length > 0 ? Math.max(...rss) : null, all: results.map((r) => Math.round(r.ms)) };
}

interface Row {
  pair: string;
  services: number;
  inputMB: number;
  natdiffMs: number;
  natdiffRunsMs: number[];
  natdiffRssMB: number;
  diffUMs: number;
  sortDiffMs: number;
  natdiffMBps: number;
  vsDiffU: number;
  vsSortDiff: number;
  rssPerInput: number;
}

function benchPair(name: string, services: number, a: string, b: string, dir: string, runs: number): Row {
  const inputBytes = statSync(a).size + statSync(b).size;
  const natdiff = measure(runs, [[process.execPath, CLI, 'diff', a, b, '-o', 'json', '--stats']]);
  const diffU = measure(runs, [['diff', '-u', a, b]]);
  const sa = join(dir, 'a.sorted');
  const sb = join(dir, 'b.sorted');
  const sortDiff = measure(runs, [['sort', '-o', sa, a], ['sort', '-o', sb, b], ['diff', sa, sb]]);
  const mb = inputBytes / 1e6;
  const rssMB = (natdiff.rssKiB ?? 0) / 1024;
  return {
    pair: name,
    services,
    inputMB: Math.round(mb * 10) / 10,
    natdiffMs: Math.round(natdiff.ms),
    natdiffRunsMs: natdiff.all,
    natdiffRssMB: Math.round(rssMB),
    diffUMs: Math.round(diffU.ms),
    sortDiffMs: Math.round(sortDiff.ms),
    natdiffMBps: Math.round((mb / (natdiff.ms / 1000)) * 10) / 10,
    vsDiffU: Math.round((natdiff.ms / diffU.ms) * 100) / 100,
    vsSortDiff: Math.round((natdiff.ms / sortDiff.ms) * 100) / 100,
    rssPerInput: Math.round(((rssMB * 1048576) / inputBytes) * 100) / 100,
  };
}

interface Target {
  name: string;
  value: number;
  limit: number;
  ok: boolean;
}

function targets(rows: Row[]): Target[] {
  const scale = (n: number) => rows.find((r) => r.pair === 'scale' && r.services === n);
  const noise = rows.find((r) => r.pair === 'noise' && r.services === 10000);
  const t10 = scale(10000);
  const t30 = scale(30000);
  const out: Target[] = [];
  const add = (name: string, value: number | undefined, limit: number) => {
    if (value !== undefined && Number.isFinite(value)) out.push({ name, value: Math.round(value * 100) / 100, limit, ok: value <= limit });
  };
  add('10k: natdiff / diff -u', t10?.vsDiffU, 3);
  add('10k: natdiff / sort+diff', t10?.vsSortDiff, 1);
  add('10k: peak RSS / input size', t10?.rssPerInput, 6);
  add('time(30k) / time(10k)', t30 && t10 ? t30.natdiffMs / t10.natdiffMs : undefined, 3.3);
  add('RSS(30k) / RSS(10k)', t30 && t10 ? t30.natdiffRssMB / t10.natdiffRssMB : undefined, 3.3);
  add('10k: noise pair / scale pair', noise && t10 ? noise.natdiffMs / t10.natdiffMs : undefined, 1.5);
  return out;
}

function table(rows: Row[]): string {
  const header = ['pair', 'services', 'input MB', 'natdiff ms', 'RSS MB', 'diff -u ms', 'sort+diff ms', 'MB/s', '÷ diff -u', '÷ sort+diff', 'RSS ÷ input'];
  const body = rows.map((r) => [r.pair, String(r.services), String(r.inputMB), String(r.natdiffMs), String(r.natdiffRssMB), String(r.diffUMs), String(r.sortDiffMs), String(r.natdiffMBps), String(r.vsDiffU), String(r.vsSortDiff), String(r.rssPerInput)]);
  const lines = [header, header.map((h) => '-'.repeat(h.length)), ...body];
  return lines.map((l) => `| ${l.join(' | ')} |`).join('\n');
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const dir = mkdtempSync(join(tmpdir(), 'natdiff-bench-'));
  const rows: Row[] = [];
  try {
    for (const n of args.sizes) {
      process.stderr.write(`generating ${n} services × ${args.endpoints} endpoints…\n`);
      const pair: GeneratedPair = generatePair(dir, n, args.endpoints);
      process.stderr.write(`measuring ${n} (scale pair)…\n`);
      rows.push(benchPair('scale', n, pair.before, pair.after, dir, args.runs));
      if (n === 10000 || args.sizes.length === 1) {
        process.stderr.write(`measuring ${n} (noise pair: restore payload vs iptables-save)…\n`);
        rows.push(benchPair('noise', n, pair.beforePayload, pair.before, dir, args.runs));
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const machine = { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), freeGiB: Math.round(freemem() / 2 ** 30), node: process.version, date: new Date().toISOString() };
  const checked = targets(rows);
  const result = { machine, endpointsPerService: args.endpoints, runs: args.runs, rows, targets: checked };
  mkdirSync(dirname(args.out), { recursive: true });
  writeFileSync(args.out, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}; median of ${args.runs} runs\n\n${table(rows)}\n\n`);
  for (const t of checked) process.stdout.write(`${t.ok ? 'ok  ' : 'MISS'} ${t.name}: ${t.value} (target ≤ ${t.limit})\n`);
  process.stdout.write(`\nwritten to ${args.out}\n`);
}

main();
