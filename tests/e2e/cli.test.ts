/** The built CLI, spawned as a user runs it: stdout, stderr and exit code. */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { parse as parseYaml } from 'yaml';
import { CLI, expectOneLineError, natdiff } from '../support/cli';

const BEFORE = 'snapshots/coredns-scale-2to4-before.txt';
const AFTER = 'snapshots/coredns-scale-2to4-after.txt';
const tmp = mkdtempSync(join(tmpdir(), 'natdiff-e2e-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const file = (name: string, content: string | Buffer) => {
  const p = join(tmp, name);
  writeFileSync(p, content);
  return p;
};

describe('natdiff diff on the bundled coredns scale 2 → 4', () => {
  const r = natdiff(['diff', BEFORE, AFTER]);

  test('exit 1 (changes), nothing on stderr', () => {
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('');
  });

  test('the service, then a block per changed port: endpoints, probability ladder, shares', () => {
    expect(r.stdout).toContain('\n~ kube-system/kube-dns  3 ports changed\n  ~ dns  udp 10.96.0.10:53 ');
    for (const port of ['dns-tcp  tcp 10.96.0.10:53 ', 'metrics  tcp 10.96.0.10:9153 ']) expect(r.stdout).toContain(`\n  ~ ${port}`);
    expect(r.stdout.match(/probabilities {2}0\.5 → 0\.25\/0\.333\/0\.5/g)).toHaveLength(3);
    expect(r.stdout).toMatch(/\+ 10\.244\.0\.7:53 +— → 25%/);
    expect(r.stdout).toMatch(/ 10\.244\.0\.5:53 +50% → 25%/);
    expect(r.stdout).toContain('1 service unchanged (--all lists it)');
  });

  test('ends with the one-line summary', () => {
    expect(r.stdout.trimEnd().split('\n').pop()).toBe('1 service, 3 ports changed · 6 endpoints added · 18 rules added, 6 changed');
  });

  test('--color colours whole lines: added green, removed red, changed yellow', () => {
    const green = (line: string) => `\u001b[32m${line}\u001b[39m`;
    const red = (line: string) => `\u001b[31m${line}\u001b[39m`;
    const yellow = (line: string) => `\u001b[33m${line}\u001b[39m`;
    const lines = natdiff(['diff', BEFORE, AFTER, '--color']).stdout.split('\n');
    expect(lines).toContain(yellow('~ \u001b[1mkube-system/kube-dns\u001b[22m  3 ports changed'));
    expect(lines).toContain(`  ${yellow('~ \u001b[1mdns\u001b[22m  \u001b[2mudp 10.96.0.10:53\u001b[22m  endpoints 2 → 4 (+2)')}`);
    expect(lines).toContain(`  ${green('    + 10.244.0.7:53       — → 25%')}`);
    expect(lines).toContain(`  ${yellow('      10.244.0.5:53     50% → 25%')}`);
    const scaledDown = natdiff(['diff', AFTER, 'snapshots/kube-proxy-v5-restore.log', '--service', 'kube-system/kube-dns:dns', '--color']).stdout.split('\n');
    expect(scaledDown).toContain(red('    - 10.244.0.7:53      25% → —'));
  });

  test('no colour when stdout is not a terminal; --color forces it; NO_COLOR wins over FORCE_COLOR', () => {
    expect(r.stdout).not.toContain('\u001b[');
    expect(natdiff(['diff', BEFORE, AFTER, '--color']).stdout).toContain('\u001b[');
    expect(natdiff(['diff', BEFORE, AFTER], { env: { FORCE_COLOR: '1' } }).stdout).toContain('\u001b[');
    expect(natdiff(['diff', BEFORE, AFTER], { env: { FORCE_COLOR: '1', NO_COLOR: '1' } }).stdout).not.toContain('\u001b[');
  });
});

describe('exit codes like diff and kubectl diff', () => {
  test('a dump against itself: exit 0, "no semantic change"', () => {
    const r = natdiff(['diff', AFTER, AFTER]);
    expect(r.status).toBe(0);
    expect(r.stdout.trimEnd().split('\n').pop()).toBe('no semantic change');
  });

  test('one cluster in IPVS mode, then in nftables mode (a migration): exit 0, "same service behaviour, different mode"; scaled: exit 1', () => {
    const ipvs = 'tests/fixtures/ipvs/ipvsadm-Ln.txt';
    const same = natdiff(['diff', ipvs, 'tests/fixtures/nftables/k8s-master.list.txt']);
    expect([same.status, same.stderr]).toEqual([0, '']);
    expect(same.stdout.split('\n')[2]).toMatch(/^different proxy modes: before is kube-proxy IPVS mode, after kube-proxy nftables mode/);
    expect(same.stdout.trimEnd().split('\n').pop()).toBe('same service behaviour, different mode');
    const scaled = natdiff(['diff', ipvs, 'tests/fixtures/nftables/k8s-master-scaled.list.txt', '-o', 'json']);
    expect(scaled.status).toBe(1);
    const doc = JSON.parse(scaled.stdout);
    expect([doc.before.mode, doc.after.mode, doc.acrossModes.kubeProxyChains > 0]).toEqual(['ipvs', 'nftables', true]);
    expect(doc.services.filter((s: { status: string }) => s.status !== 'unchanged').map((s: { label: string; endpointsAdded: string[] }) => `${s.label} +${s.endpointsAdded.length}`)).toEqual(['kube-system/kube-dns:dns +2', 'kube-system/kube-dns:dns-tcp +2']);
  });

  test('--quiet: nothing printed, the exit code says it', () => {
    expect(natdiff(['diff', '-q', BEFORE, AFTER])).toEqual({ status: 1, stdout: '', stderr: '' });
    expect(natdiff(['diff', '--quiet', AFTER, AFTER])).toEqual({ status: 0, stdout: '', stderr: '' });
  });

  test('--service and --namespace narrow the report and the exit code', () => {
    const dns = natdiff(['diff', BEFORE, AFTER, '--service', 'kube-system/kube-dns:dns']);
    expect(dns.status).toBe(1);
    expect(dns.stdout).toContain('kube-system/kube-dns:dns ');
    expect(dns.stdout).not.toContain('dns-tcp');
    expect(natdiff(['diff', '-q', BEFORE, AFTER, '--service', 'default/kubernetes']).status).toBe(0);
    expect(natdiff(['diff', '-q', BEFORE, AFTER, '--namespace', 'default']).status).toBe(0);
    expect(natdiff(['diff', '-q', BEFORE, AFTER, '-n', 'kube-system']).status).toBe(1);
  });

  test('--all lists the unchanged services too', () => {
    expect(natdiff(['diff', BEFORE, AFTER, '--all']).stdout).toMatch(/default\/kubernetes:https +tcp 10\.96\.0\.1:443 +endpoints 1/);
  });
});

describe('machine-readable and ticket-ready output', () => {
  const json = JSON.parse(natdiff(['diff', BEFORE, AFTER, '-o', 'json']).stdout);

  test('JSON follows the documented contract', () => {
    expect(json.formatVersion).toBe(2);
    expect(Object.keys(json).slice(4, 7)).toEqual(['table', 'servicesListed', 'acrossModes']);
    const dns = json.services.find((s: { name: string; protocol: string }) => s.name === 'kube-system/kube-dns:dns');
    expect(dns).toMatchObject({
      protocol: 'udp',
      status: 'changed',
      endpointsAdded: ['10.244.0.7:53', '10.244.0.8:53'],
      endpointsRemoved: [],
      before: { clusterIP: '10.96.0.10', port: 53, probabilities: [0.5] },
      after: { clusterIP: '10.96.0.10', port: 53, probabilities: [0.25, 0.33333333349, 0.5] },
    });
    expect(dns.after.endpoints[0]).toMatchObject({ address: '10.244.0.5:53', probability: 0.25, share: 0.25 });
    expect(dns.after.endpoints[3]).toMatchObject({ address: '10.244.0.8:53', probability: null, share: 0.25 });
    expect(json.summary).toMatchObject({ servicesChanged: 3, byService: { added: 0, removed: 0, changed: 1, unchanged: 1 }, endpointsAdded: 6, changed: true });
  });

  test('YAML is the same document', () => {
    expect(parseYaml(natdiff(['diff', BEFORE, AFTER, '-o', 'yaml']).stdout)).toEqual(json);
  });

  describe('JSON and YAML list the services that changed, as kubectl diff does; --all lists every one', () => {
    const all = JSON.parse(natdiff(['diff', BEFORE, AFTER, '-o', 'json', '--all']).stdout);
    const listed = (doc: { services: { label: string; status: string }[] }) => doc.services.map((s) => `${s.label} ${s.status}`);
    const DNS = ['kube-system/kube-dns:dns changed', 'kube-system/kube-dns:dns-tcp changed', 'kube-system/kube-dns:metrics changed'];

    test('by default: the changed ports only, and the document says so', () => {
      expect(json.servicesListed).toBe('changed');
      expect(listed(json)).toEqual(DNS);
    });

    test('--all: the unchanged service too', () => {
      expect(all.servicesListed).toBe('all');
      expect(listed(all).sort()).toEqual([...DNS, 'default/kubernetes:https unchanged'].sort());
    });

    test('the summary counts every service either way', () => {
      expect(all.summary).toEqual(json.summary);
      expect(json.summary).toMatchObject({ servicesUnchanged: 1, byService: { unchanged: 1 } });
    });

    test('YAML --all is the JSON --all document', () => {
      expect(parseYaml(natdiff(['diff', BEFORE, AFTER, '-o', 'yaml', '--all']).stdout)).toEqual(all);
    });
  });

  test('Markdown: summary table, a section per service with share bars, the normalized rule diff folded away', () => {
    const md = natdiff(['diff', BEFORE, AFTER, '-o', 'markdown']).stdout;
    expect(md).toContain('| kube-system/kube-dns:dns | changed | udp 10.96.0.10:53 | 2 → 4 (+2) | 0.5 → 0.25/0.333/0.5 | 50% → 25% |');
    expect(md).toContain('**1 service, 3 ports changed · 6 endpoints added · 18 rules added, 6 changed**');
    expect(md).toContain('### kube-system/kube-dns — 3 ports changed\n\n#### dns (udp 10.96.0.10:53) — changed\n');
    expect(md).toContain('| `10.244.0.5:53` | `██████████··········` 50% | `█████···············` 25% |');
    expect(md).toMatch(/<details>\n<summary>Normalized rule diff \(table nat\)<\/summary>\n\n```diff\n/);
    expect(md).toContain('+-A KUBE-SEP-232DQYSHL5HNRYWJ -p udp -m comment --comment "kube-system/kube-dns:dns" -j DNAT --to-destination 10.244.0.7:53');
  });
});

describe('--out writes atomically and never overwrites without --force', () => {
  test('write, refuse, force', () => {
    const out = join(tmp, 'incident.md');
    expect(natdiff(['diff', BEFORE, AFTER, '-o', 'markdown', '--out', out]).status).toBe(1);
    expect(readFileSync(out, 'utf8')).toMatch(/^## natdiff/);
    writeFileSync(out, 'my notes');
    expectOneLineError(natdiff(['diff', BEFORE, AFTER, '--out', out]), /incident\.md: already exists; pass --force to replace it$/);
    expect(readFileSync(out, 'utf8')).toBe('my notes');
    expect(natdiff(['diff', BEFORE, AFTER, '--out', out, '--force']).status).toBe(1);
    expect(readFileSync(out, 'utf8')).toMatch(/^natdiff /);
    expect(readdirSync(tmp).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  test('a JSON report streamed into the file is the one printed', () => {
    const out = join(tmp, 'report.json');
    expect(natdiff(['diff', BEFORE, AFTER, '-o', 'json', '--out', out]).status).toBe(1);
    expect(readFileSync(out, 'utf8')).toBe(natdiff(['diff', BEFORE, AFTER, '-o', 'json']).stdout);
  });
});

describe('bad input: one clear line on stderr, exit 2', () => {
  test.each([
    ['a missing file', () => join(tmp, 'nope.txt'), /nope\.txt: no such file$/],
    ['a directory', () => tmp, /: is a directory, not a dump$/],
    ['an empty file', () => file('empty.txt', ''), /empty\.txt: is empty$/],
    ['a PNG', () => file('shot.png', Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex')), /shot\.png: is a PNG image, not a dump$/],
    ['a YAML manifest', () => file('svc.yaml', 'apiVersion: v1\nkind: Service\nmetadata:\n  name: x\n'), /svc\.yaml: looks like a Kubernetes manifest/],
    ['iptables -L without -n', () => file('list.txt', 'Chain PREROUTING (policy ACCEPT)\ntarget     prot opt source               destination\nKUBE-SERVICES  all  --  anywhere             anywhere             /* kubernetes service portals */\n'), /list\.txt:3: `iptables -L` without `-n` prints names \(`anywhere`, host and service names\) that cannot be compared with addresses: list with `iptables -t nat -L -n`$/],
    ['a truncated dump', () => file('cut.txt', '*nat\n:KUBE-SERVICES - [0:0]\n-A KUBE-SERVICES -j RETURN\n'), /cut\.txt:1: table nat \(opened on line 1\) has no COMMIT/],
    ['prose', () => file('prose.txt', 'hello\nthis is not a dump\n'), /prose\.txt:1: not an iptables rule line; no iptables rules found$/],
    ['a 10 MB single line', () => file('huge.txt', `-A X ${'x'.repeat(10 * 1024 * 1024)}`), /huge\.txt:1: line is 10485765 characters long/],
  ])('%s', (_, path, message) => {
    expectOneLineError(natdiff(['diff', path(), AFTER]), new RegExp(`^natdiff: .*${message.source}`));
  });

  test('an unknown option', () => {
    expectOneLineError(natdiff(['diff', BEFORE, AFTER, '--frobnicate']), /^natdiff: Unknown argument: frobnicate/);
  });

  test('warnings are one line each on stderr, with file and line; the diff still runs; --strict makes them fatal', () => {
    const cut = file('cut-marker.txt', `${readFileSync(AFTER, 'utf8')}...\n`);
    const r = natdiff(['diff', BEFORE, cut]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      `natdiff: warning: after ${cut}:98: lines were cut here by whoever made this file; what is missing cannot be diffed\n` +
        `natdiff: warning: after ${cut}: has lines left out by whoever made it (a \`...\` line): what it does not hold is not compared\n`,
    );
    expect(r.stdout).toContain('2 warnings about the input (printed on stderr)');
    expectOneLineError(natdiff(['diff', BEFORE, cut, '--strict']), /cut-marker\.txt:98: lines were cut here by whoever made this file; what is missing cannot be diffed \(and 1 more warning; --strict is set\)$/);
  });
});

describe('each warning once, saying which input it is about', () => {
  const CORPUS_09 = 'tests/fixtures/corpus/09-k8s-1.6era-docker-externalip-physdev-affinity.txt';

  test('a dump against itself (corpus 09): each damaged line warned once, for before and after', () => {
    const r = natdiff(['diff', CORPUS_09, CORPUS_09]);
    expect(r.stderr.trimEnd().split('\n')).toEqual([39, 40, 41, 47, 48, 49].map((line) => `natdiff: warning: before and after ${CORPUS_09}:${line}: -d x.x.x.x/32 is not an IP address or network`));
    expect(r.stdout).toContain('6 warnings about the input (printed on stderr)');
    const json = JSON.parse(natdiff(['diff', CORPUS_09, CORPUS_09, '-o', 'json']).stdout);
    expect(json.warnings.map((w: { side: string; line: number }) => `${w.side} ${w.line}`)).toEqual(['both 39', 'both 40', 'both 41', 'both 47', 'both 48', 'both 49']);
  });

  test('two dumps: a warning of one side says that side; the same line damaged in both says both', () => {
    const damaged = readFileSync(CORPUS_09, 'utf8');
    const mended = file('mended-09.txt', damaged.replace(/x\.x\.x\.x/g, '192.0.2.7'));
    const oneMended = file('one-mended-09.txt', damaged.replace(/^(-A KUBE-SERVICES -d )x\.x\.x\.x(\/32 .*dns-tcp-53 external IP.*)$/m, '$1192.0.2.7$2'));
    expect(natdiff(['diff', mended, CORPUS_09]).stderr).toMatch(new RegExp(`^(natdiff: warning: after ${CORPUS_09}:\\d+: .*\n){6}$`));
    expect(natdiff(['diff', CORPUS_09, mended]).stderr).toMatch(new RegExp(`^(natdiff: warning: before ${CORPUS_09}:\\d+: .*\n){6}$`));
    const both = natdiff(['diff', CORPUS_09, oneMended]).stderr.trimEnd().split('\n');
    expect(both.filter((l) => !l.includes(' and after '))).toEqual([`natdiff: warning: before ${CORPUS_09}:47: -d x.x.x.x/32 is not an IP address or network`]);
    expect(both.filter((l) => l.includes(' and after '))).toEqual([39, 40, 41, 48, 49].map((n) => `natdiff: warning: before ${CORPUS_09}:${n} and after ${oneMended}:${n}: -d x.x.x.x/32 is not an IP address or network`));
  });
});

describe('input is data, never terminal control', () => {
  test('escape sequences in a comment are shown escaped', () => {
    const evil = file('evil.txt', '-N X\n-A X -m comment --comment "\u001b[2J\u001b]0;pwned\u0007 hi" -j RETURN\n');
    const clean = file('clean.txt', '-N X\n-A X -j ACCEPT\n');
    const r = natdiff(['diff', clean, evil]);
    expect(r.status).toBe(1);
    expect(r.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
    expect(r.stdout).toContain('\\x1b[2J\\x1b]0;pwned\\x07 hi');
  });
});

describe('ways in', () => {
  test('stdin as "-"', () => {
    const r = natdiff(['diff', '-', AFTER], { input: readFileSync(BEFORE, 'utf8') });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('stdin');
  });

  test('a kube-proxy -v=5 log is read as its restore payload', () => {
    const r = natdiff(['diff', AFTER, 'snapshots/kube-proxy-v5-restore.log', '--service', 'kube-system/kube-dns:dns']);
    expect(r.stdout).toMatch(/\+ 10\.244\.0\.9:53/);
    expect(r.stdout).toMatch(/- 10\.244\.0\.7:53/);
  });

  test('as a kubectl plugin: kubectl natdiff diff …', () => {
    const kubectl = spawnSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).stdout.trim();
    if (!kubectl) {
      console.warn('skipped: kubectl is not installed');
      return;
    }
    const bin = join(tmp, 'bin');
    mkdirSync(bin, { recursive: true });
    const plugin = join(bin, 'kubectl-natdiff');
    writeFileSync(plugin, `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
    chmodSync(plugin, 0o755);
    const r = spawnSync(kubectl, ['natdiff', 'diff', '-q', BEFORE, AFTER], { encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH}` }, cwd: join(__dirname, '..', '..') });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
  });

  test('symlinked as kubectl-natdiff, the package bin', () => {
    const link = join(tmp, 'kubectl-natdiff-link');
    symlinkSync(CLI, link);
    const r = spawnSync(process.execPath, [link, 'diff', '-q', AFTER, AFTER], { encoding: 'utf8' });
    expect(r.status).toBe(0);
  });
});

