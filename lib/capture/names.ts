/**
 * Names natdiff hands to kubectl, ip and ssh, checked first against the rules of whoever owns
 * them (Kubernetes, iproute2, OpenSSH) and never starting with `-`: nothing a user types, and
 * nothing a cluster answers, can be read as an option or run as a command.
 */
import { CaptureError } from '../errors';

const DNS1123_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const LABEL = new RegExp(`^${DNS1123_LABEL}$`);
const SUBDOMAIN = new RegExp(`^${DNS1123_LABEL}(\\.${DNS1123_LABEL})*$`);
const SUBDOMAIN_RULE = "lowercase letters, digits, '-' and '.', starting and ending with a letter or digit, at most 253 characters";
const LABEL_RULE = "lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters";

function invalid(message: string): CaptureError {
  return new CaptureError(message, 'invalid-argument');
}

const isSubdomain = (name: string): boolean => name.length <= 253 && SUBDOMAIN.test(name);
const isLabel = (name: string): boolean => name.length <= 63 && LABEL.test(name);

/** Node and pod names are DNS-1123 subdomains (Kubernetes' ValidateNodeName, ValidatePodName). */
function subdomain(kind: string, name: string): string {
  if (!isSubdomain(name)) throw invalid(`${kind} ${name}: not a Kubernetes ${kind} name (${SUBDOMAIN_RULE})`);
  return name;
}

export function nodeName(name: string): string {
  return subdomain('node', name);
}

export function podName(name: string): string {
  return subdomain('pod', name);
}

/** ConfigMap names are DNS-1123 subdomains (Kubernetes' ValidateConfigMapName): a name the cluster gives that is not one is not asked for. */
export const isConfigMapName = isSubdomain;

/** Namespaces are DNS-1123 labels (Kubernetes' ValidateNamespaceName). */
export const isNamespaceName = isLabel;

function label(kind: string, name: string): string {
  if (!isLabel(name)) throw invalid(`${kind} ${name}: not a Kubernetes ${kind} name (${LABEL_RULE})`);
  return name;
}

/** Namespaces are DNS-1123 labels (Kubernetes' ValidateNamespaceName). */
export function namespaceName(name: string): string {
  return label('namespace', name);
}

/** Container names are DNS-1123 labels (Kubernetes' validateContainers). */
export function containerName(name: string): string {
  return label('container', name);
}

/** What `ip netns` accepts (a file name under /run/netns: not empty, no `/`, not `.` or `..`, at most 255 bytes), not starting with `-`. */
export function netnsName(name: string): string {
  const fits = name !== '' && name !== '.' && name !== '..' && !name.includes('/') && Buffer.byteLength(name) <= 255;
  if (!fits || name.startsWith('-')) throw invalid(`network namespace ${name}: not a name ip netns accepts (not empty, no '/', not '.' or '..', at most 255 bytes, not starting with '-')`);
  return name;
}

// OpenSSH expands the host and user into ProxyCommand and friends of the user's ssh_config
// (%h, %r) through a shell, and only checks them itself from 9.6 on: allow plain names only.
const SSH_USER = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;
const SSH_HOST = /^[A-Za-z0-9_:][A-Za-z0-9._:%-]*$/;

export const SSH_USER_RULE = "letters, digits, '.', '_' and '-', not starting with '-' or '.'";

export function isSshUser(user: string): boolean {
  return SSH_USER.test(user);
}

/** HOST or USER@HOST: a host name, an IPv4 or IPv6 address. */
export function sshDestination(destination: string): string {
  const at = destination.lastIndexOf('@');
  const host = destination.slice(at + 1);
  if (!SSH_HOST.test(host)) throw invalid(`${destination}: not a host name (write HOST or USER@HOST; ssh options go in --ssh-option, e.g. Port=2222)`);
  if (at >= 0 && !isSshUser(destination.slice(0, at))) throw invalid(`${destination}: not a user name natdiff passes to ssh (${SSH_USER_RULE})`);
  return destination;
}
