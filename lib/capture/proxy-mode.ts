/**
 * Which of kube-proxy's modes a capture reads (`--mode`), and what says which one a node runs:
 * kube-proxy's configuration as the cluster shows it (its pod's `--proxy-mode` flag, its ConfigMap's
 * `mode:`), or else the rules found there (decided in captures.ts).
 */
import { parse } from 'yaml';
import type { ModeDecision } from '../model/metadata';
import { PROXY_MODES, type ProxyMode } from '../model/service';
import { configMapSchema, type Pod } from './kube-types';
import { KubectlError, type Kubectl } from './kubectl';

export { PROXY_MODES, type ModeDecision, type ProxyMode };

function isProxyMode(value: string): value is ProxyMode {
  return (PROXY_MODES as readonly string[]).includes(value);
}

/**
 * `--proxy-mode=X` or `--proxy-mode X` among the kube-proxy container's command and args, or in a
 * `sh -c` command line among them. Beside `--config` the flag says nothing: kube-proxy then runs
 * with its config file's values and ignores every flag but the logging ones (kubernetes#107156,
 * and kube-proxy's `--help` since #107157).
 */
export function modeFromPod(pod: Pod): ModeDecision | null {
  const container = pod.spec.containers.find((c) => c.name === 'kube-proxy') ?? pod.spec.containers[0];
  const words = [...(container?.command ?? []), ...(container?.args ?? [])].flatMap((a) => a.split(/\s+/));
  if (words.some((w) => w === '--config' || w.startsWith('--config='))) return null;
  const i = words.findIndex((w) => w === '--proxy-mode' || w.startsWith('--proxy-mode='));
  if (i < 0) return null;
  const flag = words[i] as string;
  const value = (flag.includes('=') ? flag.slice(flag.indexOf('=') + 1) : (words[i + 1] ?? '')).replace(/^(["'])(.*)\1$/, '$2');
  if (!isProxyMode(value)) return null;
  return { mode: value, by: 'flag', reason: `kube-proxy pod ${pod.metadata.namespace ?? 'kube-system'}/${pod.metadata.name} runs with --proxy-mode=${value}` };
}

const CONFIG_MAP = 'kube-system/kube-proxy';

/**
 * kube-proxy's `mode` in its ConfigMap's config.conf (kubeadm's layout): a KubeProxyConfiguration
 * whose mode is empty or missing runs kube-proxy's default, iptables. Null when it does not say.
 */
export function modeFromConfig(conf: string | undefined): ModeDecision | null {
  if (conf === undefined) return null;
  let config: unknown;
  try {
    config = parse(conf);
  } catch {
    return null;
  }
  if (typeof config !== 'object' || config === null || (config as Record<string, unknown>).kind !== 'KubeProxyConfiguration') return null;
  const mode = (config as Record<string, unknown>).mode ?? '';
  if (mode === '') return { mode: 'iptables', by: 'config', reason: `kube-proxy's ConfigMap ${CONFIG_MAP} leaves mode empty: kube-proxy's default, iptables` };
  if (typeof mode !== 'string' || !isProxyMode(mode)) return null;
  return { mode, by: 'config', reason: `kube-proxy's ConfigMap ${CONFIG_MAP} says mode: ${mode}` };
}

/**
 * The mode kube-proxy is configured with, as the cluster shows it: its pod's flag (what runs on
 * that node), else its ConfigMap; null when neither says (no ConfigMap, not allowed to read it, a
 * mode natdiff does not read).
 */
export async function configuredMode(kubectl: Kubectl, pod: Pod | null): Promise<ModeDecision | null> {
  const flagged = pod ? modeFromPod(pod) : null;
  if (flagged) return flagged;
  try {
    const cm = await kubectl.json(configMapSchema, ['get', 'configmap', '--namespace=kube-system', '--', 'kube-proxy']);
    return modeFromConfig(cm.data?.['config.conf']);
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
