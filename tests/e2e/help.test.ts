/** Finding one's way: `natdiff help CMD`, error hints that name the command's help, shell completion. */
import { spawnSync } from 'node:child_process';
import { CLI, expectOneLineError, natdiff, ROOT } from '../support/cli';
import { natdiffInTerminal, terminalUnavailableReason } from '../support/terminal';

const noTerminal = terminalUnavailableReason();
if (noTerminal) console.warn(`skipping the 80-column help tests: ${noTerminal}`);

describe('natdiff help COMMAND', () => {
  test.each(['diff', 'snap', 'snapshots', 'scale', 'check', 'drift'])("natdiff help %s prints that command's --help", (command) => {
    const help = natdiff(['help', command]);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(new RegExp(`^natdiff ${command}\\b`));
    expect(help).toEqual(natdiff([command, '--help']));
  });

  test('natdiff help alone is natdiff --help, and lists help and completion', () => {
    const help = natdiff(['help']);
    expect(help).toEqual(natdiff(['--help']));
    expect(help.stdout).toMatch(/^ {2}natdiff help \[command\] +print a command's help$/m);
    expect(help.stdout).toMatch(/^ {2}natdiff completion +print a bash or zsh completion script$/m);
  });
});

(noTerminal ? describe.skip : describe)('help on an 80-column terminal', () => {
  test.each([[[]], [['diff']], [['snap']], [['scale']], [['check']], [['drift']]])('natdiff %j --help: no line wider than the terminal', (command) => {
    const r = natdiffInTerminal([...command, '--help'], { columns: 80 });
    expect(r.status).toBe(0);
    const lines = r.output.split('\r\n');
    expect(lines.length).toBeGreaterThan(10);
    expect(lines.filter((l) => l.length > 80)).toEqual([]);
  });

  test('each example command is whole on a line of its own, under what it does', () => {
    const lines = natdiffInTerminal(['--help'], { columns: 80 }).output.split('\r\n');
    const at = lines.indexOf('  natdiff scale deployment/coredns --replicas 4 -n kube-system --node worker-1');
    expect(at).toBeGreaterThan(0);
    expect(lines[at - 1]).toBe('  # scale, wait for kube-proxy, report');
    expect(lines).toContain('  natdiff diff before.txt after.txt -o markdown --out incident.md');
  });
});

describe('check and drift say their exit codes; drift sets its capture options apart', () => {
  test.each([
    ['check', /\nExit codes: 0 no error-level finding .*1 an error-level\s+finding, 2 bad input or usage\. Warnings about the input go to stderr and are not findings/],
    ['drift', /\nExit codes: 0 every port consistent .*1\s+a port drifts or a node is stale, 2 bad input or a node that could not be captured\.\n$/],
  ])('natdiff %s --help', (command, exitCodes) => {
    expect(natdiff([command, '--help']).stdout).toMatch(exitCodes);
  });

  test('natdiff drift --help: the options of --all-nodes under their own heading, which says files do not use them', () => {
    const help = natdiff(['drift', '--help']).stdout;
    const group = help.slice(help.indexOf('Capturing every node (--all-nodes; unused with snapshot files):'), help.indexOf('\nOptions:'));
    for (const option of ['--all-nodes', '--concurrency', '--via', '--debug-image', '--context', '--kubeconfig', '--mode', '--all-tables', '--command-timeout']) expect(group).toContain(`  ${option} `);
    expect(group).not.toContain('--format');
  });
});

describe('an error on the command line points to the help of the command being run', () => {
  test.each([
    ['diff', ['diff', 'only-one.txt'], /^natdiff: Not enough non-option arguments: got 1, need at least 2 \(natdiff diff --help for usage\)$/],
    ['snapshots', ['snapshots', '--frobnicate'], /^natdiff: Unknown argument: frobnicate \(natdiff snapshots --help for usage\)$/],
    ['scale', ['scale', 'deployment/web'], /^natdiff: Missing required argument: replicas \(natdiff scale --help for usage\)$/],
    ['no command', ['--frobnicate'], /^natdiff: name a command \(natdiff --help for usage\)$/],
    ['check -, which reads no standard input', ['check', '-'], /^natdiff: natdiff check reads no standard input \(-\): name a file \(<\(ssh NODE sudo iptables-save\) works\) \(natdiff check --help for usage\)$/],
    ['drift with a -, which was left out: two nodes compared where three were named', ['drift', '-', 'a.txt', 'b.txt'], /^natdiff: natdiff drift reads no standard input \(-\): name a file for each node/],
    ['an unknown command', ['frobnicate'], /^natdiff: Unknown argument: frobnicate \(natdiff --help for usage\)$/],
  ])('%s', (_, args, message) => {
    expectOneLineError(natdiff(args), message);
  });
});

describe('shell completion', () => {
  test('natdiff completion prints a bash script; with SHELL=zsh, a zsh one', () => {
    const bash = natdiff(['completion'], { env: { SHELL: '/bin/bash' } });
    expect(bash.status).toBe(0);
    expect(bash.stdout).toContain('complete -o bashdefault -o default -F _natdiff_yargs_completions natdiff');
    const zsh = natdiff(['completion'], { env: { SHELL: '/usr/bin/zsh' } });
    expect(zsh.stdout).toMatch(/^#compdef natdiff$/m);
    expect(zsh.stdout).toContain('compdef _natdiff_yargs_completions natdiff');
  });

  test('in bash, with the script loaded, completing `natdiff d` offers diff and drift, and `natdiff diff --al` its options', () => {
    // `natdiff` as the script calls it: a function running the built CLI.
    const session = [
      `natdiff() { "${process.execPath}" "${CLI}" "$@"; }`,
      'eval "$(natdiff completion)"',
      'complete_words() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _natdiff_yargs_completions; echo "${COMPREPLY[*]}"; }',
      'complete_words natdiff d',
      'complete_words natdiff diff --al',
    ].join('\n');
    const r = spawnSync('bash', ['-c', session], { encoding: 'utf8', cwd: ROOT, env: { ...process.env, SHELL: '/bin/bash' } });
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n')).toEqual(['diff drift', '--all --allow-truncated', '']);
  });
});
