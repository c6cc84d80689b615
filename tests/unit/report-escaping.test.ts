/**
 * No string from a dump reaches a report raw: not a terminal control, not an invisible or
 * direction-changing character, not an HTML tag, not a Markdown autolink or strikethrough.
 */
import { fc, test as prop } from '@fast-check/jest';
import { parse as parseYaml } from 'yaml';
import { InputError } from '../../lib/errors';
import { diffSnapshots } from '../../lib/diff/diff-snapshots';
import type { DiffReport } from '../../lib/diff/types';
import { reportDocument } from '../../lib/report/json';
import { renderMarkdown } from '../../lib/report/markdown';
import { renderText } from '../../lib/report/text';
import { renderYaml } from '../../lib/report/yaml';
import { sanitizeLine } from '../../lib/sanitize';
import { diffTexts, fixture, snapshotOf } from '../support/snapshots';

interface Fields {
  chain: string;
  policy: string;
  comment: string;
  target: string;
  table: string;
}

const PLAIN: Fields = { chain: 'X', policy: 'ACCEPT', comment: 'web', target: 'RETURN', table: 'filter' };

/** A nat table with one service, a chain of other software, and a second table: every field a report shows. */
function dump(f: Fields): string {
  const q = (s: string) => `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
  return `${[
    '*nat',
    `:PREROUTING ${f.policy} [0:0]`,
    ':KUBE-SERVICES - [0:0]',
    `:${f.chain} - [0:0]`,
    ':KUBE-SVC-AAAAAAAAAAAAAAAA - [0:0]',
    ':KUBE-SEP-BBBBBBBBBBBBBBBB - [0:0]',
    `-A PREROUTING -m comment --comment ${q(f.comment)} -j KUBE-SERVICES`,
    `-A KUBE-SERVICES -d 10.96.0.1/32 -p tcp -m comment --comment ${q(`ns/${f.comment}:http cluster IP`)} -m tcp --dport 80 -j KUBE-SVC-AAAAAAAAAAAAAAAA`,
    `-A KUBE-SVC-AAAAAAAAAAAAAAAA -m comment --comment ${q(`ns/${f.comment}:http -> 10.244.0.5:80`)} -j KUBE-SEP-BBBBBBBBBBBBBBBB`,
    `-A KUBE-SEP-BBBBBBBBBBBBBBBB -p tcp -m comment --comment ${q(`ns/${f.comment}:http`)} -m tcp -j DNAT --to-destination 10.244.0.5:80`,
    `-A ${f.chain} -m comment --comment ${q(f.comment)} -j ${f.target}`,
    'COMMIT',
    `*${f.table}`,
    `:${f.chain} - [0:0]`,
    `-A ${f.chain} -j ${f.target}`,
    'COMMIT',
  ].join('\n')}\n`;
}

function reports(report: DiffReport): Record<'text' | 'markdown' | 'yaml', string> {
  return {
    text: renderText(report, { color: false, all: true }),
    markdown: renderMarkdown(report, { all: true, toolVersion: '0.0.0' }),
    yaml: renderYaml(report, '0.0.0', { all: true }),
  };
}

/**
 * What a report must not hold, once the tags the Markdown report writes itself and the tab jsdiff
 * puts in a patch's file lines are set aside: controls but the newline, format characters (zero
 * width, bidi, BOM), line separators, and the start of an HTML tag, comment or declaration.
 */
function unsafeIn(out: string): string[] {
  const ours = out.replace(/<\/?(?:details|summary|sub)>/g, '').replace(/^((?:---|\+\+\+) [^\t\n]*)\t/gm, '$1 ');
  return ours.match(/[\p{Cf}\u2028\u2029]|(?!\n)\p{Cc}|<[a-zA-Z/!]/gu) ?? [];
}

const PIECES = [
  '<script>alert(1)</script>', '</b>', '<!--', '<?x', '<img src=x onerror=y>', '\u001b[31m', '\u001b]0;t\u0007', '\u0085', '\u009b', '\u007f',
  '\u200b', '\u200c', '\u200d', '\u2060', '\u2028', '\u2029', '\ufeff', '\u202e', '\u2066', '\u061c', '\u00ad', '\u{e0041}',
  '\t', '\r', '\n', ' ', '"', '\\', '`', '|', '~~', '*', '_', '#', '[x](y)', 'http://evil.example/a', 'www.evil.example', 'a@b.example', '&lt;', '&#x202e;', ':',
];
const payload = fc
  .array(fc.oneof(fc.constantFrom(...PIECES), fc.string({ maxLength: 4 }), fc.string({ unit: 'binary', maxLength: 3 })), { minLength: 1, maxLength: 6 })
  .map((xs) => xs.join(''));
