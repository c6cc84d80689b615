/**
 * Where a snapshot's rules come from, and how to read them there: through a runner (runners.ts)
 * that runs real tools (iptables-save, nft, ipvsadm-save; through ip netns, kubectl, ssh) with an
 * argument array and a timeout, in the mode `--mode` names or the node is found to run
 * (captures.ts, proxy-mode.ts); or the user's own command. Each failure is one line that names the
 * source and what to try. Names from the user or the cluster are checked (names.ts,
 * ssh-options.ts) before anything runs.
 */
import type { ModeDecision } from '../model/metadata';
import { detectReader } from '../parse/registry';
import type { CapturedPart } from '../snapshot/write-snapshot';
import { captureDetected, captureMode, type CaptureSettings, type ModeCapture } from './captures';
import { netnsName, nodeName, sshDestination } from './names';
import type { ModeOption } from './mode-option';
import { configuredMode, iptablesKubeMode, type ProxyMode } from './proxy-mode';
import { debugPodRunner, kubeProxyPodRunner, localRunner, sshRunner, type CaptureOrigin, type Runner, type RunnerOptions } from './runners';
import { runChecked, showCommand } from './run-command';
import { sshOption } from './ssh-options';

export { nodeList } from './runners';

export type Source =
  | { kind: 'local' }
  | { kind: 'netns'; netns: string }
  | { kind: 'node'; node: string; via: 'exec' | 'debug' }
  | { kind: 'ssh'; host: string; options: string[] }
  | { kind: 'exec'; argv: string[] };

export interface CaptureOptions extends RunnerOptions, CaptureSettings {
  /** Which mode's rules to read: named, found out (`auto`, the default), or decided already (by an earlier capture). */
  mode?: ModeOption | ModeDecision;
}

export interface Capture extends CaptureOrigin {
  /** The commands' outputs, in file order; the first is the mode's own (ipvsadm-save, nft, iptables-save). */
  parts: CapturedPart[];
  mode: ModeDecision;
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

async function runnerFor(s: Exclude<Source, { kind: 'exec' }>, options: CaptureOptions): Promise<Runner> {
  switch (s.kind) {
    case 'local':
      return localRunner([], 'this machine', 'local', null, options);
    case 'netns':
      return localRunner(['ip', 'netns', 'exec', s.netns], `network namespace ${s.netns}`, 'netns', s.netns, options);
    case 'node':
      return s.via === 'debug' ? debugPodRunner(s.node, options) : kubeProxyPodRunner(s.node, options);
    case 'ssh':
      return sshRunner(s.host, s.options, options);
  }
}

const LOAD_WITH: Record<ProxyMode, string> = { iptables: 'iptables-restore', nftables: 'nft -f -', ipvs: 'ipvsadm-restore' };

/** The user's command: one output, read as whatever it printed (`--mode` is taken at its word). */
async function captureExec(argv: string[], options: CaptureOptions): Promise<Capture> {
  const res = await runChecked(argv, { timeoutMs: options.timeoutMs, signal: options.signal });
  const decision = given(options) ?? printedMode(res.stdout, showCommand(argv));
  return {
    parts: [{ name: decision.mode, command: argv, loadWith: LOAD_WITH[decision.mode], text: res.stdout }],
    mode: decision, kind: 'exec', target: showCommand(argv), via: null, node: null, backend: null, warnings: [],
  };
}

/** The mode of what a command printed, as the reader natdiff picks for it reads it. */
function printedMode(text: string, where: string): ModeDecision {
  let format: string;
  try {
    format = detectReader(text, where).name;
  } catch {
    format = 'iptables'; // not rules at all: the snapshot's check says so
  }
  if (format === 'nftables' || format === 'ipvs') return { mode: format, by: 'rules', reason: `${where} printed ${format === 'ipvs' ? 'an IPVS table' : "kube-proxy's nftables rules"}` };
  const mode = iptablesKubeMode(text) ?? 'iptables';
  return { mode, by: 'rules', reason: `${where} printed ${mode === 'ipvs' ? "kube-proxy's IPVS-mode iptables rules" : 'iptables rules'}` };
}

/** The mode `--mode` names, or an earlier capture decided; null for auto. */
function given(options: CaptureOptions): ModeDecision | null {
  const mode = options.mode ?? 'auto';
  if (typeof mode === 'object') return mode;
  return mode === 'auto' ? null : { mode, by: 'option', reason: `--mode ${mode}` };
}

/** `--mode` when given; else kube-proxy's configuration as the cluster shows it (for a node); else null: the rules will tell. */
async function decide(runner: Runner, options: CaptureOptions): Promise<ModeDecision | null> {
  return given(options) ?? (runner.kind === 'node' ? configuredMode(options.kubectl, runner.kubeProxyPod) : null);
}

function fromRunner(runner: Runner, mode: ModeDecision, c: ModeCapture): Capture {
  return { parts: c.parts, mode, kind: runner.kind, target: runner.target, via: runner.via, node: runner.node, backend: c.backend, warnings: c.warnings };
}

/** Reads the rules from a source (its names checked first); most sources give one capture, a host with two busy iptables back ends gives two. */
export async function capture(source: Source, options: CaptureOptions): Promise<Capture[]> {
  const s = checkSource(source);
  if (s.kind === 'exec') return [await captureExec(s.argv, options)];
  const runner = await runnerFor(s, options);
  const decided = await decide(runner, options);
  if (decided) return (await captureMode(decided, runner, options)).map((c) => fromRunner(runner, decided, c));
  const { decision, captures } = await captureDetected(runner, options);
  return captures.map((c) => fromRunner(runner, decision, c));
}
