/**
 * `--ssh-option`: the ssh -o options natdiff passes on. Only keywords of ssh_config(5) that
 * cannot run a command, load code, forward anything or read more configuration are allowed;
 * ProxyCommand, ProxyJump, LocalCommand, KnownHostsCommand, Match exec, Include, ControlPath
 * and everything else not listed are refused.
 */
import { CaptureError } from '../errors';
import { isSshUser, SSH_USER_RULE } from './names';

const ALLOWED = [
  'Port', 'User', 'IdentityFile', 'IdentitiesOnly', 'UserKnownHostsFile', 'GlobalKnownHostsFile', 'StrictHostKeyChecking',
  'HostKeyAlias', 'CheckHostIP', 'ConnectTimeout', 'ConnectionAttempts', 'ServerAliveInterval', 'ServerAliveCountMax',
  'HostKeyAlgorithms', 'PubkeyAcceptedAlgorithms', 'KexAlgorithms', 'Ciphers', 'MACs', 'BatchMode', 'LogLevel', 'AddressFamily', 'Compression',
] as const;

const CANONICAL: ReadonlyMap<string, string> = new Map(ALLOWED.map((k) => [k.toLowerCase(), k]));

// As ssh_config(5) separates a keyword from its value: whitespace, or one `=` with optional whitespace.
const KEYWORD_VALUE = /^\s*([A-Za-z][A-Za-z0-9]*)(?:\s*=\s*|\s+)(.*?)\s*$/s;
const CONTROL = /[\u0000-\u001f\u007f]/;

function refuse(option: string, why: string): CaptureError {
  return new CaptureError(`--ssh-option ${option}: ${why}`, 'invalid-argument');
}

/** `Key=Value` or `Key Value`, any case → `Key=Value` as ssh_config(5) spells the key; refuses what is not allowed. */
export function sshOption(option: string): string {
  const match = KEYWORD_VALUE.exec(option);
  if (!match) throw refuse(option, 'not an ssh option (write KEY=VALUE, e.g. Port=2222)');
  const keyword = match[1] as string;
  const value = match[2] as string;
  const key = CANONICAL.get(keyword.toLowerCase());
  if (!key) throw refuse(option, `natdiff does not pass ${keyword} to ssh; it passes only options that cannot run a command, forward anything or read more configuration (${ALLOWED.join(', ')})`);
  if (value === '' || CONTROL.test(value)) throw refuse(option, `${key} needs a value on the same line`);
  if (key === 'User' && !isSshUser(value)) throw refuse(option, `not a user name natdiff passes to ssh (${SSH_USER_RULE})`);
  return `${key}=${value}`;
}
