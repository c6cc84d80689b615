/**
 * The HTTPS front: request log, authentication (bearer tokens), authorization (the forbidden
 * token), discovery, and dispatch to the resource handlers, watches and exec upgrades. Every
 * error leaves as a metav1.Status with the real code and reason.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { Duplex } from 'node:stream';
import {
  AGGREGATED_V2,
  aggregatedDiscovery,
  apiGroup,
  apiGroupList,
  apiResourceList,
  apiVersions,
  SERVER_VERSION,
  wantsAggregated,
} from './discovery';
import { execRequest, rejectUpgrade, type ExecServer } from './exec';
import type { ResourceHandlers, Reply } from './handlers';
import { FORBIDDEN_USER } from './options';
import { decodeProtobufObject, PROTOBUF } from './protobuf';
import { includeObject, toTable, wantsTable } from './table';
import { parseRoute, type ResourceRoute, type Route } from './routes';
import type { ClusterState } from './state';
import { ApiError, badRequest, failureStatus, forbidden, resourceNotFound } from './status';
import type { Certificate } from './tls';
import type { Pod } from './types';
import type { WatchHub } from './watch';

export interface RequestRecord {
  method: string;
  /** The URL path, without the query. */
  path: string;
  /** The raw query string ('' when none). */
  query: string;
}

export interface ServerDeps {
  state: ClusterState;
  handlers: ResourceHandlers;
  watches: WatchHub;
  exec: ExecServer;
  adminToken: string;
  forbiddenToken: string;
  requests: RequestRecord[];
}

type Caller = 'admin' | 'forbidden' | 'anonymous' | 'invalid';

const MAX_BODY_BYTES = 3 * 1024 * 1024;

function authenticate(req: IncomingMessage, deps: ServerDeps): Caller {
  const header = req.headers.authorization;
  if (!header) return 'anonymous';
  const token = /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim();
  if (token === deps.adminToken) return 'admin';
  if (token === deps.forbiddenToken) return 'forbidden';
  return 'invalid';
}

function unauthorized(): ApiError {
  return new ApiError(401, 'Unauthorized', 'Unauthorized');
}

/** The RBAC verb a request needs, as the API server's request-info resolver derives it. */
function verbOf(method: string, route: ResourceRoute, query: URLSearchParams): string {
  if (route.subresource === 'exec') return 'create';
  switch (method) {
    case 'GET':
      if (route.name !== undefined) return 'get';
      return ['true', '1'].includes(query.get('watch') ?? '') ? 'watch' : 'list';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return route.name !== undefined ? 'delete' : 'deletecollection';
    default:
      return method.toLowerCase();
  }
}

/** Authentication and authorization; discovery and /version are open to every authenticated user. */
function authorize(caller: Caller, route: Route, method: string, query: URLSearchParams): void {
  if (route.kind === 'version' || route.kind === 'health') {
    if (caller === 'invalid') throw unauthorized();
    return;
  }
  if (caller === 'anonymous' || caller === 'invalid') throw unauthorized();
  if (caller === 'forbidden' && route.kind === 'resource') {
    throw forbidden({
      user: FORBIDDEN_USER,
      verb: verbOf(method, route, query),
      gr: route.type,
      ...(route.subresource ? { subresource: route.subresource } : {}),
      ...(route.namespace ? { namespace: route.namespace } : {}),
      ...(route.name ? { name: route.name } : {}),
    });
  }
}

function headers(contentType: string): Record<string, string> {
  return { 'Content-Type': contentType, 'Cache-Control': 'no-cache, private', 'Audit-Id': randomUUID() };
}

function sendJson(res: ServerResponse, code: number, body: unknown, contentType = 'application/json'): void {
  res.writeHead(code, headers(contentType));
  // The API server's JSON encoder ends every document with a newline.
  res.end(`${JSON.stringify(body)}\n`);
}

function sendText(res: ServerResponse, code: number, text: string): void {
  res.writeHead(code, headers('text/plain; charset=utf-8'));
  res.end(text);
}

function sendReply(res: ServerResponse, reply: Reply): void {
  if ('text' in reply) sendText(res, reply.code, reply.text);
  else sendJson(res, reply.code, reply.json);
}

function sendError(res: ServerResponse, error: unknown): void {
  if (error instanceof ApiError) {
    sendJson(res, error.code, error.toStatus());
    return;
  }
  const message = error instanceof Error ? error.message : String(error);
  sendJson(res, 500, failureStatus(500, 'InternalError', `Internal error occurred: ${message}`, { causes: [{ message }] }));
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) reject(new ApiError(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728'));
      else chunks.push(chunk);
    });
    req.on('error', reject);
    req.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

/** JSON (every patch type is JSON too), or protobuf from typed clients such as `kubectl debug`. */
function parseBody(body: Buffer, contentType: string | undefined): unknown {
  if (body.length === 0) return undefined;
  if ((contentType ?? '').startsWith(PROTOBUF)) return decodeProtobufObject(body);
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw badRequest(`the server could not parse the request body: ${(error as Error).message}`);
  }
}

