/**
 * Inputs that could not be diffed in the memory there is, or that are not text at all, end in one
 * clear line and exit 2 as soon as what is read shows it: never V8's "heap out of memory" (exit
 * 134), never after reading all of `/dev/urandom`. The built CLI runs with a small heap on
 * generated inputs: a file, stdin and a pipe alike, compressed or not.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { CLI, expectOneLineError, natdiff, type CliResult } from '../support/cli';

const AFTER = 'snapshots/coredns-scale-2to4-after.txt';
const tmp = mkdtempSync(join(tmpdir(), 'natdiff-limits-'));
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

  test('many tiny rules: counted by the line, not only by the byte', () => {
    const rules = join(tmp, 'tiny-rules.txt');
    writeFileSync(rules, `*nat\n:BIG - [0:0]\n${Array.from({ length: 400_000 }, (_, i) => `-A BIG -s 10.${i >> 16}.${(i >> 8) & 255}.${i & 255} -j RETURN\n`).join('')}COMMIT\n`);
    expectOneLineError(natdiff(['diff', rules, AFTER], { env: SMALL_HEAP }), new RegExp(`^natdiff: ${rules.replace(/[.]/g, '\\.')}${NEEDS_MORE.source}`));
  });

  test('through stdin (its size unknown: "or more")', () => {
    const bomb = gzipBomb('bomb-stdin.txt.gz', '-A BIG -j RETURN\n', 200);
    expectOneLineError(withStdinFrom(bomb, SMALL_HEAP), /^natdiff: stdin: stopped reading at \d+ MiB: .* NODE_OPTIONS=--max-old-space-size=\d+ or more on a machine with that much free memory$/);
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
