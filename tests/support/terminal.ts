/**
 * The built CLI on a pseudo-terminal, as a user at a terminal runs it: stdout and stderr are the
 * terminal (util-linux `script` provides it). Without `script` the tests skip and say why.
 */
import { spawnSync } from 'node:child_process';
import { CLI, ROOT } from './cli';

export interface TerminalResult {
  status: number | null;
  /** What the terminal received, stdout and stderr in the order written (newlines as \r\n). */
  output: string;
}

export function terminalUnavailableReason(): string | null {
  return spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0 ? null : 'needs `script` (util-linux) for a pseudo-terminal';
}

const quote = (arg: string): string => `'${arg.replace(/'/g, `'\\''`)}'`;

export function natdiffInTerminal(args: string[], options: { columns?: number } = {}): TerminalResult {
  const command = `stty cols ${options.columns ?? 80} rows 24; exec ${[process.execPath, CLI, ...args].map(quote).join(' ')}`;
  const env = { ...process.env, SHELL: '/bin/sh', TERM: 'xterm', NO_COLOR: undefined, FORCE_COLOR: undefined };
  const res = spawnSync('script', ['--quiet', '--flush', '--return', '--echo', 'never', '--command', command, '/dev/null'], {
    encoding: 'utf8', cwd: ROOT, env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000,
  });
  return { status: res.status, output: res.stdout };
}
