/**
 * The report of a `natdiff scale` run: what was run and when, how long kube-proxy took to
 * converge, the timeline (a table, and a mermaid gantt chart in Markdown), per-endpoint
 * network-programming latency, what did not converge, and the semantic diff.
 */
import type { ScaleRun } from '../scale/scale-workflow';
import type { Latency, TimelineEvent } from '../scale/timeline';
import { showWorkload } from '../scale/workload';
import { reportDocument } from './json';
import { renderMarkdown } from './markdown';
import { sanitizeLine } from '../sanitize';
import { renderText } from './text';

const KIND_LABEL: Record<TimelineEvent['kind'], string> = {
  scale: 'scale', 'pod-ready': 'pod ready', 'pod-gone': 'pod gone', endpoints: 'endpoints', rules: 'rules', rollout: 'rollout', converged: 'converged', timeout: 'timeout', interrupted: 'interrupted',
};

function seconds(ms: number | null): string {
  return ms === null ? '—' : `${(ms / 1000).toFixed(1)} s`;
}

function offset(ms: number): string {
  return `+${(ms / 1000).toFixed(1)}s`;
}

function outcomeLine(run: ScaleRun): string {
  switch (run.outcome) {
    case 'converged':
      return `kube-proxy converged ${seconds(run.convergedMs)} after the scale (rollout: ${seconds(run.rolloutMs)})`;
    case 'mismatch':
      return `kube-proxy converged ${seconds(run.convergedMs)} after the scale, but the change does not match the scale`;
    case 'timeout':
      return `kube-proxy did NOT converge before the timeout (rollout: ${seconds(run.rolloutMs)})`;
    case 'interrupted':
      return 'interrupted before kube-proxy converged';
    case 'dry-run':
      return 'dry run: nothing was scaled';
  }
}

function title(run: ScaleRun): string {
  const where = run.node ? `, rules read on node ${run.node}` : '';
  return `${showWorkload(run.workload)} ${run.fromReplicas} → ${run.toReplicas} in ${run.workload.namespace}${where}`;
}

export function latencySummary(latencies: Latency[]): string | null {
  if (latencies.length === 0) return null;
  const ms = latencies.map((l) => l.latencyMs).sort((a, b) => a - b);
  const p50 = ms[Math.floor((ms.length - 1) / 2)] as number;
  return `network programming latency: median ${seconds(p50)}, max ${seconds(ms[ms.length - 1] as number)} (${latencies.length} endpoint${latencies.length === 1 ? '' : 's'})`;
}

