/**
 * The REST verbs on resources and their subresources (scale, log): what the API server answers
 * for list, get, create, update, patch and delete, with the real status codes and Status errors.
 */
import type { Kubelet } from './kubelet';
import { applyPatch } from './patch';
import { groupVersionString, type ResourceType } from './resources';
import type { ResourceRoute } from './routes';
import { podSpecDefaults, scaleObject } from './objects';
import { parseFieldSelector, parseLabelSelector, SelectorError } from './selectors';
import type { ClusterState } from './state';
import { alreadyExists, badRequest, conflict, invalid, methodNotAllowed, notFound, resourceNotFound } from './status';
import { includeObject, toTable, wantsTable } from './table';
import type { Container, KubeObject, ObjectMeta, Pod, Scale, Workload } from './types';

export interface RequestContext {
  method: string;
  route: ResourceRoute;
  query: URLSearchParams;
  body: unknown;
  contentType: string;
  accept: string;
}

export type Reply = { code: number; json: unknown } | { code: number; text: string };

const SCALABLE = new Set(['deployments', 'replicasets', 'statefulsets']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function withoutTypeMeta(object: KubeObject): Omit<KubeObject, 'apiVersion' | 'kind'> {
  const { apiVersion: _apiVersion, kind: _kind, ...rest } = object;
  return rest;
}

interface ContinueToken {
  rv: number;
  start: number;
}

function decodeContinue(token: string | null): ContinueToken | undefined {
  if (!token) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (isRecord(parsed) && typeof parsed.rv === 'number' && typeof parsed.start === 'number') return { rv: parsed.rv, start: parsed.start };
  } catch {
    // fall through to the error below
  }
  throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
}

export class ResourceHandlers {
  constructor(
    private readonly state: ClusterState,
    private readonly kubelet: Kubelet,
  ) {}

  handle(ctx: RequestContext): Reply {
    const { route, method } = ctx;
    if (route.subresource === 'scale') return this.scale(ctx);
    if (route.subresource === 'log' && method === 'GET') return this.log(ctx);
    if (route.subresource === 'exec') throw badRequest('Upgrade request required');
    if (route.subresource !== undefined) throw methodNotAllowed();
    if (route.name === undefined) {
      if (method === 'GET') return { code: 200, json: this.list(route, ctx) };
      if (method === 'POST') return this.create(ctx);
      throw methodNotAllowed();
    }
    switch (method) {
      case 'GET':
        return { code: 200, json: this.get(route.type, route.namespace, route.name, ctx) };
      case 'PUT':
        return { code: 200, json: this.update(route, ctx.body) };
      case 'PATCH':
        return { code: 200, json: this.update(route, applyPatch(this.getOrThrow(route.type, route.namespace, route.name), ctx.body, ctx.contentType)) };
      case 'DELETE':
        return this.delete(route, ctx.body);
      default:
        throw methodNotAllowed();
    }
  }

  /** Parses `labelSelector` and `fieldSelector` into one matcher (BadRequest when invalid). */
  selectorFor(type: ResourceType, query: URLSearchParams): (o: KubeObject) => boolean {
    const labelText = query.get('labelSelector');
    const fieldText = query.get('fieldSelector');
    try {
      const labels = parseLabelSelector(labelText);
      const fields = parseFieldSelector(type.resource, fieldText);
      return (o) => labels(o) && fields(o);
    } catch (error) {
      if (!(error instanceof SelectorError)) throw error;
      // kubectl adds its own 'Unable to find "/v1, Resource=pods" that match ...' prefix.
      throw badRequest(error.message);
    }
  }

  getOrThrow<T extends KubeObject>(type: ResourceType, namespace: string | undefined, name: string): T {
    const found = this.state.store.get<T>(type.resource, namespace, name);
    if (!found) throw notFound(type, name);
    return found;
  }

  private get(type: ResourceType, namespace: string | undefined, name: string, ctx: RequestContext): object {
    const object = this.getOrThrow(type, namespace, name);
    if (!wantsTable(ctx.accept)) return object;
    return toTable(type, [object], { resourceVersion: object.metadata.resourceVersion }, includeObject(ctx.query));
  }

