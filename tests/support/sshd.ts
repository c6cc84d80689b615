/**
 * A throwaway sshd on 127.0.0.1 for `natdiff snap --ssh`: a fresh host key, a fresh user with a
 * fresh client key, and passwordless sudo whose `iptables-save` runs inside a test network
 * namespace (a wrapper first on sudo's secure_path). Everything is removed by stop().
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestSshd {
  host: string;
  /** `-o` options natdiff passes to ssh (port, key, known hosts). */
  options: string[];
  stop(): void;
}

const SSHD = '/usr/sbin/sshd';

function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', 'command -v "$1"', 'sh', cmd], { timeout: 5_000 }).status === 0;
}

export function sshdUnavailableReason(): string | null {
  if (process.getuid?.() !== 0) return 'needs root to run sshd and add a user';
  for (const cmd of [SSHD, 'ssh', 'ssh-keygen', 'sudo', 'useradd']) if (!have(cmd)) return `needs ${cmd} (Debian: apt-get install openssh-server openssh-client sudo)`;
  return null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

function must(argv: string[]): void {
  const [cmd, ...args] = argv;
  const r = spawnSync(cmd as string, args, { encoding: 'utf8', timeout: 20_000 });
  if (r.status !== 0) throw new Error(`${argv.join(' ')}: ${r.stderr}`);
}

/** Resolves when sshd says it listens (it logs to stderr with -e); rejects if it exits first. */
function listening(child: ChildProcess, log: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!/Server listening on /.test(log())) return;
      done();
      resolve();
    };
    const exited = () => {
      done();
      reject(new Error(`sshd exited: ${log()}`));
    };
    const done = () => {
      child.stderr?.off('data', check);
      child.off('exit', exited);
    };
    child.stderr?.on('data', check);
    child.on('exit', exited);
    check();
  });
}

export async function startSshd(netns: string): Promise<TestSshd> {
  const dir = mkdtempSync(join(tmpdir(), 'natdiff-sshd-'));
  const user = `natdiff-${randomBytes(3).toString('hex')}`;
  const sudoers = `/etc/sudoers.d/${user}`;
  let userAdded = false;
  let child: ChildProcess | undefined;
  // Undoes whatever was done so far: a setup that fails halfway leaves nothing behind either.
  const stop = () => {
    child?.kill('SIGKILL');
    rmSync(sudoers, { force: true });
    if (userAdded) spawnSync('userdel', [user]);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    chmodSync(dir, 0o755);
    const port = await freePort();
    must(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_key')]);
    must(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'client_key')]);
    must(['useradd', '--no-create-home', '--home-dir', dir, '--shell', '/bin/sh', user]);
    userAdded = true;
    must(['usermod', '-p', '*', user]); // no password, but not a locked account
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'iptables-save'), `#!/bin/sh\nexec /usr/sbin/ip netns exec ${netns} /usr/sbin/iptables-save "$@"\n`, { mode: 0o755 });
    writeFileSync(sudoers, `Defaults:${user} secure_path="${bin}:/usr/sbin:/usr/bin:/sbin:/bin"\n${user} ALL=(root) NOPASSWD: ALL\n`, { mode: 0o440 });
    writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'client_key.pub'), 'utf8'), { mode: 0o644 });
    writeFileSync(
      join(dir, 'sshd_config'),
      [`ListenAddress 127.0.0.1`, `Port ${port}`, `HostKey ${join(dir, 'host_key')}`, `PidFile ${join(dir, 'sshd.pid')}`, `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`, 'StrictModes no', 'PasswordAuthentication no', 'KbdInteractiveAuthentication no', 'UsePAM no', `AllowUsers ${user}`, ''].join('\n'),
    );
    mkdirSync('/run/sshd', { recursive: true });
    let log = '';
    const sshd = spawn(SSHD, ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
    child = sshd;
    sshd.stderr?.on('data', (c: Buffer) => (log += c.toString('utf8')));
    await listening(sshd, () => log);
    return {
      host: `${user}@127.0.0.1`,
      options: [`Port=${port}`, `IdentityFile=${join(dir, 'client_key')}`, `UserKnownHostsFile=${join(dir, 'known_hosts')}`, 'StrictHostKeyChecking=accept-new', 'IdentitiesOnly=yes'],
      stop,
    };
  } catch (e) {
    stop();
    throw e;
  }
}
