/**
 * The JSON contract (README "JSON output"); the YAML output is the same document. Bump
 * FORMAT_VERSION whenever a field changes meaning; adding a field does not.
 */
import { probabilities } from '../diff/diff-services';
import type { ChainDiff, DiffReport, RuleRef, ServiceDiff } from '../diff/types';
import { endpointIp } from '../model/addresses';
import type { PodRef } from '../model/pods';
import type { Endpoint, ServicePort } from '../model/service';

/** 2: `services` lists the services that changed unless every one is asked for (`servicesListed`). */
export const FORMAT_VERSION = 2;

export interface DocumentOptions {
  /** List unchanged services too (`--all`); the summary counts every service either way. */
  all: boolean;
}

export interface JsonOptions extends DocumentOptions {
  /** Indented, as `JSON.stringify(doc, null, 2)`; otherwise on one line. */
  pretty?: boolean;
}

/** The services a document lists: all of them, or every one whose status is not `unchanged`. */
function listedServices(services: readonly ServiceDiff[], all: boolean): readonly ServiceDiff[] {
  return all ? services : services.filter((s) => s.status !== 'unchanged');
}

function endpoint(e: Endpoint, pods: Record<string, PodRef>) {
  const pod = e.address ? (pods[endpointIp(e.address)] ?? null) : null;
  return { address: e.address, probability: e.probability, share: e.share, chain: e.ref, issues: e.issues, pod };
}

function side(port: ServicePort | null, pods: Record<string, PodRef>) {
  if (!port) return null;
  return {
    clusterIP: port.clusterIP,
    port: port.port,
    nodePorts: port.nodePorts,
    externalIPs: port.externalIPs,
    loadBalancerIPs: port.loadBalancerIPs,
    endpoints: port.endpoints.map((e) => endpoint(e, pods)),
    probabilities: probabilities(port),
    balancing: port.balancing,
    localEndpoints: port.localEndpoints?.map((e) => endpoint(e, pods)) ?? null,
    diverted: port.diverted,
    sessionAffinitySeconds: port.affinitySeconds,
    noEndpoints: port.noEndpoints,
    noLocalEndpoints: port.noLocalEndpoints,
    chains: port.refs,
    endpointsShown: port.endpointsShown,
    unseen: port.unseen,
  };
}

function service(d: ServiceDiff, pods: Record<string, PodRef>) {
  return { ...serviceHead(d), before: side(d.before, pods), after: side(d.after, pods) };
}

/** A service's fields before its two sides, which come last. */
function serviceHead(d: ServiceDiff) {
  return {
    name: d.name,
    key: d.key,
    label: d.label,
    protocol: d.protocol,
    status: d.status,
    endpointsAdded: d.endpointsAdded,
    endpointsRemoved: d.endpointsRemoved,
    changes: d.changes,
  };
}

function sameEndpointText(x: Endpoint, y: Endpoint): boolean {
  return x.address === y.address && x.probability === y.probability && x.share === y.share && x.ref === y.ref && x.issues.join() === y.issues.join();
}

function sameEndpointsText(x: Endpoint[] | null, y: Endpoint[] | null): boolean {
  if (x === y) return true;
  return x !== null && y !== null && x.length === y.length && x.every((e, i) => sameEndpointText(e, y[i] as Endpoint));
}

/** Whether two sides print alike, known without printing them (most services of a diff are unchanged). */
function printAlike(b: ServicePort | null, a: ServicePort | null): boolean {
  if (!b || !a || !sameEndpointsText(b.endpoints, a.endpoints) || !sameEndpointsText(b.localEndpoints, a.localEndpoints)) return false;
  const withoutLists = (p: ServicePort) => JSON.stringify({ ...p, endpoints: null, localEndpoints: null });
  return withoutLists(b) === withoutLists(a);
}

