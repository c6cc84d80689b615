/**
 * natdiff starts quickly because it loads only what the command needs: the command line is one
 * bundled file, compiled with a code cache written at build time, and the packages only some runs
 * use (YAML, zod, jsdiff) are loaded when they are used. What a run loaded is read from Node's
 * module cache as the process exits.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { CLI, natdiff, ROOT } from '../support/cli';

/** What runs the bundle (bundle-loader.ts): it, the bundle and the code cache are the files the build writes beside CLI. */
const LOADER = join(dirname(CLI), 'bundle-loader.js');
const BUNDLE_FILES = ['natdiff.js', 'bundle-loader.js', 'natdiff-bundle.js', 'natdiff-bundle.cache'];

const BEFORE = 'snapshots/coredns-scale-2to4-before.txt';
const AFTER = 'snapshots/coredns-scale-2to4-after.txt';
const tmp = mkdtempSync(join(tmpdir(), 'natdiff-startup-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const PRELOAD = join(tmp, 'record-loaded.js');
writeFileSync(PRELOAD, `process.on('exit', () => require('fs').writeFileSync(process.env.LOADED_OUT, JSON.stringify(Object.keys(require.cache))));\n`);

/** The modules a run loaded besides the CLI (its executable and the loader of its bundle): `node_modules/<package>` once per package, else the path. */
function loadedBesides(args: string[]): string[] {
  const out = join(tmp, 'loaded.json');
  const r = natdiff(args, { env: { NODE_OPTIONS: `--require ${PRELOAD}`, LOADED_OUT: out } });
  expect(r.stderr).not.toMatch(/internal error/);
  const files = (JSON.parse(readFileSync(out, 'utf8')) as string[]).filter((f) => f !== PRELOAD);
  expect(files).toContain(CLI);
  const named = files.filter((f) => f !== CLI && f !== LOADER).map((f) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(f)?.[1] ?? relative(ROOT, f));
  return [...new Set(named)].sort();
}

describe('what a run loads besides the bundled command line', () => {
  test('diff of two plain dumps: nothing (no YAML, zod or jsdiff)', () => {
    expect(loadedBesides(['diff', BEFORE, AFTER])).toEqual([]);
    expect(loadedBesides(['diff', BEFORE, AFTER, '-o', 'json'])).toEqual([]);
  });

  test('--help and --version: nothing', () => {
    expect(loadedBesides(['--help'])).toEqual([]);
    expect(loadedBesides(['--version'])).toEqual([]);
  });

  test('-o yaml: YAML; -o markdown: jsdiff', () => {
    expect(loadedBesides(['diff', BEFORE, AFTER, '-o', 'yaml'])).toEqual(['yaml']);
    expect(loadedBesides(['diff', BEFORE, AFTER, '-o', 'markdown'])).toEqual(['diff']);
  });

  test('a snapshot with a metadata header: zod, to check it (js-yaml, which reads and writes headers, is bundled)', () => {
    const snapshot = join(tmp, 'with-header.txt');
    writeFileSync(snapshot, `# natdiff snapshot\n# formatVersion: 1\n# label: before\n# end natdiff snapshot\n${readFileSync(join(ROOT, BEFORE), 'utf8')}`);
    expect(loadedBesides(['diff', snapshot, AFTER])).toEqual(['zod']);
  });
});

test('a diff of two small files loads neither zlib nor worker_threads (compressed input, and a second thread for large ones, load them)', () => {
  const out = join(tmp, 'builtins.json');
  const record = join(tmp, 'record-builtins.js');
  writeFileSync(record, `process.on('exit', () => require('fs').writeFileSync(process.env.BUILTINS_OUT, JSON.stringify(process.moduleLoadList)));\n`);
  natdiff(['diff', BEFORE, AFTER], { env: { NODE_OPTIONS: `--require ${record}`, BUILTINS_OUT: out } });
  const loaded = JSON.parse(readFileSync(out, 'utf8')) as string[];
  expect(loaded).toContain('NativeModule fs');
  expect(loaded.filter((m) => /^NativeModule (zlib|worker_threads)$/.test(m))).toEqual([]);
});

test('the bundle is ASCII: V8 reads and compiles it as a one-byte string at every start', () => {
  const bytes = readFileSync(join(dirname(CLI), 'natdiff-bundle.js'));
  expect(bytes.findIndex((b) => b > 0x7f)).toBe(-1);
});

describe('the code cache', () => {
  test('the one the build wrote is taken by this Node (V8 would refuse one written by another Node, or for another bundle)', () => {
    const r = spawnSync(process.execPath, ['-e', `process.stdout.write(String(require(${JSON.stringify(LOADER)}).compileBundle().cachedDataRejected))`], { encoding: 'utf8' });
    expect(r.stdout).toBe('false');
  });

  test.each([
    ['refused (written by another Node)', (cache: string) => writeFileSync(cache, 'not a V8 code cache')],
    ['missing', (cache: string) => rmSync(cache)],
  ])('when it is %s, the bundle is compiled as usual and says the same', (_, spoil) => {
    const dir = join(tmp, 'dist', 'cli');
    mkdirSync(dir, { recursive: true });
    for (const f of BUNDLE_FILES) copyFileSync(join(dirname(CLI), f), join(dir, f));
    spoil(join(dir, 'natdiff-bundle.cache'));
    const copy = spawnSync(process.execPath, [join(dir, 'natdiff.js'), 'diff', BEFORE, AFTER], { cwd: ROOT, encoding: 'utf8' });
    const real = natdiff(['diff', BEFORE, AFTER]);
    expect({ status: copy.status, stdout: copy.stdout, stderr: copy.stderr }).toEqual(real);
  });
});
