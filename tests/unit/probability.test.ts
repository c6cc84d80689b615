import { probabilityText, probabilityUnits } from '../../lib/parse/iptables/probability';

describe('the statistic probability grid', () => {
  test.each([
    ['0.3333333333', '0.33333333349'],
    ['0.5000000000', '0.50000000000'],
    ['0.2000000000', '0.20000000019'],
    ['0.1666666667', '0.16666666651'],
    ['0.33333', '0.33332999982'],
  ])('kube-proxy writes %s, iptables-save prints %s', (written, saved) => {
    expect(probabilityText(probabilityUnits(written) as number)).toBe(saved);
    expect(probabilityUnits(saved)).toBe(probabilityUnits(written));
  });

  test('the 5-digit and 10-digit eras differ: a real change, not precision noise', () => {
    expect(probabilityUnits('0.33333')).not.toBe(probabilityUnits('0.3333333333'));
  });

  test.each(['abc', '-0.5', '1.5', ''])('%j is not a probability', (text) => expect(probabilityUnits(text)).toBeNull());
});