/** A service as `stringify` prints it nested at `pad`; the sides are most of the document, so two alike are printed once. */
function serviceText(d: ServiceDiff, pods: Record<string, PodRef>, stringify: (value: unknown, pad: string) => string, pretty: boolean, pad: string): string {
  const inner = pretty ? `${pad}  ` : '';
  const before = stringify(side(d.before, pods), inner);
  const after = printAlike(d.before, d.after) ? before : stringify(side(d.after, pods), inner);
  const head = stringify(serviceHead(d), pad);
  const close = pretty ? `\n${pad}}` : '}';
  const sep = pretty ? `,\n${inner}` : ',';
  const colon = pretty ? ': ' : ':';
  return `${head.slice(0, -close.length)}${sep}"before"${colon}${before}${sep}"after"${colon}${after}${close}`;
}

function rule(r: RuleRef) {
  return { line: r.line, rule: r.text, service: r.service };
}

function chain(c: ChainDiff) {
  return {
    table: c.table,
    name: c.name,
    status: c.status,
    renamedFrom: c.renamedFrom,
    service: c.service,
    policy: c.policy,
    declaration: c.declaration,
    reordered: c.reordered,
    rulesAdded: c.added.map(rule),
    rulesRemoved: c.removed.map(rule),
    rulesChanged: c.changed.map((p) => ({ before: rule(p.before), after: rule(p.after) })),
  };
}

/** The document's fields in order; the long lists are built one element at a time. */
function fields(report: DiffReport, toolVersion: string, { all }: DocumentOptions): [string, unknown][] {
  return [
    ['formatVersion', FORMAT_VERSION],
    ['tool', { name: 'natdiff', version: toolVersion }],
    ['before', report.before],
    ['after', report.after],
    ['table', report.table],
    ['servicesListed', all ? 'all' : 'changed'],
    ['acrossModes', report.acrossModes],
    ['otherTablesDiffer', report.otherTablesDiffer],
    ['services', lazyList(listedServices(report.services, all), (s) => service(s, report.pods))],
    ['chains', lazyList(report.chains, chain)],
    ['noise', report.noise],
    ['findings', report.findings],
    ['warnings', report.warnings],
    ['summary', report.summary],
  ];
}

class LazyList<T, R> {
  constructor(
    readonly items: readonly T[],
    readonly map: (item: T) => R,
  ) {}
}

function lazyList<T, R>(items: readonly T[], map: (item: T) => R): LazyList<T, R> {
  return new LazyList(items, map);
}

export function reportDocument(report: DiffReport, toolVersion: string, options: DocumentOptions): Record<string, unknown> {
  return Object.fromEntries(fields(report, toolVersion, options).map(([k, v]) => [k, v instanceof LazyList ? v.items.map(v.map) : v]));
}

function indented(value: unknown, pad: string): string {
  return JSON.stringify(value, null, 2).replace(/\n/g, `\n${pad}`);
}

/**
 * The document exactly as `JSON.stringify(doc)` (or, pretty, `JSON.stringify(doc, null, 2)`)
 * prints it, in pieces: a report of tens of thousands of services is never held as one object
 * tree or one string.
 */
export function* jsonChunks(report: DiffReport, toolVersion: string, { pretty = true, ...options }: JsonOptions): Generator<string> {
  const nl = pretty ? '\n' : '';
  const stringify = (value: unknown, pad: string) => (pretty ? indented(value, pad) : JSON.stringify(value));
  yield '{';
  for (const [i, [key, value]] of fields(report, toolVersion, options).entries()) {
    yield `${i > 0 ? ',' : ''}${nl}${pretty ? '  ' : ''}${JSON.stringify(key)}:${pretty ? ' ' : ''}`;
    if (!(value instanceof LazyList)) {
      yield stringify(value, '  ');
      continue;
    }
    if (value.items.length === 0) {
      yield '[]';
      continue;
    }
    yield '[';
    const text = key === 'services' ? (d: ServiceDiff) => serviceText(d, report.pods, stringify, pretty, '    ') : (item: unknown) => stringify(value.map(item), '    ');
    for (const [n, item] of value.items.entries()) yield `${n > 0 ? ',' : ''}${nl}${pretty ? '    ' : ''}${text(item as ServiceDiff)}`;
    yield `${nl}${pretty ? '  ' : ''}]`;
  }
  yield `${nl}}\n`;
}

export function renderJson(report: DiffReport, toolVersion: string, options: JsonOptions): string {
  return [...jsonChunks(report, toolVersion, options)].join('');
}
