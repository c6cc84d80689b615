/**
 * The fake kubelets: start pods scheduled to a node (ready after podReadyMs), finish deleting
 * terminating pods, and really run `chroot /host CMD...` containers (what `kubectl debug node/N
 * --profile=sysadmin -- chroot /host ...` creates) inside the node's netns, keeping their output
 * as the container log.
 */
import type { Timing } from './options';
import { NodeCommands } from './node-commands';
import { isPodReady, runningPod } from './objects';
import type { ClusterState, NodeInfo } from './state';
import { now, type StoredEvent } from './store';
import type { Condition, Container, Pod } from './types';
import type { Timers } from './timers';

const DEFAULT_GRACE_SECONDS = 30;

function hostCommand(container: Container | undefined): string[] | undefined {
  const argv = [...(container?.command ?? []), ...(container?.args ?? [])];
  return argv[0] === 'chroot' && argv[1] === '/host' && argv.length > 2 ? argv.slice(2) : undefined;
}

function completedConditions(t: string): Condition[] {
  const done = { lastProbeTime: null, lastTransitionTime: t, reason: 'PodCompleted' };
  return [
    { type: 'PodReadyToStartContainers', status: 'False', lastProbeTime: null, lastTransitionTime: t },
    { type: 'Initialized', status: 'True', ...done },
    { type: 'Ready', status: 'False', ...done },
    { type: 'ContainersReady', status: 'False', ...done },
    { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: t },
  ];
}

export class Kubelet {
  constructor(
    private readonly state: ClusterState,
    private readonly timers: Timers,
    private readonly timing: Timing,
    private readonly commands: NodeCommands,
  ) {}

  start(): () => void {
    return this.state.store.subscribe((event) => this.onEvent(event));
  }

  /**
   * Deletes a pod the way the API server and kubelet do together: at once when nothing runs
   * (pending, finished, or grace period 0), else it terminates first and goes after a short while.
   */
  delete(pod: Pod, gracePeriodSeconds: number | undefined): Pod | undefined {
    const { store } = this.state;
    const { namespace, name } = pod.metadata;
    const grace = gracePeriodSeconds ?? (pod.spec.terminationGracePeriodSeconds as number | undefined) ?? DEFAULT_GRACE_SECONDS;
    const running = pod.status.phase === 'Running';
    if (!running || grace === 0) return store.delete<Pod>('pods', namespace, name);
    if (pod.metadata.deletionTimestamp) return pod;
    const terminating = store.update<Pod>('pods', {
      ...pod,
      metadata: { ...pod.metadata, deletionTimestamp: now(), deletionGracePeriodSeconds: grace },
    });
    this.timers.after(this.timing.podReadyMs, () => {
      store.delete('pods', namespace, name);
    });
    return terminating;
  }

  private onEvent(event: StoredEvent): void {
    if (event.resource !== 'pods' || event.type !== 'ADDED') return;
    const pod = event.object as Pod;
    const node = this.state.node(pod.spec.nodeName);
    if (!node || pod.status.phase !== 'Pending') return;
    const argv = hostCommand(pod.spec.containers[0]);
    this.timers.after(this.timing.podReadyMs, () => (argv ? this.runHostCommand(pod, node, argv) : this.markReady(pod, node)));
  }

  private current(pod: Pod): Pod | undefined {
    const found = this.state.store.get<Pod>('pods', pod.metadata.namespace, pod.metadata.name);
    return found && found.metadata.uid === pod.metadata.uid ? found : undefined;
  }

  private markReady(pod: Pod, node: NodeInfo): void {
    const found = this.current(pod);
    if (!found || found.metadata.deletionTimestamp || isPodReady(found)) return;
    this.state.store.update('pods', this.started(found, node));
  }

  /** Running, with the addresses the kubelet reports (a pod created through the API has none yet). */
  private started(pod: Pod, node: NodeInfo): Pod {
    const running = runningPod(pod);
    if (running.status.podIP) return running;
    const podIP = pod.spec.hostNetwork ? node.ip : node.ips.allocate();
    const addresses = { hostIP: node.ip, hostIPs: [{ ip: node.ip }], podIP, podIPs: [{ ip: podIP }], startTime: now() };
    return { ...running, status: { ...running.status, ...addresses } };
  }

  private async runHostCommand(pod: Pod, node: NodeInfo, argv: string[]): Promise<void> {
    const started = this.current(pod);
    if (!started) return;
    const running = this.state.store.update('pods', this.started(started, node));
    const uid = running.metadata.uid ?? '';
    const startedAt = now();
    const log: Buffer[] = [];
    const result = await this.commands.run(node.netns, argv, { onStdout: (c) => log.push(c), onStderr: (c) => log.push(c) });
    if (result.error) log.push(Buffer.from(`${result.error}\n`));
    this.state.podLogs.set(uid, Buffer.concat(log).toString('utf8'));
    const finished = this.current(running);
    if (finished) this.state.store.update('pods', this.terminated(finished, result.exitCode ?? 137, startedAt));
  }

  private terminated(pod: Pod, exitCode: number, startedAt: string): Pod {
    const t = now();
    const statuses = (pod.status.containerStatuses ?? []).map((s) => ({
      ...s,
      ready: false,
      started: false,
      state: { terminated: { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', startedAt, finishedAt: t, containerID: s.containerID ?? '' } },
    }));
    return {
      ...pod,
      status: { ...pod.status, phase: exitCode === 0 ? 'Succeeded' : 'Failed', conditions: completedConditions(t), containerStatuses: statuses },
    };
  }
}
