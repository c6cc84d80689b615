/**
 * Inputs that could not be diffed in the memory there is, or that are not text at all, end in one
 * clear line and exit 2 as soon as what is read shows it: never V8's "heap out of memory" (exit
 * 134), never after reading all of `/dev/urandom`. The built CLI runs with a small heap on
 * generated inputs: a file, stdin and a pipe alike, compressed or not.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { heapNeed } from '../../lib/snapshot/memory-budget';
import { generatePair } from '../bench/generate';
import { CLI, expectOneLineError, natdiff, type CliResult } from '../support/cli';
import { scratchDir } from '../support/scratch-dir';

const AFTER = 'snapshots/coredns-scale-2to4-after.txt';
const tmp = scratchDir('natdiff-limits-');
const SMALL_HEAP = { NODE_OPTIONS: '--max-old-space-size=64' };

/** A gzip stream of `members` members, each 1 MiB of `line` repeated: gzip members may follow one another. */
function gzipBomb(name: string, line: string, members: number): string {
  const member = gzipSync(Buffer.from(line.repeat(Math.ceil(1048576 / line.length)).slice(0, 1048576)));
  const path = join(tmp, name);
  writeFileSync(path, Buffer.concat(Array.from({ length: members }, () => member)));
  return path;
}

/** natdiff diff - AFTER, with stdin read from `path` (a file, a device). */
function withStdinFrom(path: string, env?: Record<string, string>): CliResult {
  const fd = openSync(path, 'r');
  try {
    const r = spawnSync(process.execPath, [CLI, 'diff', '-', AFTER], { stdio: [fd, 'pipe', 'pipe'], encoding: 'utf8', env: { ...process.env, ...env }, timeout: 30_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  } finally {
    closeSync(fd);
  }
}

/** natdiff diff FIFO AFTER, with `cat path` writing into the FIFO (a pipe that is not stdin). */
async function throughPipe(path: string, env?: Record<string, string>): Promise<CliResult> {
  const fifo = join(tmp, `fifo-${Math.random().toString(16).slice(2)}`);
  expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
  const writer = spawn('sh', ['-c', 'exec cat "$1" > "$2"', 'sh', path, fifo], { stdio: 'ignore' });
  const r = natdiff(['diff', fifo, AFTER], { env });
  await new Promise((resolve) => writer.once('exit', resolve)); // ended by SIGPIPE once natdiff stops reading
  return r;
}

describe('more than the heap can diff', () => {
  const NEEDS_MORE = /: stopped reading at \d+ MiB: diffing it takes more memory than this Node\.js may use \(\d+ MiB\): run natdiff with NODE_OPTIONS=--max-old-space-size=\d+( or more)? on a machine with that much free memory$/;

  test('a small gzip file that expands past it: counted as decompressed', () => {
    const bomb = gzipBomb('bomb.txt.gz', '-A BIG -j RETURN\n', 200);
    expectOneLineError(natdiff(['diff', bomb, AFTER], { env: SMALL_HEAP }), new RegExp(`^natdiff: ${bomb.replace(/[.]/g, '\\.')}${NEEDS_MORE.source}`));
  });

  test('many tiny rules (pasted rule lines): counted by the line, not only by the byte', () => {
    const rules = join(tmp, 'tiny-rules.txt');
    writeFileSync(rules, Array.from({ length: 200_000 }, (_, i) => `-A BIG -s 10.${i >> 16}.${(i >> 8) & 255}.${i & 255} -j RETURN\n`).join(''));
    expectOneLineError(natdiff(['diff', rules, AFTER], { env: SMALL_HEAP }), new RegExp(`^natdiff: ${rules.replace(/[.]/g, '\\.')}${NEEDS_MORE.source}`));
  });

  test('iptables-save output, of which a diff may read only what differs: read to its end, then refused when all of it is to be read', () => {
    const rules = join(tmp, 'tiny-save.txt');
    writeFileSync(rules, `*nat\n:BIG - [0:0]\n${Array.from({ length: 200_000 }, (_, i) => `-A BIG -s 10.${i >> 16}.${(i >> 8) & 255}.${i & 255} -j RETURN\n`).join('')}COMMIT\n`);
    const both = `${rules} and ${AFTER}`.replace(/[.]/g, '\\.');
    expectOneLineError(natdiff(['diff', rules, AFTER], { env: SMALL_HEAP }), new RegExp(`^natdiff: ${both}: read \\d+ MiB: diffing them takes more memory than this Node\\.js may use \\(\\d+ MiB\\): run natdiff with NODE_OPTIONS=--max-old-space-size=\\d+ on a machine with that much free memory$`));
  });

  test('through stdin (its size unknown: "or more")', () => {
    const bomb = gzipBomb('bomb-stdin.txt.gz', '-A BIG -j RETURN\n', 200);
    expectOneLineError(withStdinFrom(bomb, SMALL_HEAP), /^natdiff: stdin: stopped reading at \d+ MiB: .* NODE_OPTIONS=--max-old-space-size=\d+ or more on a machine with that much free memory$/);
  });
});

test('a scale event of 1,000 services, whose whole reading the heap cannot hold: read only where it differs, and diffed', () => {
  const pair = generatePair(tmp, 1000, 10);
  expectOneLineError(natdiff(['diff', pair.before, pair.after, '--all'], { env: SMALL_HEAP }), /: stopped reading at \d+ MiB: diffing .* takes more memory than this Node\.js may use/);
  const r = natdiff(['diff', pair.before, pair.after, '-o', 'json'], { env: SMALL_HEAP });
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 1, stderr: '' });
  expect(JSON.parse(r.stdout).summary.servicesUnchanged).toBeGreaterThan(900);
});

