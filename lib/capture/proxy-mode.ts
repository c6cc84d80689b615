/**
 * Which of kube-proxy's modes a capture reads (`--mode`), and what says which one a node runs:
 * kube-proxy's configuration as the cluster shows it (its pod's `--proxy-mode` flag, or the `mode:`
 * of the config file its pod reads from a ConfigMap), or else the rules found there (decided in
 * captures.ts).
 */
import { posix } from 'node:path';
import { parse } from 'yaml';
import type { ModeDecision } from '../model/metadata';
import { PROXY_MODES, type ProxyMode } from '../model/service';
import { configMapSchema, type Pod } from './kube-types';
import { KubectlError, type Kubectl } from './kubectl';
import { isConfigMapName, isNamespaceName } from './names';

export { PROXY_MODES, type ModeDecision, type ProxyMode };

function isProxyMode(value: string): value is ProxyMode {
  return (PROXY_MODES as readonly string[]).includes(value);
}

/** The kube-proxy container (the pod's first, when none is named so). */
function containerOf(pod: Pod): Pod['spec']['containers'][number] | undefined {
  return pod.spec.containers.find((c) => c.name === 'kube-proxy') ?? pod.spec.containers[0];
}

/** The kube-proxy container's command and args, word by word (a `sh -c` command line split too). */
function wordsOf(pod: Pod): string[] {
  const container = containerOf(pod);
  return [...(container?.command ?? []), ...(container?.args ?? [])].flatMap((a) => a.split(/\s+/));
}

