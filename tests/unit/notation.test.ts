import { ladder, percent, probability } from '../../lib/report/notation';

describe('numbers as people read them', () => {
  test.each([
    [0.5, '0.5'], [0.33333333349, '0.333'], [0.25, '0.25'], [0.16666666651, '0.167'], [0.02499999991, '0.025'], [0.0005, '0.0005'], [0.00049975, '0.0005'], [0.1, '0.1'],
  ])('probability %d → %s', (p, text) => expect(probability(p)).toBe(text));

  test.each([
    [0.5, '50%'], [0.25, '25%'], [1 / 3, '33.3%'], [0.025, '2.5%'], [0.0004, '0.04%'], [0.0005, '0.05%'], [0.0004998, '0.05%'], [1, '100%'], [0, '0%'],
  ])('share %d → %s', (s, text) => expect(percent(s)).toBe(text));

  test('ladders: kube-proxy notation, long ones abbreviated, none for a single endpoint', () => {
    expect(ladder([0.25, 0.33333333349, 0.5])).toBe('0.25/0.333/0.5');
    expect(ladder([])).toBe('—');
    expect(ladder(Array.from({ length: 9 }, (_, i) => 1 / (10 - i)))).toBe('0.1/0.111/…/0.333/0.5 (9 rules)');
  });
});
