/**
 * What each of kube-proxy's modes is captured with, through a runner, and how `--mode auto` tells
 * from the rules which one a node runs:
 *
 * - iptables: `iptables-save -t nat` (both back ends on this machine and its namespaces);
 * - nftables: `nft list table ip kube-proxy` and `nft list table ip6 kube-proxy`, whichever exist;
 * - ipvs: `ipvsadm-save -n` and `iptables-save -t nat` (kube-proxy's iptables rules beside IPVS).
 *
 * Each command's output is a part of the capture, loadable on its own by the tool that reads it
 * back. Auto runs the nft and iptables commands (never ipvsadm, which loads the kernel's IPVS
 * module when it is not there) and reuses what they printed for the capture.
 */
import { CaptureError } from '../errors';
import type { CapturedPart } from '../snapshot/write-snapshot';
import { iptablesKubeMode, type ModeDecision, type ProxyMode } from './proxy-mode';
import type { Ran, Runner } from './runners';
import { firstLine, showCommand } from './run-command';

export interface ModeCapture {
  parts: CapturedPart[];
  /** `nf_tables` / `legacy`, when the capture chose between iptables back ends. */
  backend: string | null;
  warnings: string[];
}

export interface CaptureSettings {
  /** Every iptables table, not only nat. */
  allTables?: boolean;
}

interface IptablesOutput {
  ran: Ran;
  backend: string | null;
}

interface IptablesOutputs {
  outputs: IptablesOutput[];
  warnings: string[];
}

type TableState = 'found' | 'absent' | 'not-installed' | 'failed';

interface NftTable {
  family: 'ip' | 'ip6';
  ran: Ran;
  state: TableState;
}

/** What auto already ran, so the capture does not run it again. */
interface Seen {
  nft?: NftTable[];
  iptables?: IptablesOutputs;
}

const INSTALL = { iptables: 'iptables', nft: 'nftables', ipvsadm: 'ipvsadm' } as const;

function notInstalled(program: string, tool: keyof typeof INSTALL, runner: Runner): CaptureError {
  return new CaptureError(`${program} is not installed on ${runner.where} (${runner.missingHint}Debian/Ubuntu: apt-get install ${INSTALL[tool]})`, 'not-installed');
}

/** Root-only tools say so in their own words; make it the first thing the user reads. */
function failure(ran: Ran, where: string): CaptureError {
  const reason = firstLine(ran.result.stderr) || firstLine(ran.result.stdout);
  const denied = /permission denied|must be root|Operation not permitted/i.test(reason);
  return new CaptureError(`${showCommand(ran.command)} failed on ${where}: ${reason || 'no reason given'}${denied ? ' (run natdiff as root, or with sudo)' : ''}`, denied ? 'permission-denied' : 'failed');
}

/**
 * Like Promise.all, but a rejection is told in the order given, not in the order it came: when the
 * way to the node fails, every command fails alike, and the message must not depend on timing.
 */
