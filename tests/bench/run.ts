/**
 * `npm run bench`: natdiff against GNU `diff -u` and `sort`+`diff` on the same generated dump
 * pairs, in the same run: iptables mode's scale event at every size; its noise pair and the
 * nftables pairs (scale event and noise) at 10k services, or at the one size asked for. The
 * machine is shared and noisy, so every pair is generated first and each round then runs every
 * command on every pair in turn: a slow spell slows all of them, and each ratio is the median
 * over rounds of that round's ratio. Each round also times natdiff's start-up: the diff of the
 * bundled coredns pair (two 3-KB dumps) against `node -e 0`, Node's own. Prints a table, writes JSON.
 *
 *   node dist/tests/bench/run.js [--sizes 1000,10000,30000] [--endpoints 10] [--runs 5] [--out bench/results.json]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, freemem, totalmem, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { generateNftPair, generatePair, type GeneratedPair } from './generate';

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
    runs: Number(get('runs', '5')),
    out: get('out', join(__dirname, '..', '..', '..', 'bench', 'results.json')),
  };
}

const CLI = join(__dirname, '..', '..', 'cli', 'natdiff.js');
const SNAPSHOTS = join(__dirname, '..', '..', '..', 'snapshots');
const CORE_DNS = [join(SNAPSHOTS, 'coredns-scale-2to4-before.txt'), join(SNAPSHOTS, 'coredns-scale-2to4-after.txt')];
/** Start-ups timed per round, each natdiff's beside a `node -e 0`: one 0.2-s run is too few to tell from the noise. */
const STARTUPS_PER_ROUND = 10;

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

interface Pair {
  name: 'scale' | 'noise' | 'nft-scale' | 'nft-noise';
  services: number;
  before: string;
  after: string;
}

/** One round's times of every command on one pair. */
interface Round {
  natdiff: Timed;
  diffU: Timed;
  sortDiff: Timed;
}

function runRound(p: Pair, dir: string): Round {
  const sa = join(dir, 'a.sorted');
  const sb = join(dir, 'b.sorted');
  return {
    natdiff: timeCommand([[process.execPath, CLI, 'diff', p.before, p.after, '-o', 'json', '--stats']]),
    diffU: timeCommand([['diff', '-u', p.before, p.after]]),
    sortDiff: timeCommand([['sort', '-o', sa, p.before], ['sort', '-o', sb, p.after], ['diff', sa, sb]]),
  };
}

/** natdiff's time on the bundled coredns pair and `node -e 0`'s, timed one after the other. */
interface Startup {
  natdiff: Timed;
  node: Timed;
}

function runStartups(): Startup[] {
  return Array.from({ length: STARTUPS_PER_ROUND }, () => ({
    natdiff: timeCommand([[process.execPath, CLI, 'diff', ...CORE_DNS]]),
    node: timeCommand([[process.execPath, '-e', '0']]),
  }));
}

interface StartupFigure {
  natdiffMs: number;
  nodeMs: number;
  /** The median of natdiff's time ÷ node's, each pair timed together. */
  ratio: number;
}

