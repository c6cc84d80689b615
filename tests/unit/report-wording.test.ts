/** Reports that tell the truth at a glance: each line says what happened, and only that. */
import { noiseNotes } from '../../lib/report/view';
import { diffTexts, fixture } from '../support/snapshots';

const corpus = (name: string) => fixture('corpus', name);
const CORPUS_09 = corpus('09-k8s-1.6era-docker-externalip-physdev-affinity.txt');
const CORPUS_12 = corpus('12-k3s-iptables-save-c-counters-noendpoints-reject.txt');

describe('"Ignored as noise: packet counters"', () => {
  test('is not said when both inputs carry the same counters (corpus 09 and 12 against themselves)', () => {
    for (const text of [CORPUS_09, CORPUS_12]) {
      const report = diffTexts(text, text);
      expect(report.noise).toMatchObject({ counters: true, countersDiffer: false });
      expect(noiseNotes(report)).not.toContain('packet counters');
    }
  });

  test('is said when the counters differ: a rule counter, a policy counter', () => {
    const ruleCounter = CORPUS_12.replace(/^\[(\d+):/m, (_, n: string) => `[${Number(n) + 1}:`);
    const policyCounter = CORPUS_09.replace(/^(:PREROUTING ACCEPT \[)(\d+)/m, (_, head: string, n: string) => `${head}${Number(n) + 1}`);
    expect(ruleCounter).not.toBe(CORPUS_12);
    expect(policyCounter).not.toBe(CORPUS_09);
    for (const [before, after] of [[CORPUS_12, ruleCounter], [CORPUS_09, policyCounter]] as const) {
      const report = diffTexts(before, after);
      expect(report.summary.changed).toBe(false);
      expect(noiseNotes(report)).toContain('packet counters');
    }
  });
});