  private list(route: ResourceRoute, ctx: RequestContext): object {
    const { type } = route;
    const { query } = ctx;
    const matches = this.selectorFor(type, query);
    const all = this.state.store.list(type.resource, route.namespace).filter(matches);
    const token = decodeContinue(query.get('continue'));
    const rv = token?.rv ?? this.state.store.resourceVersion;
    const start = token?.start ?? 0;
    const limit = Number(query.get('limit') ?? 0);
    const end = limit > 0 ? Math.min(all.length, start + limit) : all.length;
    const metadata: Record<string, unknown> = { resourceVersion: String(rv) };
    if (end < all.length) {
      metadata.continue = Buffer.from(JSON.stringify({ rv, start: end })).toString('base64url');
      metadata.remainingItemCount = all.length - end;
    }
    const page = all.slice(start, end);
    if (wantsTable(ctx.accept)) return toTable(type, page, metadata, includeObject(query));
    return { kind: type.listKind, apiVersion: groupVersionString(type), metadata, items: page.map(withoutTypeMeta) };
  }

  private create(ctx: RequestContext): Reply {
    const { type, namespace } = ctx.route;
    if (type.resource !== 'pods' || namespace === undefined) throw methodNotAllowed();
    if (!this.state.store.has('namespaces', undefined, namespace)) throw notFound({ group: '', resource: 'namespaces' }, namespace);
    const pod = this.podFromBody(ctx.body, namespace);
    if (this.state.store.has('pods', namespace, pod.metadata.name)) throw alreadyExists(type, pod.metadata.name);
    return { code: 201, json: this.state.store.create('pods', pod) };
  }