/** The value of `--NAME=X` or `--NAME X` among the words (quotes around it dropped), the last given winning as kube-proxy's flags do; null when absent. */
function flagValue(words: string[], name: string): string | null {
  const i = words.findLastIndex((w) => w === name || w.startsWith(`${name}=`));
  if (i < 0) return null;
  const flag = words[i] as string;
  return (flag.includes('=') ? flag.slice(flag.indexOf('=') + 1) : (words[i + 1] ?? '')).replace(/^(["'])(.*)\1$/, '$2');
}

/**
 * `--proxy-mode=X` or `--proxy-mode X` among the kube-proxy container's command and args, or in a
 * `sh -c` command line among them. Beside `--config` the flag says nothing: kube-proxy then runs
 * with its config file's values and ignores every flag but the logging ones (kubernetes#107156,
 * and kube-proxy's `--help` since #107157).
 */
export function modeFromPod(pod: Pod): ModeDecision | null {
  const words = wordsOf(pod);
  if (flagValue(words, '--config') !== null) return null;
  const value = flagValue(words, '--proxy-mode');
  if (value === null || !isProxyMode(value)) return null;
  return { mode: value, by: 'flag', reason: `kube-proxy pod ${pod.metadata.namespace ?? 'kube-system'}/${pod.metadata.name} runs with --proxy-mode=${value}` };
}

/** A key of a ConfigMap: where kube-proxy reads its config file from. */
export interface ConfigSource {
  namespace: string;
  configMap: string;
  key: string;
}

/** kubeadm's layout: what is read when the pod does not say (no pod at hand, or its file is not in a ConfigMap). */
export const KUBEADM_CONFIG: ConfigSource = { namespace: 'kube-system', configMap: 'kube-proxy', key: 'config.conf' };

/** Where `path` lies under a mount: its path inside the mounted volume, or null when not under it. */
function pathInVolume(path: string, mount: { mountPath: string; subPath?: string | null }): string | null {
  const at = mount.mountPath.replace(/\/+$/, '');
  const sub = mount.subPath?.replace(/^\/+|\/+$/g, '') ?? '';
  if (path === at) return sub === '' ? null : sub;
  if (!path.startsWith(`${at}/`)) return null;
  const rest = path.slice(at.length + 1);
  return sub === '' ? rest : `${sub}/${rest}`;
}

/**
 * The ConfigMap key kube-proxy's `--config FILE` reads, followed through the container's volume
 * mounts to the pod's ConfigMap volumes: kubeadm's `kube-proxy` (`config.conf`), EKS's
 * `kube-proxy-config` (`config`), or whatever a distribution calls it. Null when the pod has no
 * `--config`, or its file is not in a ConfigMap volume.
 */
export function configSourceOf(pod: Pod): ConfigSource | null {
  const flag = flagValue(wordsOf(pod), '--config');
  if (!flag) return null;
  const file = posix.normalize(flag);
  // The deepest mount holding the file is where it comes from.
  const mounts = [...(containerOf(pod)?.volumeMounts ?? [])].sort((a, b) => b.mountPath.length - a.mountPath.length);
  for (const mount of mounts) {
    const inVolume = pathInVolume(file, mount);
    if (inVolume === null) continue;
    const configMap = pod.spec.volumes?.find((v) => v.name === mount.name)?.configMap;
    if (!configMap) return null;
    // Items map keys to paths; without them every key is a file of its own name.
    const key = configMap.items ? configMap.items.find((item) => item.path.replace(/^\/+/, '') === inVolume)?.key : inVolume.includes('/') ? undefined : inVolume;
    return key === undefined ? null : { namespace: pod.metadata.namespace ?? 'kube-system', configMap: configMap.name, key };
  }
  return null;
}

/**
 * kube-proxy's `mode` in its config file, a KubeProxyConfiguration (the `key` of a ConfigMap,
 * `source`): one whose mode is empty or missing runs kube-proxy's default, iptables. Null when it
 * does not say.
 */
export function modeFromConfig(conf: string | undefined, source: ConfigSource = KUBEADM_CONFIG): ModeDecision | null {
  if (conf === undefined) return null;
  let config: unknown;
  try {
    config = parse(conf);
  } catch {
    return null;
  }
  if (typeof config !== 'object' || config === null || (config as Record<string, unknown>).kind !== 'KubeProxyConfiguration') return null;
  const mode = (config as Record<string, unknown>).mode ?? '';
  const configMap = `${source.namespace}/${source.configMap}`;
  if (mode === '') return { mode: 'iptables', by: 'config', reason: `kube-proxy's ConfigMap ${configMap} leaves mode empty: kube-proxy's default, iptables` };
  if (typeof mode !== 'string' || !isProxyMode(mode)) return null;
  return { mode, by: 'config', reason: `kube-proxy's ConfigMap ${configMap} says mode: ${mode}` };
}

/**
 * The mode kube-proxy is configured with, as the cluster shows it: its pod's flag (what runs on
 * that node), else the config file its pod reads from a ConfigMap (kubeadm's, when there is no pod
 * to ask or it runs without --config); null when neither says (its file in no ConfigMap, no
 * ConfigMap, not allowed to read it, a mode natdiff does not read).
 */
export async function configuredMode(kubectl: Kubectl, pod: Pod | null): Promise<ModeDecision | null> {
  const flagged = pod ? modeFromPod(pod) : null;
  if (flagged) return flagged;
  // A pod whose --config file is in no ConfigMap (a host path, a projected volume) says nothing.
  const source = pod && flagValue(wordsOf(pod), '--config') !== null ? configSourceOf(pod) : KUBEADM_CONFIG;
  if (!source || !isConfigMapName(source.configMap) || !isNamespaceName(source.namespace)) return null;
  try {
    const cm = await kubectl.json(configMapSchema, ['get', 'configmap', `--namespace=${source.namespace}`, '--', source.configMap]);
    return modeFromConfig(cm.data?.[source.key], source);
  } catch (e) {
    if (e instanceof KubectlError) return null;
    throw e;
  }
}

/**
 * What an iptables dump says of kube-proxy: its IPVS mode (KUBE-SERVICES matching its
 * KUBE-CLUSTER-IP ipset), its iptables mode (its KUBE-SERVICES and KUBE-SVC- chains), or nothing
 * of it. kubelet's own KUBE- chains (KUBE-KUBELET-CANARY, KUBE-MARK-MASQ on older versions) say
 * nothing. Only KUBE-SERVICES tells IPVS mode: both iptables-based modes rewrite that chain, but
 * kube-proxy leaves IPVS's other rules behind when it switches from IPVS to iptables (it cleans
 * them up only for nftables), and the filter table's KUBE-IPVS-FILTER matches the same ipset.
 */
export function iptablesKubeMode(dump: string): Exclude<ProxyMode, 'nftables'> | null {
  if (/^-A KUBE-SERVICES .*--match-set KUBE-CLUSTER-IP /m.test(dump)) return 'ipvs';
  if (/^:KUBE-(?:SERVICES|SVC-)|^-A KUBE-SERVICES /m.test(dump)) return 'iptables';
  return null;
}
