/**
 * The kubectl client natdiff drives (real kubectl, never a library): every call gets the
 * user's --context/--kubeconfig (attached with `=`, so no value is ever read as an option), a
 * request timeout and a process timeout, and a failure becomes one line naming the call, said
 * first in natdiff's words when it is about reaching the cluster, with kubectl's on a second.
 * Callers end kubectl's options with `--` before object names wherever the verb allows it.
 */
import type { z } from 'zod';
import { CaptureError } from '../errors';
import { describeIssue } from '../schema-issue';
import { kubectlFailure, type KubectlFailure } from './kubectl-failure';
import { runCommand, type CommandResult } from './run-command';

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

/** Options go before the `--` that ends them (after it kubectl reads only names). */
function withOptions(args: readonly string[], ...options: string[]): string[] {
  const end = args.indexOf('--');
  return end < 0 ? [...args, ...options] : [...args.slice(0, end), ...options, ...args.slice(end)];
}

export class KubectlError extends CaptureError {
  readonly reason: string;

  constructor(
    readonly call: string,
    failure: KubectlFailure,
    readonly result: CommandResult | null,
  ) {
    const { code, reason, hint } = failure;
    super(`kubectl ${call}: ${hint ?? reason}`, code, hint ? `kubectl said: ${reason}` : null);
    this.reason = reason;
  }
}

/** The failure of a kubectl call that ran and exited non-zero, as one line naming the call. */
export function callFailed(args: readonly string[], result: CommandResult): KubectlError {
  return new KubectlError(describeCall(args), kubectlFailure(result), result);
}

export class Kubectl {
  constructor(
    readonly target: KubeTarget = {},
    readonly options: KubectlOptions = {},
  ) {}

  argv(args: readonly string[]): string[] {
    const base = [this.options.binary ?? process.env.NATDIFF_KUBECTL ?? 'kubectl'];
    if (this.target.kubeconfig) base.push(`--kubeconfig=${this.target.kubeconfig}`);
    if (this.target.context) base.push(`--context=${this.target.context}`);
    return [...base, ...args];
  }

  async result(args: readonly string[], timeoutMs = this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS): Promise<CommandResult> {
    try {
      return await runCommand(this.argv(args), { timeoutMs, signal: this.options.signal });
    } catch (e) {
      if (e instanceof CaptureError && e.code === 'not-installed') {
        throw new KubectlError(describeCall(args), { code: 'not-installed', reason: 'kubectl is not installed (or not on PATH)', hint: null }, null);
      }
      throw e;
    }
  }

  /** stdout of a call that must succeed. */
  async run(args: readonly string[], timeoutMs?: number): Promise<string> {
    const res = await this.result(args, timeoutMs);
    if (res.code !== 0) throw callFailed(args, res);
    return res.stdout;
  }

  /** `-o json` output that must fit the schema. */
  async json<S extends z.ZodType>(schema: S, args: readonly string[]): Promise<z.output<S>> {
    const out = await this.run(withOptions(args, '-o', 'json'));
    const badOutput = (reason: string) => new KubectlError(describeCall(args), { code: 'bad-output', reason, hint: null }, null);
    let value: unknown;
    try {
      value = JSON.parse(out);
    } catch {
      throw badOutput('printed something that is not JSON');
    }
    const parsed = schema.safeParse(value, { reportInput: true });
    if (!parsed.success) throw badOutput(`printed JSON natdiff cannot read (${describeIssue(parsed.error.issues[0] as z.core.$ZodIssue)})`);
    return parsed.data;
  }

  async currentContext(): Promise<string | null> {
    if (this.target.context) return this.target.context;
    const res = await this.result(['config', 'current-context']);
    return res.code === 0 ? res.stdout.trim() || null : null;
  }
}
