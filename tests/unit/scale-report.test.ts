/** The report of a `natdiff scale` run, from made-up runs: the headline, what did not converge, the gantt chart's time axis. */
import type { Latency, TimelineEvent } from '../../lib/scale/timeline';
import type { ScaleRun } from '../../lib/scale/scale-workflow';
import { renderScaleMarkdown, renderScaleText, scaleDocument } from '../../lib/report/scale-report';
import { newMetadata } from '../../lib/snapshot/write-snapshot';
import { bundled, diffTexts } from '../support/snapshots';

const before = {
  path: 'snapshots/prod/node-a/20261123T051122Z-before.txt',
  warnings: [],
  metadata: newMetadata({
    capturedAt: '2026-11-23T05:11:22.123Z', label: 'before', source: { kind: 'node', target: 'node-a', via: 'kube-proxy pod kube-system/kube-proxy-abcde', command: ['kubectl', 'exec', '…'] },
    node: 'node-a', kubeContext: 'prod', kubeProxyMode: 'iptables', iptables: { version: '1.8.9', backend: 'nf_tables' }, natdiffVersion: '0.1.0', rules: 40,
  }),
};

const event = (atMs: number, kind: TimelineEvent['kind'], subject: string, detail: string): TimelineEvent => ({ atMs, kind, subject, detail });
const latency = (endpoint: string, readyAtMs: number, programmedAtMs: number): Latency => ({ service: 'default/web:http', endpoint, readyAtMs, programmedAtMs, latencyMs: programmedAtMs - readyAtMs, readyFrom: 'trigger-time' });

/** web 1 → 3 where kube-proxy took its time: the new endpoints reach the rules about three minutes after the scale. */
function slowRun(fields: Partial<ScaleRun> = {}): ScaleRun {
  return {
    workload: { kind: 'deployment', name: 'web', namespace: 'default' }, node: 'node-a', fromReplicas: 1, toReplicas: 3, startedAt: '2026-11-23T05:11:23.000Z',
    command: ['kubectl', 'scale', 'deployment/web', '--replicas=3', '-n', 'default'], servicePorts: ['default/web:http'], before, after: null,
    rolloutMs: 41_200, convergedMs: 178_500, outcome: 'converged', outstanding: [],
    timeline: [
      event(0, 'scale', 'deployment/web', 'kubectl scale --replicas=3 (was 1)'),
      event(40_100, 'endpoints', 'default/web:http', 'EndpointSlice: 3 ready (+10.244.1.6:8080 +10.244.2.7:8080)'),
      event(41_200, 'rollout', 'deployment/web', 'rollout complete: 3 ready'),
      event(178_500, 'rules', 'node rules', 'reprogrammed: default/web:http: 3 endpoints (+10.244.1.6:8080 +10.244.2.7:8080)'),
      event(178_500, 'converged', 'node rules', 'rules match the ready endpoints of every EndpointSlice; confirmed at +179.7s'),
    ],
    latencies: [latency('10.244.1.6:8080', 40_100, 178_500), latency('10.244.2.7:8080', 40_100, 178_500)],
    diff: null,
    ...fields,
  };
}

const ganttOf = (md: string) => /```mermaid\n([\s\S]*?)```/.exec(md)?.[1] ?? '';

describe('the gantt chart', () => {
  test('three minutes: the axis counts minutes and seconds, and every time is past the first minute where it should be', () => {
    const chart = ganttOf(renderScaleMarkdown(slowRun(), '0.1.0'));
    expect(chart).toContain('  dateFormat YYYY-MM-DD HH:mm:ss.SSS\n  axisFormat %M:%S\n');
    expect(chart).toContain('  kubectl scale :milestone, 2000-01-01 00:00:00.000, 2000-01-01 00:00:00.000\n');
    expect(chart).toContain('  rollout complete :milestone, 2000-01-01 00:00:41.200, 2000-01-01 00:00:41.200\n');
    const bars = chart.split('\n').filter((l) => l.startsWith('  10.244.'));
    expect(bars).toEqual(['  10.244.1.6 8080 :2000-01-01 00:00:40.100, 2000-01-01 00:02:58.500', '  10.244.2.7 8080 :2000-01-01 00:00:40.100, 2000-01-01 00:02:58.500']);
  });

  test('under a minute: seconds and milliseconds', () => {
    const run = slowRun({ rolloutMs: 1200, convergedMs: 2500, latencies: [latency('10.244.1.6:8080', 900, 2500)] });
    const chart = ganttOf(renderScaleMarkdown(run, '0.1.0'));
    expect(chart).toContain('  axisFormat %S.%L s\n');
    expect(chart).toContain('  10.244.1.6 8080 :2000-01-01 00:00:00.900, 2000-01-01 00:00:02.500\n');
  });

  test('past an hour: hours, minutes and seconds', () => {
    const chart = ganttOf(renderScaleMarkdown(slowRun({ latencies: [latency('10.244.1.6:8080', 40_100, 3_725_004)] }), '0.1.0'));
    expect(chart).toContain('  axisFormat %H:%M:%S\n');
    expect(chart).toContain(':2000-01-01 00:00:40.100, 2000-01-01 01:02:05.004\n');
  });
});

describe('the headline and what did not converge', () => {
  test('converged: the headline gives the time the rules first matched, the time of the converged line of the timeline', () => {
    const md = renderScaleMarkdown(slowRun(), '0.1.0');
    expect(md).toContain('- **Outcome:** kube-proxy converged 178.5 s after the scale (rollout: 41.2 s)\n');
    expect(md).toContain('| +178.5s | converged | node rules | rules match the ready endpoints of every EndpointSlice; confirmed at +179.7s |');
    expect(md).not.toContain('## Did not converge');
  });

  test('timeout: what is outstanding, listed in the report and on stdout', () => {
    const outstanding = ['default/web:http: rules lack 10.244.1.6:8080, 10.244.2.7:8080'];
    const run = slowRun({ outcome: 'timeout', convergedMs: null, outstanding, latencies: [], timeline: slowRun().timeline.slice(0, 3) });
    const md = renderScaleMarkdown(run, '0.1.0');
    expect(md).toContain('- **Outcome:** kube-proxy did NOT converge before the timeout (rollout: 41.2 s)\n');
    expect(md).toContain('## Did not converge\n\n- default/web:http: rules lack 10.244.1.6:8080, 10.244.2.7:8080\n');
    expect(renderScaleText(run, false).split('\n').filter((l) => l.startsWith('  not converged: '))).toEqual(['  not converged: default/web:http: rules lack 10.244.1.6:8080, 10.244.2.7:8080']);
  });
});

describe('-o json', () => {
  test('its diff lists the services that changed, as the text and Markdown reports of a run do; the summary counts every one', () => {
    const diff = diffTexts(bundled('coredns-scale-2to4-before.txt'), bundled('coredns-scale-2to4-after.txt'));
    const doc = scaleDocument(slowRun({ diff }), '0.1.0');
    expect(doc.formatVersion).toBe(2);
    expect(doc.diff).toMatchObject({ formatVersion: 2, servicesListed: 'changed', summary: { servicesChanged: 3, servicesUnchanged: 1 } });
    expect((doc.diff?.services as { status: string }[]).map((s) => s.status)).toEqual(['changed', 'changed', 'changed']);
  });
});
