/**
 * `npm run build`, after tsc: the command line (cli/main.ts) as one file, dist/cli/natdiff-bundle.js,
 * so that starting natdiff reads and compiles one file instead of a hundred modules, and its V8
 * code cache (write-code-cache.ts). dist/cli/natdiff.js, tsc's output of cli/natdiff.ts, starts it.
 * The packages only some runs use (YAML, zod, jsdiff) stay out of the bundle, loaded from
 * node_modules by the code that needs them: bundled, every start would compile them.
 */
import { build, type Plugin } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { basename, dirname, join } from 'node:path';
import { BUNDLE } from '../cli/bundle-loader';

const ROOT = join(__dirname, '..', '..');

const LOADED_WHEN_USED = ['yaml', 'zod', 'diff'];

/**
 * A package as Node's `require` finds it, which is how tsc's output (the library, the tests)
 * loads it: its CommonJS build. Its ESM build, which esbuild would take for an `import`, may find
 * its files through `import.meta.url`, which a CommonJS bundle does not have.
 */
const asRequired: Plugin = {
  name: 'as-required',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.kind !== 'import-statement' && args.kind !== 'dynamic-import') return undefined;
      return b.resolve(args.path, { kind: 'require-call', resolveDir: args.resolveDir, importer: args.importer });
    });
  },
};

async function main(): Promise<void> {
  const result = await build({
    // The first pass's worker thread (lib/snapshot/first-pass-thread.ts) finds its code beside the bundle.
    entryPoints: { [basename(BUNDLE, '.js')]: join(ROOT, 'cli', 'main.ts'), 'first-pass-worker': join(ROOT, 'lib', 'snapshot', 'first-pass-worker.ts') },
    outdir: dirname(BUNDLE),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: LOADED_WHEN_USED,
    plugins: [asRequired],
    // Less to read and hash at every start; names are kept, so that a stack trace still names its functions.
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  if (result.errors.length > 0) {
    process.exitCode = 1;
    return;
  }
  const cache = spawnSync(process.execPath, [join(__dirname, 'write-code-cache.js')], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (cache.status !== 0) {
    process.stderr.write(`writing the code cache failed (exit ${cache.status})\n`);
    process.exitCode = 1;
  }
}

void main();
