/**
 * A small fake Kubernetes API server for tests that drive the real kubectl: HTTPS on 127.0.0.1
 * with a generated kubeconfig, discovery, lists/gets/watches with selectors, the scale
 * subresource, exec over WebSocket into the nodes' network namespaces, debug-node pods and their
 * logs, and a fake kube-proxy that programs each node's netns with the real iptables-restore.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EndpointSliceController } from './endpointslices';
import { ExecServer } from './exec';
import { ResourceHandlers } from './handlers';
import { KubeProxy } from './kube-proxy';
import { writeKubeconfig } from './kubeconfig';
import { ipvsStandIn } from './ipvs-stand-in';
import { Kubelet } from './kubelet';
import { NodeCommands } from './node-commands';
import { DEFAULT_TIMING, type FakeClusterOptions, type Timing } from './options';
import { createApiServer, type RequestRecord } from './server';
import { ClusterState } from './state';
import { Timers } from './timers';
import { generateCertificate, type Certificate } from './tls';
import { WatchHub } from './watch';
import { WorkloadController } from './workloads';

export type { FakeClusterOptions, FakeKubeProxyOptions, FakeNodeOptions, FakeProxyMode, FakeServiceOptions, FakeWorkloadOptions, FakeTimingOptions } from './options';
export type { RequestRecord } from './server';

export interface FakeCluster {
  /** https://127.0.0.1:PORT (HTTPS: kubectl sends bearer tokens only over TLS). */
  url: string;
  /** The server's key and self-signed certificate (the kubeconfig trusts it), for a look-alike server. */
  certificate: Certificate;
  /** Contexts 'fake' (default, allowed) and 'forbidden' (every resource request gets 403). */
  kubeconfigPath: string;
  /** KUBECONFIG plus a private KUBECACHEDIR, to merge into a kubectl child's environment. */
  env: Record<string, string>;
  /** Frozen: the fake kube-proxy stops reprogramming that node (unfreezing resyncs it). */
  freezeRules(node: string, frozen: boolean): void;
  /** Reprograms every node that runs a kube-proxy and is not frozen, now. */
  programNow(): Promise<void>;
  /** Every request received, in order (exec upgrades included). */
  requests: RequestRecord[];
  /** Errors from background work (kube-proxy syncs, debug pods), for tests to assert on. */
  errors: string[];
  /** Stops the server, timers and running commands, deletes temp files; the netns stay. */
  close(): Promise<void>;
}

const DEFAULT_POD_CIDR = '10.244.0.0/16';

function validate(options: FakeClusterOptions): void {
  const names = options.nodes.map((n) => n.name);
  if (names.length === 0) throw new Error('startFakeApiServer: at least one node is needed');
  if (new Set(names).size !== names.length) throw new Error('startFakeApiServer: node names must be unique');
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

export async function startFakeApiServer(options: FakeClusterOptions): Promise<FakeCluster> {
  validate(options);
  const dir = mkdtempSync(join(tmpdir(), 'natdiff-fake-apiserver-'));
  try {
    return await startIn(dir, options);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

async function startIn(dir: string, options: FakeClusterOptions): Promise<FakeCluster> {
  const timing: Timing = { ...DEFAULT_TIMING, ...options.timing };
  const certificate = generateCertificate(dir);
  const errors: string[] = [];
  const timers = new Timers((error) => errors.push(error instanceof Error ? error.message : String(error)));
  const state = new ClusterState(options);
  const ipvs = state.proxyMode.mode === 'ipvs' ? ipvsStandIn(dir) : null;
  const commands = new NodeCommands(ipvs?.binDir);
  const kubelet = new Kubelet(state, timers, timing, commands);
  const workloads = new WorkloadController(state, timers, kubelet);
  const slices = new EndpointSliceController(state, timers, timing.endpointSliceMs);
  const kubeProxy = new KubeProxy(state, timers, commands, options.podCIDRForServices ?? DEFAULT_POD_CIDR, timing.kubeProxyMs, state.proxyMode.mode, ipvs);

  state.seed();
  workloads.reconcileAll(true);
  slices.sync();
  const stops = [kubelet.start(), workloads.start(), slices.start(), kubeProxy.start()];

  const watches = new WatchHub(state.store);
  const exec = new ExecServer(commands);
  const requests: RequestRecord[] = [];
  const adminToken = randomBytes(16).toString('hex');
  const forbiddenToken = options.forbiddenToken ?? `forbidden-${randomBytes(8).toString('hex')}`;
  const server = createApiServer(certificate, {
    state,
    handlers: new ResourceHandlers(state, kubelet),
    watches,
    exec,
    adminToken,
    forbiddenToken,
    requests,
  });
  const close = async () => {
    timers.close();
    for (const stop of stops) stop();
    commands.killAll();
    watches.closeAll();
    exec.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  };
  let port: number;
  try {
    port = await listen(server);
  } catch (e) {
    await close();
    throw e;
  }
  const url = `https://127.0.0.1:${port}`;
  const kubeconfigPath = join(dir, 'kubeconfig');
  writeKubeconfig({ path: kubeconfigPath, url, caCert: certificate.cert, adminToken, forbiddenToken });

  return {
    url,
    certificate,
    kubeconfigPath,
    env: { KUBECONFIG: kubeconfigPath, KUBECACHEDIR: join(dir, 'cache') },
    freezeRules: (node, frozen) => kubeProxy.freeze(node, frozen),
    programNow: () => kubeProxy.syncAll(),
    requests,
    errors,
    close,
  };
}