function serveDiscovery(route: Route, req: IncomingMessage, res: ServerResponse, serverAddress: string): boolean {
  const aggregated = wantsAggregated(req.headers.accept);
  switch (route.kind) {
    case 'version':
      sendJson(res, 200, SERVER_VERSION);
      return true;
    case 'health':
      sendText(res, 200, 'ok');
      return true;
    case 'api-versions':
      if (aggregated) sendJson(res, 200, aggregatedDiscovery(true), AGGREGATED_V2);
      else sendJson(res, 200, apiVersions(serverAddress));
      return true;
    case 'api-groups':
      if (aggregated) sendJson(res, 200, aggregatedDiscovery(false), AGGREGATED_V2);
      else sendJson(res, 200, apiGroupList());
      return true;
    case 'api-group':
    case 'api-resources': {
      const doc = route.kind === 'api-group' ? apiGroup(route.group) : apiResourceList(route);
      if (doc) sendJson(res, 200, doc);
      else sendText(res, 404, '404 page not found\n');
      return true;
    }
    default:
      return false;
  }
}

function isWatch(method: string, route: ResourceRoute, query: URLSearchParams): boolean {
  return method === 'GET' && route.name === undefined && route.subresource === undefined && ['true', '1'].includes(query.get('watch') ?? '');
}

/** Records the request and checks who may make it. */
function admit(req: IncomingMessage, deps: ServerDeps): { url: URL; method: string; route: ReturnType<typeof parseRoute> } {
  const url = new URL(req.url ?? '/', 'https://fake-apiserver');
  const method = req.method ?? 'GET';
  deps.requests.push({ method, path: url.pathname, query: url.search.replace(/^\?/, '') });
  const route = parseRoute(url.pathname);
  authorize(authenticate(req, deps), route, method, url.searchParams);
  return { url, method, route };
}

async function handleRequest(req: IncomingMessage, res: ServerResponse, deps: ServerDeps, serverAddress: string): Promise<void> {
  try {
    const { url, method, route } = admit(req, deps);
    if (serveDiscovery(route, req, res, serverAddress)) return;
    if (route.kind === 'not-found') return sendText(res, 404, '404 page not found\n');
    if (route.kind !== 'resource') throw resourceNotFound();
    if (isWatch(method, route, url.searchParams)) return serveWatch(route, url.searchParams, req.headers.accept ?? '', res, deps);
    const body = ['POST', 'PUT', 'PATCH', 'DELETE'].includes(method) ? parseBody(await readBody(req), req.headers['content-type']) : undefined;
    sendReply(res, deps.handlers.handle({ method, route, query: url.searchParams, body, contentType: req.headers['content-type'] ?? '', accept: req.headers.accept ?? '' }));
  } catch (error) {
    sendError(res, error);
  }
}

function serveWatch(route: ResourceRoute, query: URLSearchParams, accept: string, res: ServerResponse, deps: ServerDeps): void {
  const matches = deps.handlers.selectorFor(route.type, query);
  const table = wantsTable(accept);
  const include = includeObject(query);
  const timeout = query.get('timeoutSeconds');
  deps.watches.serve(
    {
      type: route.type,
      namespace: route.namespace,
      matches,
      resourceVersion: query.get('resourceVersion'),
      timeoutSeconds: timeout ? Number(timeout) : null,
      allowBookmarks: query.get('allowWatchBookmarks') === 'true',
      sendInitialEvents: query.get('sendInitialEvents') === 'true',
      render: (o) => (table ? toTable(route.type, [o], { resourceVersion: o.metadata.resourceVersion }, include) : o),
    },
    res,
  );
}

function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, deps: ServerDeps): void {
  try {
    const { url, route } = admit(req, deps);
    if (route.kind !== 'resource' || route.subresource !== 'exec' || !route.name) throw resourceNotFound();
    const pod = deps.handlers.getOrThrow<Pod>(route.type, route.namespace, route.name);
    const exec = execRequest(pod, deps.state.node(pod.spec.nodeName), url.searchParams);
    // kubectl retries a refused WebSocket upgrade over SPDY, so the SPDY attempt must carry the
    // real error; only a request that would have succeeded gets this one.
    if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
      throw badRequest('the fake API server streams exec over WebSocket (v5.channel.k8s.io) only, not SPDY');
    }
    deps.exec.upgrade(req, socket, head, exec);
  } catch (error) {
    rejectUpgrade(socket, error instanceof ApiError ? error : new ApiError(500, 'InternalError', String(error)));
  }
}

export function createApiServer(tls: Certificate, deps: ServerDeps): Server {
  const server = createServer({ key: tls.key, cert: tls.cert });
  const address = (): string => {
    const a = server.address();
    return a && typeof a === 'object' ? `${a.address}:${a.port}` : '127.0.0.1:443';
  };
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    void handleRequest(req, res, deps, address());
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => handleUpgrade(req, socket, head, deps));
  return server;
}
