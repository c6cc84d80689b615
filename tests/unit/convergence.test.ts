/**
 * When `natdiff scale` stops waiting, from made-up polls and a made-up clock: no cluster, no real
 * time. t0 is 0; times are ms.
 */
import { fc, test as property } from '@fast-check/jest';
import { decide, type Decision, type Poll, type WaitPolicy } from '../../lib/scale/convergence';

const SERVICES: WaitPolicy = { workload: 'deployment/web', replicas: 3, watchesServices: true, settleMs: 10_000, intervalMs: 1000, deadline: 60_000 };
const NO_SERVICE: WaitPolicy = { ...SERVICES, workload: 'statefulset/lonely', watchesServices: false };

const LACK = 'default/web:http: rules lack 10.244.1.7:8080';
const RULES_1 = 'default/web:http=10.244.1.5:8080';
const RULES_3 = 'default/web:http=10.244.1.5:8080,10.244.1.6:8080,10.244.1.7:8080';

/** A poll that began 100 ms before it ended. */
function poll(at: number, fields: Partial<Poll> = {}): Poll {
  return { startedAt: at - 100, at, readyPods: 3, behind: [], rules: RULES_3, ...fields };
}

describe('before any poll', () => {
  test('poll at once', () => {
    expect(decide([], null, 0, SERVICES)).toEqual({ kind: 'wait', outstanding: ['the first reading of the rules'], sleepMs: 0 });
  });

  test('past the deadline (a zero --timeout): timeout, saying the rules were never read', () => {
    expect(decide([], null, 60_000, SERVICES)).toEqual({ kind: 'timeout', outstanding: ['the rules were never read'] });
  });
});

describe('services select the workload: converged when the rules match the slices after the rollout', () => {
  test('the time given is the first poll of the unbroken match, not the poll that confirmed it after the rollout', () => {
    const polls = [poll(1000, { readyPods: 1, behind: [LACK], rules: RULES_1 }), poll(2000), poll(3000), poll(4000)];
    // The rollout was seen complete at 2500: the poll ending at 3000 began at 2900, after it.
    expect(decide(polls, 2500, 4000, SERVICES)).toEqual({ kind: 'converged', matchedAt: 2000, confirmedAt: 4000 });
  });

  test('a poll that was behind breaks the match: the time given is after it', () => {
    const polls = [poll(1000), poll(2000, { behind: [LACK] }), poll(3000), poll(4000)];
    expect(decide(polls, 500, 4000, SERVICES)).toMatchObject({ kind: 'converged', matchedAt: 3000 });
  });

  test('rules that still changed while they matched: the time given is the first poll of the rules as they are now', () => {
    const polls = [poll(1000, { rules: 'default/web:http=10.244.1.4:8080,10.244.1.6:8080,10.244.1.7:8080' }), poll(2000)];
    expect(decide(polls, 500, 2000, SERVICES)).toMatchObject({ kind: 'converged', matchedAt: 2000 });
  });

  test('rules that match before the rollout is seen complete: wait for the rollout', () => {
    const d = decide([poll(1000), poll(2000)], null, 2000, SERVICES);
    expect(d).toEqual({ kind: 'wait', outstanding: ['deployment/web: rollout not complete'], sleepMs: 1000 });
  });

  test('the rollout seen complete while the last poll was reading: read again before deciding', () => {
    const d = decide([poll(2000)], 1950, 2000, SERVICES);
    expect(d).toEqual({ kind: 'wait', outstanding: ['deployment/web: rolled out while the rules were being read; reading them again'], sleepMs: 1000 });
  });

  test('waiting: what is outstanding, and a sleep that never passes the deadline', () => {
    const d = decide([poll(59_500, { readyPods: 2, behind: [LACK] })], 500, 59_600, SERVICES);
    expect(d).toEqual({ kind: 'wait', outstanding: ['deployment/web: 2 of 3 pods ready', LACK], sleepMs: 400 });
  });
});

describe('the deadline', () => {
  test('rules that never converge: timeout naming what the rules lack, and not the rollout, which completed', () => {
    const polls = [poll(30_000, { behind: [LACK] }), poll(60_000, { behind: [LACK] })];
    expect(decide(polls, 5000, 60_000, SERVICES)).toEqual({ kind: 'timeout', outstanding: [LACK] });
  });

  test('a rollout that never completed: timeout saying so', () => {
    const polls = [poll(60_000, { readyPods: 1, behind: [LACK] })];
    expect(decide(polls, null, 60_100, SERVICES)).toEqual({ kind: 'timeout', outstanding: ['deployment/web: rollout not complete', 'deployment/web: 1 of 3 pods ready', LACK] });
  });

  test('the rollout completed while the last poll was reading: one more poll, then the answer', () => {
    const late = [poll(60_000, { readyPods: 2, behind: [LACK] })];
    expect(decide(late, 59_950, 60_000, SERVICES)).toMatchObject({ kind: 'wait', sleepMs: 0 });
    expect(decide([...late, poll(60_200)], 59_950, 60_200, SERVICES)).toEqual({ kind: 'converged', matchedAt: 60_200, confirmedAt: 60_200 });
    expect(decide([...late, poll(60_200, { behind: [LACK] })], 59_950, 60_200, SERVICES)).toEqual({ kind: 'timeout', outstanding: [LACK] });
  });

  test('converged at the last moment wins over the deadline', () => {
    expect(decide([poll(60_000)], 1000, 60_100, SERVICES)).toMatchObject({ kind: 'converged' });
  });
});

