/**
 * Where a snapshot's rules come from, and how to read them there. Each source runs real tools
 * (iptables-save, ip netns, kubectl, ssh, or the user's command) with an argument array and a
 * timeout; each failure is one line that names the source and what to try. Names from the user
 * or the cluster are checked (names.ts, ssh-options.ts) before anything runs.
 */
import { CaptureError } from '../errors';
import type { SourceKind } from '../model/metadata';
import { Kubectl, KubectlError } from './kubectl';
import { kubectlFailure } from './kubectl-failure';
import { listOf, nodeSchema, podSchema, type Pod } from './kube-types';
import { namespaceName, netnsName, nodeName, podName, sshDestination } from './names';
import { firstLine, runChecked, runCommand, showCommand } from './run-command';
import { sshOption } from './ssh-options';

export type Source =
  | { kind: 'local' }
  | { kind: 'netns'; netns: string }
  | { kind: 'node'; node: string; via: 'exec' | 'debug' }
  | { kind: 'ssh'; host: string; options: string[] }
  | { kind: 'exec'; argv: string[] };

export interface CaptureOptions {
  /** Capture every table (iptables-save without -t); the default is the nat table. */
  allTables?: boolean;
  timeoutMs: number;
  signal?: AbortSignal;
  kubectl: Kubectl;
  /** Image for `kubectl debug node/…` (it needs a shell-less `chroot`). */
  debugImage?: string;
  debugNamespace?: string;
}

export interface Capture {
  text: string;
  command: string[];
  kind: SourceKind;
  target: string | null;
  via: string | null;
  /** The node the rules are from, when known. */
  node: string | null;
  /** `nf_tables` / `legacy`, when the capture chose between them. */
  backend: string | null;
  warnings: string[];
}

export function describeSource(s: Source): string {
  switch (s.kind) {
    case 'local':
      return 'this machine';
    case 'netns':
      return `network namespace ${s.netns}`;
    case 'node':
      return `node ${s.node}`;
    case 'ssh':
      return `${s.host} over ssh`;
    case 'exec':
      return showCommand(s.argv);
  }
}

/**
 * The source with its names checked (and ssh options spelled as ssh_config(5) does): a name that
 * could be read as an option, or an ssh option that could run a command, is refused here.
 */
export function checkSource(s: Source): Source {
  switch (s.kind) {
    case 'local':
    case 'exec':
      return s;
    case 'netns':
      return { ...s, netns: netnsName(s.netns) };
    case 'node':
      return { ...s, node: nodeName(s.node) };
    case 'ssh':
      return { ...s, host: sshDestination(s.host), options: s.options.map(sshOption) };
  }
}

function saveArgs(binary: string, options: CaptureOptions): string[] {
  return options.allTables ? [binary] : [binary, '-t', 'nat'];
}

function hasKubeRules(dump: string): boolean {
  return dump.includes(':KUBE-') || dump.includes('-A KUBE-');
}

/** Root-only tools say so in their own words; make it the first thing the user reads. */
function saveFailure(argv: string[], stderr: string, where: string): CaptureError {
  const reason = firstLine(stderr);
  const denied = /permission denied|must be root|Operation not permitted/i.test(reason);
  return new CaptureError(`${showCommand(argv)} failed on ${where}: ${reason || 'no reason given'}${denied ? ' (run natdiff as root, or with sudo)' : ''}`, denied ? 'permission-denied' : 'failed');
}

/**
 * This machine or a network namespace. iptables has two back ends; when both hold kube-proxy
 * rules (a half-done migration), both are captured and the warning says so.
 */
