import { fc, test as prop } from '@fast-check/jest';
import { saveString, tokenize, TokenizeError } from '../../lib/parse/iptables/tokenize';

const values = (line: string) => tokenize(line).values;

describe('tokenize (iptables-restore argument splitting)', () => {
  test('splits on runs of spaces and tabs', () => {
    expect(values('-A  KUBE-SERVICES\t-j   ACCEPT ')).toEqual(['-A', 'KUBE-SERVICES', '-j', 'ACCEPT']);
  });

  test('double quotes group words and backslash escapes inside them', () => {
    expect(values('--comment "a \\"b\\" c\\\\d\\\'e"')).toEqual(['--comment', 'a "b" c\\d\'e']);
  });

  test('quotes may start mid-word, single quotes are ordinary characters', () => {
    expect(values(`--comment ab"c d"e 'x'`)).toEqual(['--comment', 'abc de', "'x'"]);
  });

  test('an empty quoted string is an empty value, marked quoted', () => {
    expect(tokenize('--comment ""')).toEqual({ values: ['--comment', ''], quoted: [false, true] });
  });

  test('a line without quotes needs no quoted marks', () => {
    expect(tokenize('-A X -j Y')).toEqual({ values: ['-A', 'X', '-j', 'Y'], quoted: null });
  });

  prop.prop([fc.array(fc.constantFrom(' ', '  ', '\t', '\r', '\v', '\f', '\n', 'a', '-A', 'KUBE', '!', '/', 'é')).map((parts) => parts.join(''))])(
    'without quotes, words are exactly the runs of non-whitespace',
    (line) => {
      expect(values(line)).toEqual(line.split(/[ \t\n\r\v\f]+/).filter((w) => w !== ''));
    },
  );

  test('an unterminated quote is an error', () => {
    expect(() => tokenize('--comment "open')).toThrow(TokenizeError);
  });
});

describe('saveString (how iptables-save quotes)', () => {
  test.each([
    ['kube-system_x-1', 'kube-system_x-1'],
    ['default/kubernetes:https', '"default/kubernetes:https"'],
    ['a"b\\c\'d', '"a\\"b\\\\c\\\'d"'],
    ['', '""'],
  ])('%s → %s', (input, expected) => expect(saveString(input)).toBe(expected));
});