describe('no service selects the workload: converged when the rules stay unchanged for --settle', () => {
  test('unchanged for less than the settle window: wait, saying so', () => {
    const polls = [poll(1000), poll(5000)];
    expect(decide(polls, 500, 5000, NO_SERVICE)).toEqual({ kind: 'wait', outstanding: ['node rules: not yet unchanged for 10 s (--settle)'], sleepMs: 1000 });
  });

  test('unchanged for the settle window with every replica ready: converged from the first poll that saw them so', () => {
    const polls = [poll(1000, { readyPods: 2 }), poll(2000, { rules: RULES_1 }), poll(3000), poll(13_000)];
    expect(decide(polls, 500, 13_000, NO_SERVICE)).toEqual({ kind: 'converged', matchedAt: 3000, confirmedAt: 13_000 });
  });

  test('replicas not all ready: that is what is outstanding', () => {
    expect(decide([poll(1000, { readyPods: 2 })], 500, 1000, NO_SERVICE)).toMatchObject({ kind: 'wait', outstanding: ['statefulset/lonely: 2 of 3 pods ready'] });
  });
});

describe('invariants over any polls, rollout time and clock', () => {
  const anyPoll = fc
    .record({ gap: fc.integer({ min: 1, max: 5000 }), span: fc.integer({ min: 0, max: 3000 }), readyPods: fc.constantFrom(3, 3, 3, 1, 4), behind: fc.constantFrom(false, false, false, true), rules: fc.constantFrom(RULES_3, RULES_3, RULES_1) })
    .map((p) => ({ ...p, behind: p.behind ? [LACK] : [] }));
  const scenario = fc.record({
    polls: fc.array(anyPoll, { maxLength: 12 }),
    rolloutAt: fc.option(fc.integer({ min: 0, max: 40_000 }), { nil: null, freq: 4 }),
    after: fc.integer({ min: 0, max: 70_000 }),
    policy: fc.constantFrom(SERVICES, NO_SERVICE),
  });
  /** Polls one after another from t0; the clock reads after the last. */
  const build = (s: { polls: { gap: number; span: number; readyPods: number; behind: string[]; rules: string }[]; after: number }) => {
    let t = 0;
    const polls: Poll[] = s.polls.map((p) => {
      const startedAt = t + p.gap;
      t = startedAt + p.span;
      return { startedAt, at: t, readyPods: p.readyPods, behind: p.behind, rules: p.rules };
    });
    return { polls, now: t + s.after };
  };
  const outstandingOf = (d: Decision) => (d.kind === 'converged' ? null : d.outstanding);

  property.prop([scenario])('not converged: something is named as outstanding; the rollout is named as incomplete exactly when it was not seen complete', (s) => {
    const { polls, now } = build(s);
    const d = decide(polls, s.rolloutAt, now, s.policy);
    const outstanding = outstandingOf(d);
    if (outstanding === null) return;
    expect(outstanding.length).toBeGreaterThan(0);
    if (polls.length > 0) expect(outstanding.some((o) => o.endsWith(': rollout not complete'))).toBe(s.rolloutAt === null);
  });

  property.prop([scenario])('timeout only at the deadline, and never with a poll older than the completed rollout', (s) => {
    const { polls, now } = build(s);
    const d = decide(polls, s.rolloutAt, now, s.policy);
    if (d.kind !== 'timeout') return;
    expect(now).toBeGreaterThanOrEqual(s.policy.deadline);
    const last = polls[polls.length - 1];
    if (last && s.rolloutAt !== null) expect(s.rolloutAt).toBeLessThanOrEqual(last.startedAt);
  });

  property.prop([scenario])('a wait never sleeps past the deadline or longer than the interval', (s) => {
    const { polls, now } = build(s);
    const d = decide(polls, s.rolloutAt, now, s.policy);
    if (d.kind !== 'wait') return;
    expect(d.sleepMs).toBeGreaterThanOrEqual(0);
    expect(d.sleepMs).toBeLessThanOrEqual(s.policy.intervalMs);
    if (now < s.policy.deadline) expect(now + d.sleepMs).toBeLessThanOrEqual(s.policy.deadline);
  });

  property.prop([scenario])('converged exactly when a poll that began after the rollout saw the final rules with nothing behind (for --settle, with no service), from the first poll of that unbroken run', (s) => {
    const { polls, now } = build(s);
    const d = decide(polls, s.rolloutAt, now, s.policy);
    const last = polls[polls.length - 1];
    const fine = (p: Poll) => p.readyPods === s.policy.replicas && p.behind.length === 0 && p.rules === last?.rules;
    let from = polls.length;
    while (from > 0 && fine(polls[from - 1] as Poll)) from--;
    const first = polls[from];
    const expected = last && first && s.rolloutAt !== null && s.rolloutAt <= last.startedAt && (s.policy.watchesServices || last.at - first.at >= s.policy.settleMs) ? { kind: 'converged', matchedAt: first.at, confirmedAt: last.at } : null;
    if (expected) expect(d).toEqual(expected);
    else expect(d.kind).not.toBe('converged');
  });
});
