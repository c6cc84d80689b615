/**
 * Where a capture's commands run: this machine, a network namespace, the kube-proxy pod on a node,
 * a privileged debug pod on a node, or a host over ssh. A runner runs an argument vector (never a
 * shell string) with a timeout and hands back what the command printed and its exit code; when the
 * way there fails (kubectl, ssh, ip netns), that is thrown as one line, and a program missing
 * there is told apart from a program that ran and failed.
 */
import { CaptureError } from '../errors';
import type { SourceKind } from '../model/metadata';
import { callFailed, KubectlError, type Kubectl } from './kubectl';
import { kubectlFailure } from './kubectl-failure';
import { listOf, nodeSchema, podSchema, type Pod } from './kube-types';
import { containerName, namespaceName, podName } from './names';
import { firstLine, runCommand, type CommandResult } from './run-command';

export interface RunnerOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  kubectl: Kubectl;
  /** Image for `kubectl debug node/…` (it needs a shell-less `chroot`). */
  debugImage?: string;
  debugNamespace?: string;
}

export interface Ran {
  /** The command line as run, with what takes it there (`ip netns exec`, `kubectl exec`, `ssh`). */
  command: string[];
  result: CommandResult;
  /** The program was not found there. */
  missing: boolean;
}

/** Where a capture's rules come from, as the snapshot metadata records it. */
export interface CaptureOrigin {
  kind: SourceKind;
  target: string | null;
  /** How the commands get to the node, for the metadata: `kube-proxy pod kube-system/kube-proxy-x`. */
  via: string | null;
  /** The node the rules are from, when known. */
  node: string | null;
}

export interface Runner extends CaptureOrigin {
  /** For messages: `network namespace x`, `node n`. */
  where: string;
  /** Said first in the parentheses after "not installed": what else to try (ends in `; `), or ''. */
  missingHint: string;
  /** Both iptables back ends are looked at (this machine and its network namespaces). */
  iptablesBackends: boolean;
  /** The kube-proxy pod of the node, when one was found: its flags may name the mode. */
  kubeProxyPod: Pod | null;
  run(argv: string[]): Promise<Ran>;
}

// What each way of running a command says when the program is not there.
const MISSING = [
  /exec of "[^"\n]*" failed: No such file or directory/, // ip netns exec
  /executable file not found in \$PATH/, // a container runtime, through kubectl exec
  /command not found/, // sudo, sh
  /can't execute '[^'\n]*': No such file or directory/, // busybox chroot
  /failed to run command \S+: No such file or directory/, // coreutils chroot
];

function missingProgram(result: CommandResult): boolean {
  if (result.code === 0) return false;
  const said = `${result.stderr.slice(0, 4096)}\n${result.stdout.slice(0, 4096)}`;
  return MISSING.some((m) => m.test(said));
}

function ran(command: string[], result: CommandResult): Ran {
  return { command, result, missing: missingProgram(result) };
}