const field = (plain: string) => fc.oneof(fc.constant(plain), payload);
const fields = fc.record({ chain: field(PLAIN.chain), policy: field(PLAIN.policy), comment: field(PLAIN.comment), target: field(PLAIN.target), table: field(PLAIN.table) });

describe('no string from a dump reaches a report raw', () => {
  prop.prop([fields, field('after'), fc.constantFrom('nat', 'all')], { numRuns: 300 })(
    'any string in a chain name, policy, comment, target, table name or file name: no control, invisible character or HTML tag in text, Markdown or YAML; the YAML reads back as the JSON document',
    (after, source, table) => {
      let report: DiffReport;
      try {
        report = diffSnapshots(snapshotOf(dump(PLAIN), 'before'), snapshotOf(dump(after), source), { table });
      } catch (e) {
        if (e instanceof InputError) return; // refused as a whole: one sanitized line on stderr
        throw e;
      }
      const out = reports(report);
      expect({ text: unsafeIn(out.text), markdown: unsafeIn(out.markdown), yaml: unsafeIn(out.yaml) }).toEqual({ text: [], markdown: [], yaml: [] });
      expect(parseYaml(out.yaml)).toEqual(reportDocument(report, '0.0.0', { all: true }));
    },
  );

  test('a chain policy holding a script tag or an escape sequence is shown escaped in every report', () => {
    const report = diffTexts(dump(PLAIN), dump({ ...PLAIN, policy: '<script>alert(1)</script>' }));
    const evil = diffTexts(dump(PLAIN), dump({ ...PLAIN, policy: 'DROP\u001b[2J' }));
    const out = reports(report);
    expect(out.text).toContain('policy ACCEPT → \\x3cscript>alert(1)\\x3c/script>');
    expect(out.markdown).toContain('policy `ACCEPT` → `\\x3cscript>alert(1)\\x3c/script>`');
    expect(out.yaml).toContain('after: "\\u003cscript>alert(1)\\u003c/script>"');
    expect(reports(evil).text).toContain('policy ACCEPT → DROP\\x1b[2J');
    expect(reports(evil).markdown).toContain('policy `ACCEPT` → `DROP\\x1b[2J`');
  });

  test('zero-width, C1 and bidi characters are escaped like controls', () => {
    expect(sanitizeLine('a\u200bb\u200cc\u200dd\u2060e\u0085f\u009bg\u202eh\ufeffi\u{e0041}')).toBe('a\\u200bb\\u200cc\\u200dd\\u2060e\\x85f\\x9bg\\u202eh\\ufeffi\\u{e0041}');
  });

  test('in Markdown, links and strikethrough from a dump stay text: a URL, www. and an e-mail address are code, ~ is escaped', () => {
    const line = 'see http://evil.example/x or www.evil.example, mail a@b.example ~~gone~~';
    const md = renderMarkdown(diffTexts(dump(PLAIN), `${dump(PLAIN)}${line}\n`), { all: false, toolVersion: '0.0.0' });
    expect(md).toContain('not an iptables rule line: see `http://evil.example/x` or `www.evil.example,` mail `a@b.example` \\~\\~gone\\~\\~');
    expect(md).not.toMatch(/[^`(]http:\/\//);
  });
});

describe('YAML', () => {
  test('has no anchors or aliases, even where the report holds one object twice (corpus 09 against itself)', () => {
    const text = fixture('corpus', '09-k8s-1.6era-docker-externalip-physdev-affinity.txt');
    const report = diffSnapshots(snapshotOf(text, '09'), snapshotOf(text, '09'));
    const yaml = renderYaml(report, '0.0.0', { all: true });
    expect(yaml).not.toMatch(/[&*]a\d/);
    expect(yaml).toContain('issues: []');
    expect(parseYaml(yaml)).toEqual(reportDocument(report, '0.0.0', { all: true }));
  });
});
