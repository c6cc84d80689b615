/**
 * The kubectl client natdiff drives (real kubectl, never a library): every call gets the
 * user's --context/--kubeconfig, a request timeout and a process timeout, and a failure becomes
 * one line naming the call and kubectl's own reason.
 */
import { CaptureError } from '../errors';
import { firstLine, runCommand, type CommandResult } from './run-command';

export interface KubeTarget {
  context?: string;
  kubeconfig?: string;
}

export interface KubectlOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  /** The kubectl binary (tests and unusual installs). */
  binary?: string;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/** `get pods`, `exec`, `rollout status`: the verb and its object, for messages. */
function describeCall(args: readonly string[]): string {
  const [verb, object] = args;
  return object && !object.startsWith('-') ? `${verb} ${object}` : (verb ?? '');
}

export class KubectlError extends CaptureError {
  constructor(
    readonly call: string,
    readonly reason: string,
    readonly result: CommandResult | null,
  ) {
    super(`kubectl ${call}: ${reason}`);
  }

  get notFound(): boolean {
    return /\(NotFound\)|not found/i.test(this.reason);
  }
}

export class Kubectl {
  constructor(
    readonly target: KubeTarget = {},
    readonly options: KubectlOptions = {},
  ) {}

  argv(args: readonly string[]): string[] {
    const base = [this.options.binary ?? process.env.NATDIFF_KUBECTL ?? 'kubectl'];
    if (this.target.kubeconfig) base.push('--kubeconfig', this.target.kubeconfig);
    if (this.target.context) base.push('--context', this.target.context);
    return [...base, ...args];
  }

  async result(args: readonly string[], timeoutMs = this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS): Promise<CommandResult> {
    const call = describeCall(args);
    try {
      return await runCommand(this.argv(args), { timeoutMs, signal: this.options.signal });
    } catch (e) {
      if (e instanceof CaptureError && /not installed/.test(e.message)) {
        throw new KubectlError(call, 'kubectl is not installed (or not on PATH)', null);
      }
      throw e;
    }
  }

  /** stdout of a call that must succeed. */
  async run(args: readonly string[], timeoutMs?: number): Promise<string> {
    const res = await this.result(args, timeoutMs);
    if (res.code !== 0) throw new KubectlError(describeCall(args), firstLine(res.stderr) || `exit ${res.code}`, res);
    return res.stdout;
  }

  async json<T>(args: readonly string[]): Promise<T> {
    const out = await this.run([...args, '-o', 'json']);
    try {
      return JSON.parse(out) as T;
    } catch {
      throw new KubectlError(describeCall(args), 'printed something that is not JSON', null);
    }
  }

  async currentContext(): Promise<string | null> {
    if (this.target.context) return this.target.context;
    const res = await this.result(['config', 'current-context']);
    return res.code === 0 ? res.stdout.trim() || null : null;
  }
}