/** This machine (no prefix) or a network namespace (`ip netns exec NAME`). */
export function localRunner(prefix: string[], where: string, kind: 'local' | 'netns', target: string | null, options: RunnerOptions): Runner {
  return {
    kind, target, via: null, node: null, where, missingHint: '', iptablesBackends: true, kubeProxyPod: null,
    run: async (argv) => {
      const command = [...prefix, ...argv];
      try {
        return ran(command, await runCommand(command, { timeoutMs: options.timeoutMs, signal: options.signal }));
      } catch (e) {
        // Here the program itself was not found (in a namespace it is `ip` that runs, and says so).
        if (prefix.length > 0 || !(e instanceof CaptureError) || e.code !== 'not-installed') throw e;
        return { command, result: { stdout: '', stderr: e.message, code: 127 }, missing: true };
      }
    },
  };
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

/** The running kube-proxy pod of a node (by its k8s-app label, else by its name), or null. */
async function findKubeProxyPod(kubectl: Kubectl, node: string): Promise<Pod | null> {
  const onNode = [`--field-selector=spec.nodeName=${node}`];
  const running = (pods: Pod[]) => pods.filter((p) => p.status?.phase === 'Running' && !p.metadata.deletionTimestamp);
  const labelled = await kubectl.json(listOf(podSchema), ['get', 'pods', '--namespace=kube-system', '-l', 'k8s-app=kube-proxy', ...onNode]);
  const pod = running(labelled.items)[0];
  if (pod) return pod;
  const all = await kubectl.json(listOf(podSchema), ['get', 'pods', '--namespace=kube-system', ...onNode]);
  return running(all.items).find((p) => p.metadata.name.startsWith('kube-proxy')) ?? null;
}

/** Commands in the kube-proxy container of the node's kube-proxy pod (`kubectl exec`). */
export async function kubeProxyPodRunner(node: string, options: RunnerOptions): Promise<Runner> {
  const { kubectl } = options;
  const pod = await findKubeProxyPod(kubectl, node);
  if (!pod) {
    await requireNode(kubectl, node);
    throw new CaptureError(`no kube-proxy pod is running on node ${node} (kube-proxy may run outside a pod there, as in k3s, or the cluster uses another service proxy); try --via debug`, 'not-found');
  }
  const namespace = namespaceName(pod.metadata.namespace ?? 'kube-system');
  const name = podName(pod.metadata.name);
  const container = containerName(pod.spec.containers.find((c) => c.name === 'kube-proxy')?.name ?? pod.spec.containers[0]?.name ?? 'kube-proxy');
  return {
    kind: 'node', target: node, via: `kube-proxy pod ${namespace}/${name}`, node, where: `node ${node}`,
    missingHint: "the kube-proxy image lacks it, --via debug runs the node's own; ", iptablesBackends: false, kubeProxyPod: pod,
    run: async (argv) => {
      // exec reads `--` as the start of the command, so the pod goes as pod/NAME (never an option).
      const args = ['exec', `--namespace=${namespace}`, `pod/${name}`, `--container=${container}`, '--', ...argv];
      const res = await kubectl.result(args, options.timeoutMs);
      const done = ran(kubectl.argv(args), res);
      // kubectl says so when the command ran and failed; anything else is kubectl's own failure.
      if (res.code !== 0 && !done.missing && !/command terminated with exit code \d+/.test(res.stderr)) throw callFailed(args, res);
      return done;
    },
  };
}

/**
 * Commands on the node's host, each in a privileged debug pod (`kubectl debug node/N
 * --profile=sysadmin -- chroot /host CMD`), read from the pod's log; the pod is deleted after.
 */
export async function debugPodRunner(node: string, options: RunnerOptions): Promise<Runner> {
  const { kubectl } = options;
  await requireNode(kubectl, node);
  const namespace = namespaceName(options.debugNamespace ?? 'default');
  const image = options.debugImage ?? 'busybox:1.36';
  const inNamespace = [`--namespace=${namespace}`, '--'];
  const run = async (argv: string[]): Promise<Ran> => {
    // debug reads `--` as the start of the command; node/NAME is never an option.
    const args = ['debug', `node/${node}`, `--namespace=${namespace}`, '--profile=sysadmin', `--image=${image}`, '--', 'chroot', '/host', ...argv];
    const res = await kubectl.result(args, options.timeoutMs);
    if (res.code !== 0) throw new KubectlError(`debug node/${node}`, kubectlFailure(res), res);
    const printed = /Creating debugging pod (\S+)/.exec(`${res.stdout}\n${res.stderr}`)?.[1];
    if (!printed) throw new KubectlError(`debug node/${node}`, { code: 'bad-output', reason: 'created no debug pod', hint: null }, res);
    const created = podName(printed);
    try {
      const seconds = Math.max(5, Math.round(options.timeoutMs / 1000));
      const waited = await kubectl.result(['wait', '--for=jsonpath={.status.phase}=Succeeded', `--timeout=${seconds}s`, ...inNamespace, `pod/${created}`], options.timeoutMs + 5000);
      if (waited.code === 0) return ran(kubectl.argv(args), { stdout: await kubectl.run(['logs', ...inNamespace, `pod/${created}`], options.timeoutMs), stderr: '', code: 0 });
      const pod = await kubectl.json(podSchema, ['get', 'pod', ...inNamespace, created]).catch(() => null);
      const exit = pod?.status?.containerStatuses?.[0]?.state?.terminated?.exitCode;
      if (exit === undefined) throw new CaptureError(`debug pod ${namespace}/${created} on node ${node} did not finish (phase ${pod?.status?.phase ?? 'unknown'})`);
      const log = await kubectl.result(['logs', ...inNamespace, `pod/${created}`]).catch(() => null);
      return ran(kubectl.argv(args), { stdout: '', stderr: log ? `${log.stdout}${log.stderr}` : '', code: exit });
    } finally {
      await kubectl.result(['delete', 'pod', '--wait=false', ...inNamespace, created]).catch(() => undefined);
    }
  };
  const kubeProxyPod = await findKubeProxyPod(kubectl, node).catch(() => null);
  return { kind: 'node', target: node, via: `debug pod (${image})`, node, where: `node ${node}`, missingHint: '', iptablesBackends: false, kubeProxyPod, run };
}

/** Commands on a host over ssh, as root through `sudo -n` (never a password prompt). */
export function sshRunner(host: string, sshOptions: string[], options: RunnerOptions): Runner {
  return {
    kind: 'ssh', target: host, via: null, node: null, where: `${host} over ssh`, missingHint: '', iptablesBackends: false, kubeProxyPod: null,
    run: async (argv) => {
      // The user's options first: ssh keeps the first value it reads for each option, so these
      // defaults only fill in. ssh hands the remote command to the remote shell as one string:
      // every word after the host is a constant.
      const command = ['ssh', ...[...sshOptions, 'BatchMode=yes', 'ConnectTimeout=10'].flatMap((o) => ['-o', o]), '--', host, 'sudo', '-n', ...argv];
      const res = await runCommand(command, { timeoutMs: options.timeoutMs, signal: options.signal });
      const reason = firstLine(res.stderr) || `exit ${res.code}`;
      // ssh exits 255 for its own failures; sudo asks for what -n forbids.
      if (res.code === 255) throw new CaptureError(`ssh ${host} sudo ${argv[0]} failed: ${reason}`);
      if (/password is required/.test(reason)) throw new CaptureError(`ssh ${host} sudo ${argv[0]} failed: ${reason} (natdiff needs passwordless sudo for ${argv[0]} on the host)`, 'permission-denied');
      return ran(command, res);
    },
  };
}