async function captureLocal(prefix: string[], where: string, kind: 'local' | 'netns', target: string | null, options: CaptureOptions): Promise<Capture[]> {
  const run = (binary: string) => runCommand([...prefix, ...saveArgs(binary, options)], { timeoutMs: options.timeoutMs, signal: options.signal });
  const tryRun = async (binary: string) => {
    try {
      return await run(binary);
    } catch (e) {
      if (e instanceof CaptureError && e.code === 'not-installed') return null;
      throw e;
    }
  };
  const result = (binary: string, text: string, backend: string | null, warnings: string[]): Capture => ({
    text, command: [...prefix, ...saveArgs(binary, options)], kind, target, via: null, node: null, backend, warnings,
  });
  const [nft, legacy] = await Promise.all([tryRun('iptables-nft-save'), tryRun('iptables-legacy-save')]);
  const nftOk = nft?.code === 0 ? nft : null;
  const legacyOk = legacy?.code === 0 ? legacy : null;
  if (nftOk && legacyOk && hasKubeRules(nftOk.stdout) && hasKubeRules(legacyOk.stdout)) {
    const warning = `both iptables back ends hold kube-proxy rules on ${where}; captured both (nf_tables and legacy): only one of them is what kube-proxy maintains now`;
    return [result('iptables-nft-save', nftOk.stdout, 'nf_tables', [warning]), result('iptables-legacy-save', legacyOk.stdout, 'legacy', [warning])];
  }
  if (legacyOk && hasKubeRules(legacyOk.stdout) && !(nftOk && hasKubeRules(nftOk.stdout))) return [result('iptables-legacy-save', legacyOk.stdout, 'legacy', [])];
  if (nftOk) return [result('iptables-nft-save', nftOk.stdout, 'nf_tables', [])];
  const plain = await tryRun('iptables-save');
  if (!plain) throw new CaptureError(`iptables-save is not installed on ${where} (Debian/Ubuntu: apt-get install iptables)`, 'not-installed');
  if (plain.code !== 0) throw saveFailure([...prefix, ...saveArgs('iptables-save', options)], plain.stderr, where);
  return [result('iptables-save', plain.stdout, null, [])];
}

async function kubeProxyPod(kubectl: Kubectl, node: string): Promise<Pod> {
  const onNode = [`--field-selector=spec.nodeName=${node}`];
  const labelled = await kubectl.json(listOf(podSchema), ['get', 'pods', '--namespace=kube-system', '-l', 'k8s-app=kube-proxy', ...onNode]);
  const running = (pods: Pod[]) => pods.filter((p) => p.status?.phase === 'Running' && !p.metadata.deletionTimestamp);
  let pod = running(labelled.items)[0];
  if (!pod) {
    const all = await kubectl.json(listOf(podSchema), ['get', 'pods', '--namespace=kube-system', ...onNode]);
    pod = running(all.items).find((p) => p.metadata.name.startsWith('kube-proxy'));
  }
  if (pod) return pod;
  await requireNode(kubectl, node);
  throw new CaptureError(`no kube-proxy pod is running on node ${node} (kube-proxy may run outside a pod there, as in k3s, or the cluster uses another service proxy); try --via debug`, 'not-found');
}

/** `nodes: a, b, c, …` for messages. */
export function nodeList(names: string[]): string {
  return `nodes: ${names.slice(0, 10).join(', ')}${names.length > 10 ? ', …' : ''}`;
}

async function requireNode(kubectl: Kubectl, node: string): Promise<void> {
  try {
    await kubectl.run(['get', 'node', '-o', 'name', '--', node]);
  } catch (e) {
    if (!(e instanceof KubectlError) || e.code !== 'not-found') throw e;
    const nodes = await kubectl.json(listOf(nodeSchema), ['get', 'nodes']).catch(() => ({ items: [] }));
    const names = nodes.items.map((n) => n.metadata.name);
    throw new CaptureError(`node ${node} does not exist${names.length > 0 ? ` (${nodeList(names)})` : ''}`, 'not-found');
  }
}

async function captureViaKubeProxy(node: string, options: CaptureOptions): Promise<Capture> {
  const { kubectl } = options;
  const pod = await kubeProxyPod(kubectl, node);
  const namespace = namespaceName(pod.metadata.namespace ?? 'kube-system');
  const name = podName(pod.metadata.name);
  const container = pod.spec.containers.find((c) => c.name === 'kube-proxy')?.name ?? pod.spec.containers[0]?.name ?? 'kube-proxy';
  // exec reads `--` as the start of the command, so the pod goes as pod/NAME (never an option).
  const args = ['exec', `--namespace=${namespace}`, `pod/${name}`, `--container=${container}`, '--', ...saveArgs('iptables-save', options)];
  const text = await kubectl.run(args, options.timeoutMs);
  return { text, command: kubectl.argv(args), kind: 'node', target: node, via: `kube-proxy pod ${namespace}/${name}`, node, backend: null, warnings: [] };
}