  private podFromBody(body: unknown, namespace: string): Pod {
    if (!isRecord(body) || !isRecord(body.metadata) || !isRecord(body.spec)) throw badRequest('Object \'Kind\' is missing in request body');
    const metadata = body.metadata as Partial<ObjectMeta>;
    if (metadata.namespace !== undefined && metadata.namespace !== namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    const name = metadata.name || (metadata.generateName ? this.state.names.next(metadata.generateName, (n) => this.state.store.has('pods', namespace, n)) : '');
    if (!name) throw invalid('Pod', '', '', [{ reason: 'FieldValueRequired', message: 'Required value: name or generateName is required', field: 'metadata.name' }]);
    const containers = (body.spec.containers ?? []) as Container[];
    if (!Array.isArray(containers) || containers.length === 0) {
      throw invalid('Pod', name, '', [{ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.containers' }]);
    }
    const { resourceVersion: _rv, uid: _uid, ...meta } = metadata;
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { ...meta, name, namespace },
      spec: {
        ...podSpecDefaults(),
        enableServiceLinks: true,
        ...(body.spec as Pod['spec']),
        containers: containers.map((c) => ({
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
          imagePullPolicy: c.image.endsWith(':latest') || !c.image.includes(':') ? 'Always' : 'IfNotPresent',
          resources: {},
          ...c,
        })),
      },
      status: { phase: 'Pending', qosClass: 'BestEffort' },
    };
  }

  /** PUT (and PATCH, once applied): replace the object but keep its status and identity. */
  private update(route: ResourceRoute, body: unknown): KubeObject {
    const { type, namespace, name = '' } = route;
    const current = this.getOrThrow<KubeObject & { spec?: unknown; status?: unknown }>(type, namespace, name);
    if (!isRecord(body) || !isRecord(body.metadata)) throw badRequest('Object \'Kind\' is missing in request body');
    const meta = body.metadata as Partial<ObjectMeta>;
    if (meta.name !== undefined && meta.name !== name) throw badRequest(`the name of the object (${meta.name}) does not match the name on the URL (${name})`);
    if (meta.resourceVersion !== undefined && meta.resourceVersion !== current.metadata.resourceVersion) throw conflict(type, name);
    const next: KubeObject & { spec?: unknown; status?: unknown } = {
      ...body,
      apiVersion: current.apiVersion,
      kind: current.kind,
      metadata: { ...meta, name, namespace, uid: current.metadata.uid, creationTimestamp: current.metadata.creationTimestamp },
      status: current.status,
    };
    if (namespace === undefined) delete next.metadata.namespace;
    const specChanged = JSON.stringify(next.spec) !== JSON.stringify(current.spec);
    if (current.metadata.generation !== undefined) next.metadata.generation = current.metadata.generation + (specChanged ? 1 : 0);
    return this.state.store.update(type.resource, next);
  }

  private delete(route: ResourceRoute, body: unknown): Reply {
    const { type, namespace, name = '' } = route;
    if (type.resource !== 'pods') throw methodNotAllowed();
    const pod = this.getOrThrow<Pod>(type, namespace, name);
    const grace = isRecord(body) && typeof body.gracePeriodSeconds === 'number' ? body.gracePeriodSeconds : undefined;
    return { code: 200, json: this.kubelet.delete(pod, grace) ?? pod };
  }

  private scale(ctx: RequestContext): Reply {
    const { type, namespace, name = '' } = ctx.route;
    if (!SCALABLE.has(type.resource)) throw resourceNotFound();
    const workload = this.getOrThrow<Workload>(type, namespace, name);
    switch (ctx.method) {
      case 'GET':
        return { code: 200, json: scaleObject(workload) };
      case 'PUT':
        return { code: 200, json: this.setReplicas(type, workload, ctx.body) };
      case 'PATCH':
        return { code: 200, json: this.setReplicas(type, workload, applyPatch(scaleObject(workload), ctx.body, ctx.contentType)) };
      default:
        throw methodNotAllowed();
    }
  }

  private setReplicas(type: ResourceType, workload: Workload, body: unknown): Scale {
    const name = workload.metadata.name;
    const scale = body as Partial<Scale> | null;
    const replicas = scale?.spec?.replicas;
    const rv = scale?.metadata?.resourceVersion;
    if (rv && rv !== workload.metadata.resourceVersion) throw conflict(type, name);
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
      throw invalid('Scale', name, 'autoscaling', [{ reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(replicas ?? null)}: must be greater than or equal to 0`, field: 'spec.replicas' }]);
    }
    if (replicas === workload.spec.replicas) return scaleObject(workload);
    const updated = this.state.store.update<Workload>(type.resource, {
      ...workload,
      metadata: { ...workload.metadata, generation: (workload.metadata.generation ?? 1) + 1 },
      spec: { ...workload.spec, replicas },
    });
    return scaleObject(updated);
  }

  private log(ctx: RequestContext): Reply {
    const { type, namespace, name = '' } = ctx.route;
    const pod = this.getOrThrow<Pod>(type, namespace, name);
    const names = pod.spec.containers.map((c) => c.name);
    const container = ctx.query.get('container') ?? (names.length === 1 ? names[0] : undefined);
    if (container === undefined) throw badRequest(`a container name must be specified for pod ${name}, choose one of: [${names.join(' ')}]`);
    if (!names.includes(container)) throw badRequest(`container ${container} is not valid for pod ${name}`);
    const waiting = pod.status.containerStatuses?.find((s) => s.name === container)?.state.waiting;
    if (pod.status.phase === 'Pending') {
      throw badRequest(`container "${container}" in pod "${name}" is waiting to start: ${waiting?.reason ?? 'ContainerCreating'}`);
    }
    const text = this.state.podLogs.get(pod.metadata.uid ?? '') ?? '';
    return { code: 200, text: tail(text, ctx.query.get('tailLines')) };
  }
}

function tail(text: string, tailLines: string | null): string {
  const n = Number(tailLines);
  if (tailLines === null || !Number.isInteger(n) || n < 0) return text;
  const lines = text.split('\n');
  const trailing = lines[lines.length - 1] === '' ? lines.pop() : undefined;
  return [...lines.slice(Math.max(0, lines.length - n)), ...(trailing !== undefined ? [''] : [])].join('\n');
}