function mermaidText(s: string): string {
  return sanitizeLine(s).replace(/[:;#]/g, ' ');
}

/**
 * A time since the scale as a mermaid task time. Mermaid reads task times in the reader's local
 * time and draws the axis in it too, so a wall-clock time on a fixed day with no clock change
 * anywhere reads the same in every time zone (epoch milliseconds would not: the axis would show
 * the reader's UTC offset in its minutes and hours).
 */
function ganttTime(ms: number): string {
  const t = Math.max(0, Math.round(ms));
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `2000-01-${pad(1 + Math.floor(t / 86_400_000))} ${pad(Math.floor(t / 3_600_000) % 24)}:${pad(Math.floor(t / 60_000) % 60)}:${pad(Math.floor(t / 1000) % 60)}.${pad(t % 1000, 3)}`;
}

/** Seconds while the chart spans less than a minute, then minutes:seconds, then hours. */
function ganttAxis(spanMs: number): string {
  if (spanMs < 60_000) return '%S.%L s';
  if (spanMs < 3_600_000) return '%M:%S';
  return '%H:%M:%S';
}

function gantt(run: ScaleRun): string[] {
  if (run.latencies.length === 0) return [];
  const bars = run.latencies.map((l) => ({ l, from: Math.max(0, l.readyAtMs), to: Math.max(l.programmedAtMs, l.readyAtMs + 1) }));
  const span = Math.max(run.rolloutMs ?? 0, ...bars.map((b) => b.to));
  const lines = ['```mermaid', 'gantt', '  title Ready in the EndpointSlice → programmed on the node (time since kubectl scale)', '  dateFormat YYYY-MM-DD HH:mm:ss.SSS', `  axisFormat ${ganttAxis(span)}`];
  lines.push('  section scale', `  kubectl scale :milestone, ${ganttTime(0)}, ${ganttTime(0)}`);
  if (run.rolloutMs !== null) lines.push(`  rollout complete :milestone, ${ganttTime(run.rolloutMs)}, ${ganttTime(run.rolloutMs)}`);
  const bySection = new Map<string, typeof bars>();
  for (const b of bars) bySection.set(b.l.service, [...(bySection.get(b.l.service) ?? []), b]);
  for (const [service, bs] of bySection) {
    lines.push(`  section ${mermaidText(service)}`);
    for (const b of bs) lines.push(`  ${mermaidText(b.l.endpoint)} :${ganttTime(b.from)}, ${ganttTime(b.to)}`);
  }
  lines.push('```');
  return lines;
}

function mdCell(s: string): string {
  return sanitizeLine(s).replace(/[|\\`*_<>[\]]/g, (c) => `\\${c}`);
}

export function renderScaleMarkdown(run: ScaleRun, toolVersion: string): string {
  const out = [`# natdiff scale: ${mdCell(title(run))}`, ''];
  out.push(`- **Ran:** \`${sanitizeLine(run.command.join(' ')).replace(/`/g, "'")}\` at ${run.startedAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}`);
  out.push(`- **Outcome:** ${outcomeLine(run)}`);
  const latency = latencySummary(run.latencies);
  if (latency) out.push(`- **${latency.replace(/^network programming latency/, 'Network programming latency')}**`);
  out.push(`- **Watched:** ${run.servicePorts.length > 0 ? run.servicePorts.map((p) => `\`${mdCell(p)}\``).join(', ') : 'no service selects the workload; converged means the rules stopped changing'}`);
  out.push(`- **Snapshots:** before \`${mdCell(run.before.path)}\`${run.after ? `, after \`${mdCell(run.after.path)}\`` : ''}`, '');
  if (run.outstanding.length > 0) out.push('## Did not converge', '', ...run.outstanding.map((o) => `- ${mdCell(o)}`), '');
  if (run.timeline.length > 0) {
    out.push('## Timeline', '', '| Time | Event | Subject | Detail |', '|---|---|---|---|');
    for (const e of run.timeline) out.push(`| ${offset(e.atMs)} | ${KIND_LABEL[e.kind]} | ${mdCell(e.subject)} | ${mdCell(e.detail)} |`);
    out.push('');
  }
  if (run.latencies.length > 0) {
    out.push('## Network programming latency', '', '| Service port | Endpoint | Ready at | In the rules at | Latency | Start from |', '|---|---|---|---|---|---|');
    for (const l of run.latencies) out.push(`| ${mdCell(l.service)} | \`${mdCell(l.endpoint)}\` | ${offset(l.readyAtMs)} | ${offset(l.programmedAtMs)} | ${seconds(l.latencyMs)} | ${l.readyFrom} |`);
    out.push('', ...gantt(run), '');
  }
  if (run.diff) {
    const diff = renderMarkdown(run.diff, { all: false, toolVersion }).replace(/^## natdiff:/, '## Semantic diff:');
    out.push(diff);
  } else {
    out.push(`<sub>natdiff ${mdCell(toolVersion)}</sub>`, '');
  }
  return out.join('\n');
}

export function renderScaleText(run: ScaleRun, color: boolean): string {
  const out = [`natdiff scale ${title(run)}`, outcomeLine(run)];
  const latency = latencySummary(run.latencies);
  if (latency) out.push(latency);
  for (const o of run.outstanding) out.push(`  not converged: ${sanitizeLine(o)}`);
  if (run.timeline.length > 0) {
    out.push('', 'Timeline');
    for (const e of run.timeline) out.push(`  ${offset(e.atMs).padStart(7)}  ${KIND_LABEL[e.kind].padEnd(11)} ${sanitizeLine(e.subject)}: ${sanitizeLine(e.detail)}`);
  }
  out.push('');
  const text = out.join('\n');
  return run.diff ? `${text}\n${renderText(run.diff, { color, all: false })}` : `${text}\n`;
}

/** 2: its `diff` lists the services that changed, as the text and Markdown reports of a run do (the diff's own formatVersion 2). */
const SCALE_FORMAT_VERSION = 2;

export function scaleDocument(run: ScaleRun, toolVersion: string) {
  return {
    formatVersion: SCALE_FORMAT_VERSION,
    tool: { name: 'natdiff', version: toolVersion },
    scale: {
      workload: run.workload,
      fromReplicas: run.fromReplicas,
      toReplicas: run.toReplicas,
      node: run.node,
      command: run.command,
      startedAt: run.startedAt,
      outcome: run.outcome,
      rolloutMs: run.rolloutMs,
      convergedMs: run.convergedMs,
      outstanding: run.outstanding,
      servicePorts: run.servicePorts,
    },
    snapshots: { before: run.before.path, after: run.after?.path ?? null },
    timeline: run.timeline,
    latencies: run.latencies,
    diff: run.diff ? reportDocument(run.diff, toolVersion, { all: false }) : null,
  };
}
