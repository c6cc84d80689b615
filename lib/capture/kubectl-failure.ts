/**
 * What a failed kubectl call said, read from kubectl's own output: the line that says what is
 * wrong (not klog's repeated `E1206 … memcache.go:265] couldn't get current server API group
 * list` noise), and what kind of failure it is, with a hint when it is about reaching the cluster.
 */
import type { CaptureErrorCode } from '../errors';
import { firstLine, type CommandResult } from './run-command';

export interface KubectlFailure {
  code: CaptureErrorCode;
  /** kubectl's own words. */
  reason: string;
  /** What natdiff makes of it, said first; null when kubectl's words say it best. */
  hint: string | null;
}

const NO_CLUSTER = 'cannot reach the cluster (no kubeconfig or context?)';

// Checked in order against stderr (and a username prompt on stdout): the first match classifies.
const FAILURES: { code: CaptureErrorCode; said: RegExp; hint: string | null }[] = [
  // With no kubeconfig at all kubectl falls back to localhost:8080.
  { code: 'no-cluster', said: /localhost:8080 was refused|current-context is not set|context was not found for specified context|context "[^"\n]*" does not exist|no configuration has been provided|^error: stat [^\n]*: no such file or directory$/m, hint: NO_CLUSTER },
  // A kubeconfig user without credentials: kubectl asks for a username, then fails on the closed stdin.
  { code: 'unauthorized', said: /\(Unauthorized\)|You must be logged in to the server|^Please enter Username:/m, hint: 'the cluster did not accept the credentials (expired token or certificate? log in again)' },
  { code: 'forbidden', said: /\(Forbidden\)/, hint: "the cluster refused the request (the kubeconfig's user lacks the permission)" },
  { code: 'unreachable', said: /x509:|tls: failed to verify/, hint: "cannot reach the cluster (its certificate is not trusted: the kubeconfig's certificate-authority is wrong?)" },
  {
    code: 'unreachable',
    said: /Unable to connect to the server|connect: connection refused|was refused - did you specify|no such host|i\/o timeout|TLS handshake timeout|network is unreachable|no route to host/,
    hint: "cannot reach the cluster (is the API server up, and the kubeconfig's server address right?)",
  },
  { code: 'not-found', said: /\(NotFound\)|the server doesn't have a resource type/, hint: null },
];

// klog's header: severity, MMDD, time, thread id, file:line]
const KLOG = /^[IWEF]\d{4} \d\d:\d\d:\d\d\.\d+\s+\d+ [^\]\s]+:\d+\] /;

/** klog's message, unwrapped from its structured form `"Unhandled Error" err="…"`. */
function klogMessage(line: string): string {
  const text = line.replace(KLOG, '');
  const quoted = /^"[^"]*" err="(.*)"$/.exec(text)?.[1];
  if (quoted === undefined) return text;
  try {
    return JSON.parse(`"${quoted}"`) as string;
  } catch {
    return quoted;
  }
}

/** The line of kubectl's stderr that says what is wrong: its own error line, else the last klog message. */
export function kubectlReason(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim());
  const own = firstLine(lines.filter((l) => !KLOG.test(l)).join('\n'));
  if (own) return own;
  const klog = lines.filter((l) => KLOG.test(l));
  return klog.length > 0 ? firstLine(klogMessage(klog[klog.length - 1] as string)) : '';
}

export function kubectlFailure(result: CommandResult): KubectlFailure {
  const prompt = /^Please enter Username:/.test(result.stdout) ? firstLine(result.stdout) : '';
  const reason = [prompt, kubectlReason(result.stderr)].filter((s) => s !== '').join(' ') || `exit ${result.code}`;
  const said = `${prompt}\n${result.stderr}`;
  const known = FAILURES.find((f) => f.said.test(said));
  return { code: known?.code ?? 'failed', reason, hint: known?.hint ?? null };
}
