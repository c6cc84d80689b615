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
const script = runBundle();
process.on('exit', () => {
  const tmp = `${CODE_CACHE}.tmp`;
  writeFileSync(tmp, script.createCachedData());
  renameSync(tmp, CODE_CACHE);
});