describe('as much as the heap can diff', () => {
  /** The heap a Node.js run with SMALL_HEAP may use. */
  const heapLimit = Number(spawnSync(process.execPath, ['-p', 'require("node:v8").getHeapStatistics().heap_size_limit'], { encoding: 'utf8', env: { ...process.env, ...SMALL_HEAP } }).stdout);
  const occurrences = (text: string, c: string): number => text.split(c).length - 1;
  const fits = (texts: string[]): boolean =>
    heapNeed({
      bytes: texts.reduce((n, t) => n + Buffer.byteLength(t), 0),
      lines: texts.reduce((n, t) => n + occurrences(t, '\n'), 0),
      objects: texts.reduce((n, t) => n + occurrences(t, '{'), 0),
    }) <= heapLimit;

  /** The dump of `grow(n)` for the largest n the memory budget lets through beside `other`: every rule of it removed. */
  function largestLetThrough(name: string, grow: (n: number) => string, other: string): { dump: string; larger: string } {
    let [fitting, tooMany] = [1, 2];
    while (fits([grow(tooMany), other])) [fitting, tooMany] = [tooMany, tooMany * 2];
    while (tooMany - fitting > 1) {
      const n = Math.floor((fitting + tooMany) / 2);
      if (fits([grow(n), other])) fitting = n;
      else tooMany = n;
    }
    const [dump, larger] = [join(tmp, `${name}.txt`), join(tmp, `${name}-larger.txt`)];
    writeFileSync(dump, grow(fitting));
    writeFileSync(larger, grow(tooMany));
    return { dump, larger };
  }

  const diffTo = (args: string[], out: string): CliResult => natdiff(['diff', ...args, '--out', join(tmp, out)], { env: SMALL_HEAP });

  describe('iptables-save: tiny rules, one a line', () => {
    const empty = join(tmp, 'empty-chain.txt');
    writeFileSync(empty, '*nat\n:BIG - [0:0]\nCOMMIT\n');
    const tiny = (n: number) => `*nat\n:BIG - [0:0]\n${Array.from({ length: n }, (_, i) => `-A BIG -s 10.${i >> 16}.${(i >> 8) & 255}.${i & 255} -j RETURN\n`).join('')}COMMIT\n`;
    const { dump, larger } = largestLetThrough('tiny-fitting', tiny, readFileSync(empty, 'utf8'));

    test.each(['text', 'json', 'markdown'])('-o %s: diffed, never out of memory', (output) => {
      const r = diffTo([dump, empty, '-o', output], `tiny.${output}`);
      expect({ status: r.status, stderr: r.stderr.slice(0, 300) }).toEqual({ status: 1, stderr: '' });
    });

    test('one rule more is refused', () => {
      expectOneLineError(natdiff(['diff', larger, empty], { env: SMALL_HEAP }), /: (?:stopped reading at|read) \d+ MiB: diffing .* takes more memory than this Node\.js may use/);
    });
  });

  describe('nft -j: a ruleset on one line, an object or more a rule', () => {
    const FIXTURE = 'tests/fixtures/nftables/k8s-1.29.json';
    const chain = '{"chain":{"family":"ip","table":"kube-proxy","name":"big","handle":2}}';
    const rule = (i: number) => `,{"rule":{"family":"ip","table":"kube-proxy","chain":"big","handle":${i + 3},"expr":[{"return":null}]}}`;
    const rules = (n: number) => `{"nftables":[{"table":{"family":"ip","name":"kube-proxy","handle":1}},${chain}${Array.from({ length: n }, (_, i) => rule(i)).join('')}]}\n`;
    const { dump } = largestLetThrough('nft-json-fitting', rules, readFileSync(FIXTURE, 'utf8'));

    test.each(['text', 'json'])('-o %s: diffed, never out of memory', (output) => {
      const r = diffTo([dump, FIXTURE, '--table', 'all', '-o', output], `nft.${output}`);
      expect({ status: r.status, stderr: r.stderr.slice(0, 300) }).toEqual({ status: 1, stderr: '' });
    });
  });
});

describe('binary input is refused at the first chunk that shows it', () => {
  test('/dev/urandom on stdin', () => {
    expectOneLineError(withStdinFrom('/dev/urandom'), /^natdiff: stdin: is a binary file, not a dump$/);
  });

  test('/dev/urandom through a pipe', async () => {
    expectOneLineError(await throughPipe('/dev/urandom'), /^natdiff: .*fifo-\w+: is a binary file, not a dump$/);
  });

  describe('a gzip stream of 600 MiB of NUL bytes (larger than any dump natdiff reads)', () => {
    const zeros = gzipBomb('zeros.gz', '\0', 600);

    test('as a file', () => {
      expectOneLineError(natdiff(['diff', zeros, AFTER]), /zeros\.gz: is a binary file, not a dump$/);
    });

    test('on stdin', () => {
      expectOneLineError(withStdinFrom(zeros), /^natdiff: stdin: is a binary file, not a dump$/);
    });

    test('through a pipe', async () => {
      expectOneLineError(await throughPipe(zeros), /fifo-\w+: is a binary file, not a dump$/);
    });
  });

  test('text that turns binary after the first chunk', () => {
    const text = readFileSync(AFTER, 'utf8');
    const mixed = join(tmp, 'mixed.txt');
    writeFileSync(mixed, Buffer.concat([Buffer.from(text.repeat(Math.ceil(2_000_000 / text.length))), Buffer.from([0xff, 0xfe, 0x00])]));
    expectOneLineError(natdiff(['diff', mixed, AFTER]), /mixed\.txt: is a binary file, not a dump$/);
  });
});