function startupFigure(startups: Startup[]): StartupFigure {
  return {
    natdiffMs: Math.round(median(startups.map((s) => s.natdiff.ms))),
    nodeMs: Math.round(median(startups.map((s) => s.node.ms))),
    ratio: round2(median(startups.map((s) => s.natdiff.ms / s.node.ms))),
  };
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

const round2 = (x: number) => Math.round(x * 100) / 100;

function row(p: Pair, rounds: Round[]): Row {
  const inputBytes = statSync(p.before).size + statSync(p.after).size;
  const mb = inputBytes / 1e6;
  const natdiffMs = median(rounds.map((r) => r.natdiff.ms));
  const rssMB = median(rounds.map((r) => r.natdiff.rssKiB ?? 0)) / 1024;
  return {
    pair: p.name,
    services: p.services,
    inputMB: Math.round(mb * 10) / 10,
    natdiffMs: Math.round(natdiffMs),
    natdiffRunsMs: rounds.map((r) => Math.round(r.natdiff.ms)),
    natdiffRssMB: Math.round(rssMB),
    diffUMs: Math.round(median(rounds.map((r) => r.diffU.ms))),
    sortDiffMs: Math.round(median(rounds.map((r) => r.sortDiff.ms))),
    natdiffMBps: Math.round((mb / (natdiffMs / 1000)) * 10) / 10,
    vsDiffU: round2(median(rounds.map((r) => r.natdiff.ms / r.diffU.ms))),
    vsSortDiff: round2(median(rounds.map((r) => r.natdiff.ms / r.sortDiff.ms))),
    rssPerInput: round2((rssMB * 1048576) / inputBytes),
  };
}

interface Target {
  name: string;
  value: number;
  limit: number;
  ok: boolean;
}

/** The median over rounds of natdiff's time on one pair divided by its time on another in the same round. */
function roundRatio(rounds: Map<Pair, Round[]>, pairs: Pair[], num: (p: Pair) => boolean, den: (p: Pair) => boolean): number | undefined {
  const a = pairs.find(num);
  const b = pairs.find(den);
  if (!a || !b) return undefined;
  const ra = rounds.get(a) as Round[];
  const rb = rounds.get(b) as Round[];
  return median(ra.map((r, i) => r.natdiff.ms / (rb[i] as Round).natdiff.ms));
}

/** The median over rounds of natdiff's time on the 10k noise pair over `diff -u`'s on the 10k scale pair in the same round. */
function noiseVsScaleDiffU(rounds: Map<Pair, Round[]>, pairs: Pair[]): number | undefined {
  const noise = pairs.find((p) => p.name === 'noise' && p.services === 10000);
  const scale = pairs.find((p) => p.name === 'scale' && p.services === 10000);
  if (!noise || !scale) return undefined;
  const rs = rounds.get(scale) as Round[];
  return median((rounds.get(noise) as Round[]).map((r, i) => r.natdiff.ms / (rs[i] as Round).diffU.ms));
}

function targets(rows: Row[], rounds: Map<Pair, Round[]>, pairs: Pair[], startup: StartupFigure): Target[] {
  const scale = (n: number) => rows.find((r) => r.pair === 'scale' && r.services === n);
  const t10 = scale(10000);
  const t30 = scale(30000);
  const isScale = (n: number) => (p: Pair) => p.name === 'scale' && p.services === n;
  const out: Target[] = [];
  const add = (name: string, value: number | undefined, limit: number) => {
    if (value !== undefined && Number.isFinite(value)) out.push({ name, value: round2(value), limit, ok: value <= limit });
  };
  // Issue 12's targets.
  add('10k scale pair: natdiff / diff -u', t10?.vsDiffU, 1.5);
  add('10k noise pair: natdiff / diff -u of the scale pair', noiseVsScaleDiffU(rounds, pairs), 3);
  add('10k scale pair: peak RSS / input size', t10?.rssPerInput, 3);
  add('time(30k) / time(10k)', roundRatio(rounds, pairs, isScale(30000), isScale(10000)), 3.3);
  add('RSS(30k) / RSS(10k)', t30 && t10 ? t30.natdiffRssMB / t10.natdiffRssMB : undefined, 3.3);
  add('bundled coredns pair: natdiff / node -e 0', startup.ratio, 2);
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
  const pairs: Pair[] = [];
  const rounds = new Map<Pair, Round[]>();
  const startups: Startup[] = [];
  let rows: Row[] = [];
  try {
    for (const n of args.sizes) {
      process.stderr.write(`generating ${n} services × ${args.endpoints} endpoints…\n`);
      const generated: GeneratedPair = generatePair(dir, n, args.endpoints);
      pairs.push({ name: 'scale', services: n, before: generated.before, after: generated.after });
      if (n !== 10000 && args.sizes.length > 1) continue;
      pairs.push({ name: 'noise', services: n, before: generated.beforePayload, after: generated.before });
      process.stderr.write(`generating the same in nftables mode…\n`);
      const nft = generateNftPair(dir, n, args.endpoints);
      pairs.push({ name: 'nft-scale', services: n, before: nft.before, after: nft.after }, { name: 'nft-noise', services: n, before: nft.beforeHandles, after: nft.before });
    }
    for (const p of pairs) rounds.set(p, []);
    for (let r = 1; r <= args.runs; r++) {
      process.stderr.write(`round ${r} of ${args.runs}…\n`);
      for (const p of pairs) rounds.get(p)?.push(runRound(p, dir));
      startups.push(...runStartups());
    }
    rows = pairs.map((p) => row(p, rounds.get(p) as Round[]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const machine = { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), freeGiB: Math.round(freemem() / 2 ** 30), node: process.version, date: new Date().toISOString() };
  const startup = startupFigure(startups);
  const checked = targets(rows, rounds, pairs, startup);
  const result = { machine, endpointsPerService: args.endpoints, runs: args.runs, rows, startup, targets: checked };
  mkdirSync(dirname(args.out), { recursive: true });
  writeFileSync(args.out, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}; ${args.runs} rounds, medians (ratios: median of each round's ratio)\n\n${table(rows)}\n\nstart-up, the bundled coredns pair: natdiff ${startup.natdiffMs} ms, node -e 0 ${startup.nodeMs} ms\n\n`);
  for (const t of checked) process.stdout.write(`${t.ok ? 'ok  ' : 'MISS'} ${t.name}: ${t.value} (target ≤ ${t.limit})\n`);
  process.stdout.write(`\nwritten to ${args.out}\n`);
}

main();
