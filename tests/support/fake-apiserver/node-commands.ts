/**
 * Runs commands "on a node": inside the node's network namespace via `ip netns exec`, always as an
 * argument vector (never a shell string) and with a timeout. Used by exec, debug pods and the fake
 * kube-proxy. The nodes' PATH may start with a folder of stand-ins (the IPVS tools, where the
 * kernel has no IPVS).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface CommandOptions {
  /** Written to the command's stdin, which is then closed. */
  input?: string;
  /** Piped to the command's stdin (an exec with stdin=true). */
  stdin?: NodeJS.ReadableStream;
  timeoutMs?: number;
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
}

export interface CommandResult {
  /** The exit code, or null when the process was killed by a signal or never started. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be started or timed out. */
  error?: string;
}

export const DEFAULT_COMMAND_TIMEOUT_MS = 20_000;

export class NodeCommands {
  private readonly running = new Set<ChildProcess>();
  private readonly killed = new WeakSet<ChildProcess>();
  private readonly env: NodeJS.ProcessEnv;

  /** `binDir`: found first on the nodes' PATH. */
  constructor(binDir?: string) {
    const path = [...(binDir ? [binDir] : []), process.env.PATH ?? ''].join(delimiter);
    this.env = { ...process.env, PATH: path };
  }

  /** Whether a program is on the nodes' PATH (a path with `/` is taken as it is). */
  onPath(cmd: string): boolean {
    if (cmd.includes('/')) return true;
    return (this.env.PATH ?? '').split(delimiter).some((dir) => {
      try {
        accessSync(join(dir, cmd), constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
  }

  run(netns: string, argv: string[], options: CommandOptions = {}): Promise<CommandResult> {
    const timeout = options.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    const child = spawn('ip', ['netns', 'exec', netns, ...argv], {
      env: this.env,
      stdio: [options.input === undefined && !options.stdin ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      timeout,
      killSignal: 'SIGKILL',
    });
    this.running.add(child);
    child.stdout?.on('data', (chunk: Buffer) => options.onStdout?.(chunk));
    child.stderr?.on('data', (chunk: Buffer) => options.onStderr?.(chunk));
    child.stdin?.on('error', () => undefined); // the command may exit without reading its input
    if (options.input !== undefined) child.stdin?.end(options.input);
    else if (options.stdin && child.stdin) options.stdin.pipe(child.stdin);
    return new Promise((resolve) => {
      let startError: string | undefined;
      child.on('error', (error) => {
        startError = error.message;
      });
      child.on('close', (exitCode, signal) => {
        this.running.delete(child);
        const timedOut = signal === 'SIGKILL' && !this.killed.has(child);
        const error = startError ?? (timedOut ? `timed out after ${timeout} ms` : this.killed.has(child) ? 'killed: the fake cluster closed' : undefined);
        resolve({ exitCode, signal, ...(error ? { error } : {}) });
      });
    });
  }

  /** Kills whatever is still running (used when the cluster closes). */
  killAll(): void {
    for (const child of this.running) {
      this.killed.add(child);
      child.kill('SIGKILL');
    }
  }
}

/** The command's output collected, for callers that do not stream. */
export async function runCollect(
  commands: NodeCommands,
  netns: string,
  argv: string[],
  input?: string,
): Promise<CommandResult & { stdout: string; stderr: string }> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const result = await commands.run(netns, argv, {
    ...(input !== undefined ? { input } : {}),
    onStdout: (c) => out.push(c),
    onStderr: (c) => err.push(c),
  });
  return { ...result, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}
