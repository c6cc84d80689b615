/**
 * Runs the bundled command line (natdiff-bundle.js, which scripts/bundle-cli.ts makes of main.ts)
 * as Node runs a CommonJS module, but compiled with the V8 code cache written for it at build time
 * (natdiff-bundle.cache): the functions a run calls are then not compiled again on every start,
 * most of what starting natdiff costs beyond starting Node. V8 refuses a cache that another Node
 * version wrote, and the bundle is then compiled as usual.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';

export const BUNDLE = join(__dirname, 'natdiff-bundle.js');
export const CODE_CACHE = join(__dirname, 'natdiff-bundle.cache');

function codeCache(): Buffer | undefined {
  try {
    return readFileSync(CODE_CACHE);
  } catch {
    return undefined; // none (a build that did not write it): compiled as usual
  }
}

/**
 * The bundle, wrapped as Node wraps a CommonJS module, compiled with the code cache if there is
 * one and `cached`. V8 checks a cache against the length of the source only: a cache written for
 * another bundle of the same length is taken, and its functions then fail to compile (a
 * SyntaxError where there is none), so the cache is written for a bundle compiled without one.
 */
export function compileBundle(cached = true): Script {
  const source = readFileSync(BUNDLE, 'utf8');
  return new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: BUNDLE, cachedData: cached ? codeCache() : undefined });
}

/** Runs the bundle; returns its script, whose `createCachedData()` then holds every function the run compiled. */
export function runBundle(cached = true): Script {
  const script = compileBundle(cached);
  const module = { exports: {} };
  (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, createRequire(BUNDLE), module, BUNDLE, dirname(BUNDLE));
  return script;
}
