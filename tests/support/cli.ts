import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');
export const CLI = join(ROOT, 'dist', 'cli', 'natdiff.js');

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI as a user would (`npm test` builds it first). */
export function natdiff(args: string[], options: { input?: string; env?: Record<string, string>; cwd?: string } = {}): CliResult {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build (npm test does)`);
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined, ...options.env };
  const res = spawnSync(process.execPath, [CLI, ...args], { input: options.input, encoding: 'utf8', env: env as NodeJS.ProcessEnv, cwd: options.cwd ?? ROOT, timeout: 30_000 });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

/** One line on stderr, no stack trace. */
export function expectOneLineError(r: CliResult, pattern: RegExp): void {
  expect(r.status).toBe(2);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

/**
 * Runs the built CLI without blocking the event loop: needed when the test process itself serves
 * what the CLI talks to (the fake API server).
 */
export function natdiffAsync(args: string[], options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number; onSpawn?: (child: ChildProcess) => void } = {}): Promise<CliResult> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build (npm test does)`);
  return new Promise((resolve) => {
    const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined, ...options.env };
    const child = spawn(process.execPath, [CLI, ...args], { env: env as NodeJS.ProcessEnv, cwd: options.cwd ?? ROOT, timeout: options.timeoutMs ?? 60_000, killSignal: 'SIGKILL' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
    options.onSpawn?.(child);
  });
}

/**
 * The first match of `pattern` in what the child writes to stderr (call it from onSpawn, before
 * anything is written): to act when the CLI says it has reached a step, not after a guessed delay.
 */
export function stderrMatch(child: ChildProcess, pattern: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (c: Buffer) => {
      text += c.toString('utf8');
      const m = pattern.exec(text);
      if (!m) return;
      child.stderr?.off('data', onData);
      child.off('close', onClose);
      resolve(m);
    };
    const onClose = () => reject(new Error(`the CLI ended without writing ${pattern} on stderr:\n${text}`));
    child.stderr?.on('data', onData);
    child.on('close', onClose);
  });
}
