/**
 * Runs the bundled command line once, as `npm run demo` does (the bundled coredns pair), and
 * writes the V8 code cache of what that run compiled next to the bundle (bundle-loader.ts reads
 * it). Run by bundle-cli.ts in a process of its own: the command line ends the process it runs in.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CODE_CACHE, runBundle } from '../cli/bundle-loader';

const SNAPSHOTS = join(__dirname, '..', '..', 'snapshots');

process.argv.splice(2, Infinity, 'diff', join(SNAPSHOTS, 'coredns-scale-2to4-before.txt'), join(SNAPSHOTS, 'coredns-scale-2to4-after.txt'));
// Compiled without the cache there may be (the last build's, for another bundle: see compileBundle).
const script = runBundle(false);
process.on('exit', (code) => {
  if (code !== 0 && code !== 1) return; // the diff failed (it said why on stderr): no cache, and the build fails
  const tmp = `${CODE_CACHE}.tmp`;
  writeFileSync(tmp, script.createCachedData());
  renameSync(tmp, CODE_CACHE);
  process.exitCode = 0; // written (the diff's own 1 only says the pair differs)
});