/** A privileged debug pod on the node that runs iptables-save in the host's root, read from its log. */
async function captureViaDebug(node: string, options: CaptureOptions): Promise<Capture> {
  const { kubectl } = options;
  await requireNode(kubectl, node);
  const namespace = namespaceName(options.debugNamespace ?? 'default');
  const image = options.debugImage ?? 'busybox:1.36';
  // debug reads `--` as the start of the command; node/NAME is never an option.
  const args = ['debug', `node/${node}`, `--namespace=${namespace}`, '--profile=sysadmin', `--image=${image}`, '--', 'chroot', '/host', ...saveArgs('iptables-save', options)];
  const res = await kubectl.result(args, options.timeoutMs);
  if (res.code !== 0) throw new KubectlError(`debug node/${node}`, kubectlFailure(res), res);
  const printed = /Creating debugging pod (\S+)/.exec(`${res.stdout}\n${res.stderr}`)?.[1];
  if (!printed) throw new KubectlError(`debug node/${node}`, { code: 'bad-output', reason: 'created no debug pod', hint: null }, res);
  const created = podName(printed);
  const inNamespace = [`--namespace=${namespace}`, '--'];
  try {
    const seconds = Math.max(5, Math.round(options.timeoutMs / 1000));
    const waited = await kubectl.result(['wait', '--for=jsonpath={.status.phase}=Succeeded', `--timeout=${seconds}s`, ...inNamespace, `pod/${created}`], options.timeoutMs + 5000);
    if (waited.code !== 0) {
      const pod = await kubectl.json(podSchema, ['get', 'pod', ...inNamespace, created]).catch(() => null);
      const exit = pod?.status?.containerStatuses?.[0]?.state?.terminated?.exitCode;
      const log = await kubectl.result(['logs', ...inNamespace, `pod/${created}`]).catch(() => null);
      const why = exit !== undefined ? `iptables-save exited with ${exit}${log ? `: ${firstLine(log.stdout) || firstLine(log.stderr)}` : ''}` : `the debug pod did not finish (phase ${pod?.status?.phase ?? 'unknown'})`;
      throw new CaptureError(`capture through debug pod ${namespace}/${created} on node ${node} failed: ${why}`);
    }
    const text = await kubectl.run(['logs', ...inNamespace, `pod/${created}`], options.timeoutMs);
    return { text, command: kubectl.argv(args), kind: 'node', target: node, via: `debug pod (${image})`, node, backend: null, warnings: [] };
  } finally {
    await kubectl.result(['delete', 'pod', '--wait=false', ...inNamespace, created]).catch(() => undefined);
  }
}

async function captureSsh(host: string, sshOptions: string[], options: CaptureOptions): Promise<Capture> {
  // The user's options first: ssh keeps the first value it reads for each option, so these
  // defaults only fill in. ssh hands the remote command to the remote shell as one string:
  // every word after the host is a constant.
  const argv = ['ssh', ...[...sshOptions, 'BatchMode=yes', 'ConnectTimeout=10'].flatMap((o) => ['-o', o]), '--', host, 'sudo', '-n', ...saveArgs('iptables-save', options)];
  const res = await runCommand(argv, { timeoutMs: options.timeoutMs, signal: options.signal });
  if (res.code !== 0) {
    const reason = firstLine(res.stderr) || `exit ${res.code}`;
    const hint = /password is required/.test(reason) ? ' (natdiff needs passwordless sudo for iptables-save on the host)' : '';
    throw new CaptureError(`ssh ${host} sudo iptables-save failed: ${reason}${hint}`);
  }
  return { text: res.stdout, command: argv, kind: 'ssh', target: host, via: null, node: null, backend: null, warnings: [] };
}

async function captureExec(argv: string[], options: CaptureOptions): Promise<Capture> {
  const res = await runChecked(argv, { timeoutMs: options.timeoutMs, signal: options.signal });
  return { text: res.stdout, command: argv, kind: 'exec', target: showCommand(argv), via: null, node: null, backend: null, warnings: [] };
}

/** Reads the rules from a source (its names checked first); most sources give one capture, a host with two busy iptables back ends gives two. */
export async function capture(source: Source, options: CaptureOptions): Promise<Capture[]> {
  const s = checkSource(source);
  switch (s.kind) {
    case 'local':
      return captureLocal([], 'this machine', 'local', null, options);
    case 'netns':
      return captureLocal(['ip', 'netns', 'exec', s.netns], `network namespace ${s.netns}`, 'netns', s.netns, options);
    case 'node':
      return [s.via === 'debug' ? await captureViaDebug(s.node, options) : await captureViaKubeProxy(s.node, options)];
    case 'ssh':
      return [await captureSsh(s.host, s.options, options)];
    case 'exec':
      return [await captureExec(s.argv, options)];
  }
}
