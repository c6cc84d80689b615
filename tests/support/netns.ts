/**
 * Private network namespaces for tests that run the real iptables. Each test creates its own
 * namespace with a unique name and deletes it afterwards; without root (or without `ip` and
 * `iptables-restore`) the tests skip and say why.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

const TIMEOUT_MS = 20_000;

export function run(argv: string[], input?: string): RunResult {
  const [cmd, ...args] = argv;
  const res = spawnSync(cmd as string, args, { input, encoding: 'utf8', timeout: TIMEOUT_MS });
  return { status: res.status, stdout: res.stdout ?? '', stderr: res.stderr ?? (res.error ? String(res.error) : '') };
}

function onPath(cmd: string): boolean {
  return run(['sh', '-c', 'command -v "$1"', 'sh', cmd]).status === 0;
}

/** Why namespace tests cannot run here, or null when they can. */
export function netnsUnavailableReason(): string | null {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'needs root to create network namespaces';
  for (const cmd of ['ip', 'iptables-restore', 'iptables-save']) {
    if (!onPath(cmd)) return `needs ${cmd} on PATH (Debian: apt-get install iptables iproute2)`;
  }
  const probe = `natdiff-probe-${randomBytes(4).toString('hex')}`;
  const added = run(['ip', 'netns', 'add', probe]);
  if (added.status !== 0) return `cannot create a network namespace: ${added.stderr.trim()}`;
  run(['ip', 'netns', 'del', probe]);
  return null;
}

export function createNetns(prefix = 'natdiff-test'): string {
  const name = `${prefix}-${randomBytes(4).toString('hex')}`;
  const res = run(['ip', 'netns', 'add', name]);
  if (res.status !== 0) throw new Error(`ip netns add ${name}: ${res.stderr}`);
  return name;
}

export function deleteNetns(name: string): void {
  run(['ip', 'netns', 'del', name]);
}

export function inNetns(name: string, argv: string[], input?: string): RunResult {
  return run(['ip', 'netns', 'exec', name, ...argv], input);
}

/** Loads a restore payload into the namespace; throws with iptables-restore's message on failure. */
export function restore(name: string, payload: string, extraArgs: string[] = []): void {
  const res = inNetns(name, ['iptables-restore', ...extraArgs], payload);
  if (res.status !== 0) throw new Error(`iptables-restore failed: ${res.stderr}`);
}

export function save(name: string, extraArgs: string[] = []): string {
  const res = inNetns(name, ['iptables-save', ...extraArgs]);
  if (res.status !== 0) throw new Error(`iptables-save failed: ${res.stderr}`);
  return res.stdout;
}

export async function withNetns<T>(fn: (name: string) => Promise<T> | T): Promise<T> {
  const name = createNetns();
  try {
    return await fn(name);
  } finally {
    deleteNetns(name);
  }
}
