/**
 * Runs one external command: always an argument array (never a shell string), always a
 * timeout, stdout and stderr collected, and every way it can fail turned into one clear line.
 */
import { spawn } from 'node:child_process';
import { CaptureError } from '../errors';
import { sanitizeLine } from '../sanitize';

export interface CommandOptions {
  timeoutMs: number;
  input?: string;
  env?: NodeJS.ProcessEnv;
  /** Aborting kills the command (Ctrl-C). */
  signal?: AbortSignal;
  /** Refuse output larger than this (a runaway command must not exhaust memory). */
  maxBytes?: number;
}

export interface CommandResult {
  stdout: string;
  stderr: string;
  code: number;
}

const DEFAULT_MAX_BYTES = 600 * 1024 * 1024;

/** How a command line reads in messages: `kubectl -n kube-system exec …`. */
export function showCommand(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`)).join(' ');
}

/** The first line of stderr worth showing (kubectl and ssh put the reason there). */
export function firstLine(text: string): string {
  const line = text.split('\n').map((l) => l.trim()).find((l) => l !== '' && !/^warning:/i.test(l)) ?? '';
  return sanitizeLine(line.length > 300 ? `${line.slice(0, 297)}...` : line);
}

export class CommandFailed extends CaptureError {
  constructor(
    readonly argv: readonly string[],
    readonly result: CommandResult,
  ) {
    super(`${showCommand(argv)} failed (exit ${result.code})${firstLine(result.stderr) ? `: ${firstLine(result.stderr)}` : ''}`);
  }
}

/** Resolves with the output whatever the exit code; rejects (CaptureError) when the command could not run or finish. */
export function runCommand(argv: readonly string[], options: CommandOptions): Promise<CommandResult> {
  const [cmd, ...args] = argv;
  if (!cmd) return Promise.reject(new CaptureError('no command given', 'invalid-argument'));
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'], signal: options.signal });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let bytes = 0;
    let failure: CaptureError | null = null;
    const limit = options.maxBytes ?? DEFAULT_MAX_BYTES;
    const timer = setTimeout(() => {
      failure = new CaptureError(`${showCommand(argv)} timed out after ${Math.round(options.timeoutMs / 1000)} s`, 'timeout');
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.stdout.on('data', (d: Buffer) => {
      bytes += d.length;
      if (bytes > limit && !failure) {
        failure = new CaptureError(`${showCommand(argv)} printed more than ${Math.round(limit / 1048576)} MiB; stopped it`, 'output-too-large');
        child.kill('SIGKILL');
      } else out.push(d);
    });
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (e.code === 'ENOENT') reject(new CaptureError(`${cmd} is not installed (or not on PATH)`, 'not-installed'));
      else if (e.code === 'EACCES') reject(new CaptureError(`${cmd}: permission denied`, 'permission-denied'));
      else if (e.name === 'AbortError') reject(new CaptureError(`${showCommand(argv)} interrupted`, 'interrupted'));
      else reject(new CaptureError(`${showCommand(argv)}: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (failure) return reject(failure);
      if (options.signal?.aborted) return reject(new CaptureError(`${showCommand(argv)} interrupted`, 'interrupted'));
      resolve({ stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), code: code ?? (signal ? 128 : 1) });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/** Runs the command and requires exit 0. */
export async function runChecked(argv: readonly string[], options: CommandOptions): Promise<CommandResult> {
  const result = await runCommand(argv, options);
  if (result.code !== 0) throw new CommandFailed(argv, result);
  return result;
}
