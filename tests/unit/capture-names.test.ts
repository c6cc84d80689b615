/**
 * What natdiff hands to kubectl, ip and ssh: names checked against their owners' rules, never
 * starting with `-`, and ssh options that cannot run a command.
 */
import { fc, test } from '@fast-check/jest';
import { CaptureError } from '../../lib/errors';
import { containerName, namespaceName, netnsName, nodeName, podName, sshDestination } from '../../lib/capture/names';
import { sshOption } from '../../lib/capture/ssh-options';
import { checkSource } from '../../lib/capture/sources';

function refused(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof CaptureError && e.code === 'invalid-argument') return e.message;
    throw e;
  }
  throw new Error('accepted');
}

// Kubernetes' own patterns (k8s.io/apimachinery/pkg/util/validation).
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const nameLike = fc.oneof(fc.string({ maxLength: 70 }), fc.stringMatching(/^[-a-z0-9.]{0,70}$/), fc.constantFrom('--server=https://127.0.0.1:8999', '-n', '.', 'a..b', 'a'.repeat(254)));

describe('Kubernetes names', () => {
  test.each(['node-a', 'ip-10-0-1-7.eu-west-1.compute.internal', '1', 'a'.repeat(253)])('node %s is accepted', (name) => {
    expect(nodeName(name)).toBe(name);
    expect(podName(name)).toBe(name);
  });

  test.each(['--server=https://127.0.0.1:8999', '-x', 'Node-A', 'node_a', 'node-', '.node', 'a..b', 'a b', '', 'a'.repeat(254)])('node %j is refused with one line naming it', (name) => {
    expect(refused(() => nodeName(name))).toBe(`node ${name}: not a Kubernetes node name (lowercase letters, digits, '-' and '.', starting and ending with a letter or digit, at most 253 characters)`);
  });

  test.each(['kube-system', 'a'.repeat(63)])('namespace %s is accepted', (name) => expect(namespaceName(name)).toBe(name));

  test.each(['--server=x', 'kube.system', 'Bad_NS', '', 'a'.repeat(64)])('namespace %j is refused', (name) => {
    expect(refused(() => namespaceName(name))).toMatch(/^namespace .*: not a Kubernetes namespace name \(/);
  });

  test.each(['--server=x', 'Kube-Proxy', 'kube.proxy', ''])('container %j (from a pod spec the cluster answered) is refused', (name) => {
    expect(refused(() => containerName(name))).toMatch(/^container .*: not a Kubernetes container name \(/);
  });

  test.prop([nameLike], { numRuns: 2000 })('a name is accepted exactly when Kubernetes would accept it, and never starts with -', (name) => {
    const subdomain = name.length <= 253 && DNS1123_SUBDOMAIN.test(name);
    const label = name.length <= 63 && DNS1123_LABEL.test(name);
    if (subdomain) expect(nodeName(name)).toBe(name);
    else refused(() => nodeName(name));
    for (const check of [namespaceName, containerName]) {
      if (label) expect(check(name)).toBe(name);
      else refused(() => check(name));
    }
    if (subdomain || label) expect(name.startsWith('-')).toBe(false);
  });
});

describe('network namespace names', () => {
  test.each(['cni-1234', 'natdiff node', 'a'.repeat(255)])('%j is accepted', (name) => expect(netnsName(name)).toBe(name));
  test.each(['', '.', '..', '../x', 'a/b', '-x', '--help', 'a'.repeat(256)])('%j is refused', (name) => {
    expect(refused(() => netnsName(name))).toMatch(/^network namespace .*: not a name ip netns accepts/);
  });
});

describe('ssh destinations', () => {
  test.each(['worker-1', 'admin@worker-1', 'natdiff-1a2b3c@127.0.0.1', 'fe80::1%eth0', 'root@10.0.0.7'])('%s is accepted', (d) => expect(sshDestination(d)).toBe(d));
  test.each(['-oProxyCommand=touch x', '127.0.0.1;touch x', '$(touch x)@127.0.0.1', '`id`', 'host name', '@host', '-l@host', 'ssh://host', ''])('%j is refused', (d) => {
    expect(refused(() => sshDestination(d))).toMatch(/: not (a host name|a user name natdiff passes to ssh)/);
  });
});

describe('ssh options', () => {
  test.each([
    ['Port=2222', 'Port=2222'],
    ['port 2222', 'Port=2222'],
    ['  PORT = 2222 ', 'Port=2222'],
    ['identityfile=/tmp/k ey', 'IdentityFile=/tmp/k ey'],
    ['StrictHostKeyChecking=accept-new', 'StrictHostKeyChecking=accept-new'],
    ['pubkeyacceptedalgorithms +ssh-rsa', 'PubkeyAcceptedAlgorithms=+ssh-rsa'],
  ])('%j is passed as %j', (given, passed) => expect(sshOption(given)).toBe(passed));

  test.each(['ProxyCommand', 'ProxyJump', 'LocalCommand', 'PermitLocalCommand', 'KnownHostsCommand', 'Match', 'Include', 'RemoteCommand', 'ControlPath', 'ControlMaster', 'PKCS11Provider', 'LocalForward', 'ForwardAgent'])(
    '%s is refused, named',
    (key) => {
      for (const spelling of [`${key}=touch /tmp/x`, `${key.toLowerCase()} touch /tmp/x`]) {
        const typed = spelling.split(/[= ]/)[0] as string;
        expect(refused(() => sshOption(spelling))).toMatch(new RegExp(`^--ssh-option ${spelling}: natdiff does not pass ${typed} to ssh; it passes only options that cannot run a command`));
      }
    },
  );

  test.each(['garbage', 'Port', 'Port=', '=22', '', 'User=-oProxyCommand=x', 'User=$(id)', 'Port=22\nProxyCommand=x'])('%j is refused', (option) => {
    expect(refused(() => sshOption(option))).toMatch(/^--ssh-option /);
  });

  test.prop([fc.oneof(fc.string({ maxLength: 40 }), fc.tuple(fc.constantFrom('Port', 'proxycommand', 'User', 'LogLevel', 'Match'), fc.constantFrom('=', ' ', ' = ', '\t'), fc.string({ maxLength: 20 })).map((p) => p.join('')))], { numRuns: 2000 })(
    'what is passed is always KEY=VALUE with an allowed key, a value on one line, and never a command option',
    (option) => {
      let passed: string;
      try {
        passed = sshOption(option);
      } catch (e) {
        expect(e).toBeInstanceOf(CaptureError);
        expect((e as CaptureError).code).toBe('invalid-argument');
        return;
      }
      const [key, ...rest] = passed.split('=');
      expect(['Port', 'User', 'IdentityFile', 'IdentitiesOnly', 'UserKnownHostsFile', 'GlobalKnownHostsFile', 'StrictHostKeyChecking', 'HostKeyAlias', 'CheckHostIP', 'ConnectTimeout', 'ConnectionAttempts', 'ServerAliveInterval', 'ServerAliveCountMax', 'HostKeyAlgorithms', 'PubkeyAcceptedAlgorithms', 'KexAlgorithms', 'Ciphers', 'MACs', 'BatchMode', 'LogLevel', 'AddressFamily', 'Compression']).toContain(key);
      expect(rest.join('=')).not.toMatch(/^$|[\u0000-\u001f\u007f]/);
    },
  );
});

describe('a source is checked before anything runs', () => {
  test('every name of every kind, and ssh options in the spelling ssh reads', () => {
    expect(checkSource({ kind: 'ssh', host: 'admin@worker-1', options: ['port 2222'] })).toEqual({ kind: 'ssh', host: 'admin@worker-1', options: ['Port=2222'] });
    expect(refused(() => checkSource({ kind: 'node', node: '--server=https://127.0.0.1:8999', via: 'debug' }))).toMatch(/^node --server=/);
    expect(refused(() => checkSource({ kind: 'netns', netns: '../x' }))).toMatch(/^network namespace \.\.\/x: /);
    expect(refused(() => checkSource({ kind: 'ssh', host: 'worker-1', options: ['ProxyCommand=touch /tmp/x'] }))).toMatch(/ProxyCommand/);
  });
});
