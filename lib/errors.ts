/**
 * Errors the user can act on. The CLI prints `message` as a single line on stderr and exits 2;
 * anything else escaping the engine is a bug.
 */
export class NatdiffError extends Error {
  constructor(
    message: string,
    /** A second line for the user: what the tool underneath said, in its own words. */
    readonly detail: string | null = null,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad input: a file that is not a dump, a line that breaks it, a file that cannot be written. */
export class InputError extends NatdiffError {
  constructor(
    /** What is wrong, without the file and line. */
    readonly reason: string,
    readonly source?: string,
    readonly line?: number,
  ) {
    super(source ? `${source}${line ? `:${line}` : ''}: ${reason}` : reason);
  }
}

/** Why a capture failed: what code that must tell failures apart switches on (never the message). */
export type CaptureErrorCode =
  /** The program is not installed (or not on PATH). */
  | 'not-installed'
  | 'permission-denied'
  | 'timeout'
  | 'interrupted'
  | 'output-too-large'
  /** A name or option natdiff will not hand to a command (it could be read as an option or run something). */
  | 'invalid-argument'
  /** The command printed something other than what was asked for. */
  | 'bad-output'
  /** What was asked for does not exist (a node, a pod, a Kubernetes object). */
  | 'not-found'
  /** kubectl has no cluster to talk to: no kubeconfig, no current context, an unknown context. */
  | 'no-cluster'
  /** The cluster's API server cannot be reached, or its certificate is not trusted. */
  | 'unreachable'
  /** The cluster did not accept the credentials. */
  | 'unauthorized'
  /** The cluster accepted the credentials but refused the request (RBAC). */
  | 'forbidden'
  /** Anything else: the command ran and failed. */
  | 'failed';

/** A capture that failed: a missing binary, a refused permission, a timeout, a cluster error. */
export class CaptureError extends NatdiffError {
  constructor(
    message: string,
    readonly code: CaptureErrorCode = 'failed',
    detail: string | null = null,
  ) {
    super(message, detail);
  }
}

/** A problem in one line of an otherwise usable input: reported, and the rest is still diffed. */
export interface Warning {
  source: string;
  line: number | null;
  message: string;
}
