/**
 * When `natdiff scale` stops waiting, decided from what the polls saw, when the rollout was seen
 * complete and the time now: no clock, no I/O, so every case can be tested with made-up polls.
 */

/** What one poll of the cluster and the node's rules saw, reduced to what the decision needs. */
export interface Poll {
  /** When the poll began reading (epoch ms): nothing it saw is older. */
  startedAt: number;
  /** When it had read everything (epoch ms): the time the timeline gives what it saw. */
  at: number;
  /** The workload's ready pods. */
  readyPods: number;
  /** Service ports whose EndpointSlices lag behind the pods, or whose rules differ from the slices. */
  behind: string[];
  /** The rules of the watched service ports, as a stable text (equal texts, equal rules). */
  rules: string;
}

export interface WaitPolicy {
  /** `deployment/web`: how what is outstanding names the workload. */
  workload: string;
  replicas: number;
  /** Services select the workload: converged means their rules match the slices; otherwise it means rules unchanged for settleMs. */
  watchesServices: boolean;
  settleMs: number;
  intervalMs: number;
  /** Epoch ms after which natdiff gives up. */
  deadline: number;
}

export type Decision =
  /** The rules matched from the poll that ended at matchedAt; the poll ending at confirmedAt (after the rollout) proved it. */
  | { kind: 'converged'; matchedAt: number; confirmedAt: number }
  | { kind: 'timeout'; outstanding: string[] }
  | { kind: 'wait'; outstanding: string[]; sleepMs: number };

function seconds(ms: number): string {
  return `${Math.round(ms / 1000)} s`;
}

/**
 * The polls, newest last, from which the workload has had all its replicas ready, nothing has
 * been behind and the rules have been what they are now: where convergence starts.
 */
function finalStreak(polls: readonly Poll[], replicas: number): readonly Poll[] {
  const last = polls[polls.length - 1];
  if (!last) return [];
  let first = polls.length;
  for (let i = polls.length - 1; i >= 0; i--) {
    const p = polls[i] as Poll;
    if (p.readyPods !== replicas || p.behind.length > 0 || p.rules !== last.rules) break;
    first = i;
  }
  return polls.slice(first);
}

function outstanding(last: Poll, rolloutAt: number | null, streak: readonly Poll[], policy: WaitPolicy): string[] {
  const items: string[] = [];
  if (rolloutAt === null) items.push(`${policy.workload}: rollout not complete`);
  else if (rolloutAt > last.startedAt) items.push(`${policy.workload}: rolled out while the rules were being read; reading them again`);
  if (last.readyPods !== policy.replicas) items.push(`${policy.workload}: ${last.readyPods} of ${policy.replicas} pods ready`);
  items.push(...last.behind);
  if (!policy.watchesServices && streak.length > 0) items.push(`node rules: not yet unchanged for ${seconds(policy.settleMs)} (--settle)`);
  return items;
}

/**
 * Converged once a poll that began after the rollout was seen complete finds the rules matching
 * (or, with no service to match, unchanged for the settle window); the time given is the first
 * poll of that unbroken match. At the deadline, one more poll if the rollout completed while the
 * last one was reading (so what is reported outstanding is never older than the rollout), then
 * timeout with what is still outstanding.
 */
export function decide(polls: readonly Poll[], rolloutAt: number | null, now: number, policy: WaitPolicy): Decision {
  const last = polls[polls.length - 1];
  if (!last) return now >= policy.deadline ? { kind: 'timeout', outstanding: ['the rules were never read'] } : { kind: 'wait', outstanding: ['the first reading of the rules'], sleepMs: 0 };
  const streak = finalStreak(polls, policy.replicas);
  const rolledOut = rolloutAt !== null && rolloutAt <= last.startedAt;
  const matchedAt = streak[0]?.at;
  if (rolledOut && matchedAt !== undefined && (policy.watchesServices || last.at - matchedAt >= policy.settleMs)) {
    return { kind: 'converged', matchedAt, confirmedAt: last.at };
  }
  const items = outstanding(last, rolloutAt, streak, policy);
  if (now < policy.deadline) return { kind: 'wait', outstanding: items, sleepMs: Math.min(policy.intervalMs, policy.deadline - now) };
  if (rolloutAt !== null && !rolledOut) return { kind: 'wait', outstanding: items, sleepMs: 0 };
  return { kind: 'timeout', outstanding: items };
}