async function allInOrder<T extends readonly unknown[]>(promises: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(promises);
  const rejected = settled.find((s) => s.status === 'rejected');
  if (rejected) throw rejected.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

function saveArgs(binary: string, settings: CaptureSettings): string[] {
  return settings.allTables ? [binary] : [binary, '-t', 'nat'];
}

function hasKubeRules(dump: string): boolean {
  return dump.includes(':KUBE-') || dump.includes('-A KUBE-');
}

/**
 * iptables-save's output. iptables has two back ends; on this machine and in its namespaces, when
 * both hold kube-proxy rules (a half-done migration), both are captured and a warning says so.
 */
async function iptablesOutputs(runner: Runner, settings: CaptureSettings): Promise<IptablesOutputs> {
  if (runner.iptablesBackends) {
    const [nft, legacy] = await allInOrder<[Ran, Ran]>([runner.run(saveArgs('iptables-nft-save', settings)), runner.run(saveArgs('iptables-legacy-save', settings))]);
    const nftOk = nft.result.code === 0 ? nft : null;
    const legacyOk = legacy.result.code === 0 ? legacy : null;
    if (nftOk && legacyOk && hasKubeRules(nftOk.result.stdout) && hasKubeRules(legacyOk.result.stdout)) {
      const warning = `both iptables back ends hold kube-proxy rules on ${runner.where}; captured both (nf_tables and legacy): only one of them is what kube-proxy maintains now`;
      return { outputs: [{ ran: nftOk, backend: 'nf_tables' }, { ran: legacyOk, backend: 'legacy' }], warnings: [warning] };
    }
    if (legacyOk && hasKubeRules(legacyOk.result.stdout) && !(nftOk && hasKubeRules(nftOk.result.stdout))) return { outputs: [{ ran: legacyOk, backend: 'legacy' }], warnings: [] };
    if (nftOk) return { outputs: [{ ran: nftOk, backend: 'nf_tables' }], warnings: [] };
  }
  const plain = await runner.run(saveArgs('iptables-save', settings));
  if (plain.missing) throw notInstalled('iptables-save', 'iptables', runner);
  if (plain.result.code !== 0) throw failure(plain, runner.where);
  return { outputs: [{ ran: plain, backend: null }], warnings: [] };
}

function iptablesPart(output: IptablesOutput): CapturedPart {
  return { name: 'iptables', command: output.ran.command, loadWith: 'iptables-restore', text: output.ran.result.stdout };
}

// nft says this when the table is not there (1.1 adds "; did you mean …").
const NO_TABLE = /^Error: No such file or directory/m;

async function nftTables(runner: Runner): Promise<NftTable[]> {
  const table = async (family: 'ip' | 'ip6'): Promise<NftTable> => {
    const ran = await runner.run(['nft', 'list', 'table', family, 'kube-proxy']);
    const state: TableState = ran.missing ? 'not-installed' : ran.result.code === 0 ? 'found' : NO_TABLE.test(ran.result.stderr) ? 'absent' : 'failed';
    return { family, ran, state };
  };
  return allInOrder<[NftTable, NftTable]>([table('ip'), table('ip6')]);
}

function nftPart(table: NftTable): CapturedPart {
  return { name: `nftables ${table.family}`, command: table.ran.command, loadWith: 'nft -f -', text: table.ran.result.stdout };
}

function tableNames(tables: NftTable[]): string {
  return tables.map((t) => `table ${t.family} kube-proxy`).join(' and ');
}

const IPTABLES_MODE_RULES: Record<Exclude<ProxyMode, 'nftables'>, string> = {
  iptables: "kube-proxy's iptables-mode rules (KUBE-SERVICES)",
  ipvs: "kube-proxy's IPVS-mode rules (KUBE-SERVICES matching its KUBE-CLUSTER-IP ipset)",
};

function joinedIptables(iptables: IptablesOutputs): string {
  return iptables.outputs.map((o) => o.ran.result.stdout).join('\n');
}

/**
 * What the node holds of kube-proxy instead of the `wanted` mode's rules, in words that end the
 * message saying those are missing (each begins with its own separator).
 */
function holdings(nft: NftTable[], iptables: IptablesOutputs, wanted: ProxyMode): string {
  const tables = nft.filter((t) => t.state === 'found');
  if (tables.length > 0) return `; it holds kube-proxy's nftables ${tableNames(tables)}: try --mode nftables`;
  const mode = iptablesKubeMode(joinedIptables(iptables));
  if (mode === wanted) return `; yet its nat table holds ${IPTABLES_MODE_RULES[mode]}`;
  if (mode) return `; its nat table holds ${IPTABLES_MODE_RULES[mode]}: try --mode ${mode}`;
  const unknown = nftUnknown(nft);
  return ` and nothing else of kube-proxy's${unknown ? ` that natdiff could see (nftables could not be checked: ${unknown})` : ''}: kube-proxy may not run there`;
}

async function holdingsOf(runner: Runner, settings: CaptureSettings, seen: Seen, wanted: ProxyMode): Promise<string> {
  try {
    const [nft, iptables] = await allInOrder<[NftTable[], IptablesOutputs]>([seen.nft ? Promise.resolve(seen.nft) : nftTables(runner), seen.iptables ? Promise.resolve(seen.iptables) : iptablesOutputs(runner, settings)]);
    return holdings(nft, iptables, wanted);
  } catch (e) {
    if (!(e instanceof CaptureError)) throw e;
    return `; what it holds instead could not be read (${e.message})`;
  }
}

/** Why the mode was looked for, when not because --mode named it: `, though kube-proxy's ConfigMap … says mode: ipvs`. */
function though(decision: ModeDecision | null): string {
  return decision && decision.by !== 'option' ? `, though ${decision.reason}` : '';
}

/** The mode's rules are not there: one line saying so, why they were looked for, and what is there instead. */
async function absent(missing: string, wanted: ProxyMode, x: Asked, seen: Seen): Promise<CaptureError> {
  return new CaptureError(`${x.runner.where} ${missing}${though(x.decision)}${await holdingsOf(x.runner, x.settings, seen, wanted)}`, 'not-found');
}

/** A capture as asked for: where, how, and the decision when the mode was named (not found in the rules just read). */
interface Asked {
  runner: Runner;
  settings: CaptureSettings;
  decision: ModeDecision | null;
}

/**
 * A named iptables mode must find kube-proxy's iptables-mode rules; found from the rules, iptables
 * is also what a node with none of kube-proxy's rules is read as (take-snapshot warns then).
 */
async function captureIptables(x: Asked, seen: Seen): Promise<ModeCapture[]> {
  const iptables = seen.iptables ?? (await iptablesOutputs(x.runner, x.settings));
  if (x.decision && iptablesKubeMode(joinedIptables(iptables)) !== 'iptables') {
    throw await absent(`has no kube-proxy iptables-mode rules (KUBE-SERVICES and its KUBE-SVC- chains) in its nat table`, 'iptables', x, { ...seen, iptables });
  }
  return iptables.outputs.map((o) => ({ parts: [iptablesPart(o)], backend: o.backend, warnings: iptables.warnings }));
}

async function captureNftables(x: Asked, seen: Seen): Promise<ModeCapture[]> {
  const tables = seen.nft ?? (await nftTables(x.runner));
  const broken = tables.find((t) => t.state === 'not-installed' || t.state === 'failed');
  if (broken?.state === 'not-installed') throw notInstalled('nft', 'nft', x.runner);
  if (broken) throw failure(broken.ran, x.runner.where);
  const found = tables.filter((t) => t.state === 'found');
  if (found.length === 0) throw await absent('has no kube-proxy nftables table (no table ip kube-proxy, no table ip6 kube-proxy)', 'nftables', x, { ...seen, nft: tables });
  return [{ parts: found.map(nftPart), backend: null, warnings: [] }];
}

async function captureIpvs(x: Asked, seen: Seen): Promise<ModeCapture[]> {
  const { runner, settings } = x;
  const [ipvs, iptables] = await allInOrder<[Ran, IptablesOutputs]>([runner.run(['ipvsadm-save', '-n']), seen.iptables ? Promise.resolve(seen.iptables) : iptablesOutputs(runner, settings)]);
  if (ipvs.missing) throw notInstalled('ipvsadm-save', 'ipvsadm', runner);
  const said = firstLine(ipvs.result.stderr);
  if (ipvs.result.code !== 0 && /Can't initialize ipvs|Protocol not available/.test(said)) throw await absent(`has no IPVS in its kernel (ipvsadm-save -n: ${said})`, 'ipvs', x, { ...seen, iptables });
  if (ipvs.result.code !== 0) throw failure(ipvs, runner.where);
  if (ipvs.result.stdout.trim() === '') throw await absent('holds no IPVS virtual services', 'ipvs', x, { ...seen, iptables });
  const ipvsPart: CapturedPart = { name: 'ipvs', command: ipvs.command, loadWith: 'ipvsadm-restore', text: ipvs.result.stdout };
  return iptables.outputs.map((o) => ({ parts: [ipvsPart, iptablesPart(o)], backend: o.backend, warnings: iptables.warnings }));
}

const CAPTURE: Record<ProxyMode, (x: Asked, seen: Seen) => Promise<ModeCapture[]>> = {
  iptables: captureIptables,
  nftables: captureNftables,
  ipvs: captureIpvs,
};

/**
 * What the decided mode reads, through the runner; most give one capture, a host with two busy
 * iptables back ends two. A mode named (by --mode, kube-proxy's flag or ConfigMap) whose rules are
 * not there is a CaptureError saying what is there instead.
 */
export function captureMode(decision: ModeDecision, runner: Runner, settings: CaptureSettings): Promise<ModeCapture[]> {
  return CAPTURE[decision.mode]({ runner, settings, decision: decision.by === 'rules' ? null : decision }, {});
}

export interface RulesFound {
  /** The kube-proxy tables nft listed. */
  nftTables: ('ip' | 'ip6')[];
  /** What iptables-save printed (both back ends, when both were read). */
  iptables: string;
  /** Why nft could not tell, when it could not (not installed, failed). */
  nftUnknown: string | null;
}

/** Which mode's rules a node holds: an nftables table, else what its nat table says; none at all reads as iptables, kube-proxy's default. */
export function modeFromRules(found: RulesFound, where: string): { decision: ModeDecision; warnings: string[] } {
  const iptables = iptablesKubeMode(found.iptables);
  if (found.nftTables.length > 0) {
    const tables = found.nftTables.map((f) => `table ${f} kube-proxy`).join(' and ');
    const warnings = iptables ? [`${where} also holds kube-proxy's ${iptables}-mode iptables rules (leftovers of an earlier mode?); --mode ${iptables} captures those`] : [];
    return { decision: { mode: 'nftables', by: 'rules', reason: `${where} holds kube-proxy's nftables ${tables}` }, warnings };
  }
  const nft = found.nftUnknown ? `nftables could not be checked (${found.nftUnknown})` : 'no kube-proxy nftables table';
  if (iptables === 'ipvs') return { decision: { mode: 'ipvs', by: 'rules', reason: `the nat table of ${where} matches kube-proxy's IPVS ipsets (KUBE-CLUSTER-IP); ${nft}` }, warnings: [] };
  if (iptables === 'iptables') return { decision: { mode: 'iptables', by: 'rules', reason: `the nat table of ${where} holds kube-proxy's KUBE-SERVICES rules; ${nft}` }, warnings: [] };
  return { decision: { mode: 'iptables', by: 'rules', reason: `no kube-proxy rules on ${where} (${nft}, no KUBE-SERVICES in the nat table): read as iptables, kube-proxy's default` }, warnings: [] };
}

function nftUnknown(tables: NftTable[]): string | null {
  const broken = tables.find((t) => t.state === 'not-installed' || t.state === 'failed');
  if (!broken) return null;
  return broken.state === 'not-installed' ? 'nft is not installed there' : `${showCommand(broken.ran.command)}: ${firstLine(broken.ran.result.stderr) || `exit ${broken.ran.result.code}`}`;
}

/** `--mode auto` from the rules: looks, decides, and captures the mode found with what it already read. */
export async function captureDetected(runner: Runner, settings: CaptureSettings): Promise<{ decision: ModeDecision; captures: ModeCapture[] }> {
  // iptables first: when the way there fails, its failure is the one told.
  const [iptables, nft] = await allInOrder<[IptablesOutputs, NftTable[]]>([iptablesOutputs(runner, settings), nftTables(runner)]);
  const found: RulesFound = {
    nftTables: nft.filter((t) => t.state === 'found').map((t) => t.family),
    iptables: joinedIptables(iptables),
    nftUnknown: nftUnknown(nft),
  };
  const { decision, warnings } = modeFromRules(found, runner.where);
  const captures = await CAPTURE[decision.mode]({ runner, settings, decision: null }, { nft, iptables });
  return { decision, captures: captures.map((c) => ({ ...c, warnings: [...warnings, ...c.warnings] })) };
}