describe('what the review found at the command line', () => {
  test('a --service or --namespace that matches nothing is an error, with the names there are', () => {
    expectOneLineError(natdiff(['diff', BEFORE, AFTER, '--service', 'kube-system/kube-dsn']), /^natdiff: no service in either input matches --service kube-system\/kube-dsn; in that namespace: kube-system\/kube-dns:dns, kube-system\/kube-dns:dns-tcp, kube-system\/kube-dns:metrics$/);
    expectOneLineError(natdiff(['diff', BEFORE, AFTER, '-n', 'nope']), /^natdiff: no service in either input matches --namespace nope; services there: /);
  });

  test('--payload must be a whole number', () => {
    expectOneLineError(natdiff(['diff', AFTER, 'snapshots/kube-proxy-v5-restore.log', '--payload', '1.5']), /--payload 1\.5: needs a whole number/);
  });

  test('a device is not a dump (and is never read forever)', () => {
    expectOneLineError(natdiff(['diff', '/dev/zero', AFTER]), /^natdiff: \/dev\/zero: is not a regular file or a pipe \(a device\?\), not a dump$/);
  });

  test('pipes are read: natdiff diff <(…) <(…)', () => {
    const r = spawnSync('bash', ['-c', `"${process.execPath}" "${CLI}" diff -q <(cat ${BEFORE}) <(cat ${AFTER})`], { encoding: 'utf8', cwd: join(__dirname, '..', '..') });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('');
  });

  test('yargs errors are one line too', () => {
    expectOneLineError(natdiff(['diff', BEFORE, AFTER, '-o', 'xml']), /^natdiff: Invalid values: Argument: output, Given: "xml", Choices: /);
  });

  test('-q with --out is refused rather than writing nothing', () => {
    expectOneLineError(natdiff(['diff', '-q', BEFORE, AFTER, '--out', join(tmp, 'never.md')]), /mutually exclusive/);
  });

  test('"-" is stdin only for the files of natdiff diff: a command after -- keeps it', () => {
    expectOneLineError(natdiff(['snap', '--dir', tmp, '--exec', '--', 'echo', '-']), /^natdiff: echo - did not give an iptables dump/);
  });
});

describe('inputs larger than memory allows', () => {
  test('are refused up front with the NODE_OPTIONS that would do, not a crash', () => {
    const big = file('big.txt', `${readFileSync(AFTER, 'utf8')}${'# padding\n'.repeat(2_000_000)}`);
    const r = natdiff(['diff', big, big], { env: { NODE_OPTIONS: '--max-old-space-size=64' } });
    expectOneLineError(r, /^natdiff: the inputs are \d+ MiB together; diffing them takes at least \d+ MiB of memory, more than this Node\.js may use \(\d+ MiB\): run natdiff with NODE_OPTIONS=--max-old-space-size=\d+ on a machine with that much free memory$/);
  });
});
