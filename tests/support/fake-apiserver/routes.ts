/** URL paths of the Kubernetes API, parsed into what a request addresses. */
import { findResource, resourcesIn, type ResourceType } from './resources';

export interface ResourceRoute {
  kind: 'resource';
  type: ResourceType;
  /** Undefined for cluster-scoped resources and for lists across all namespaces. */
  namespace?: string;
  name?: string;
  subresource?: string;
}

export type Route =
  | { kind: 'version' }
  | { kind: 'health' }
  | { kind: 'api-versions' }
  | { kind: 'api-groups' }
  | { kind: 'api-group'; group: string }
  | { kind: 'api-resources'; group: string; version: string }
  | ResourceRoute
  /** Inside a served group/version, but no such resource: a NotFound Status. */
  | { kind: 'unknown-resource' }
  /** Outside the API: a plain-text "404 page not found", as the real mux answers. */
  | { kind: 'not-found' };

const HEALTH = new Set(['/healthz', '/livez', '/readyz']);

function resourceRoute(group: string, version: string, segments: string[]): Route {
  if (resourcesIn({ group, version }).length === 0) return { kind: 'not-found' };
  const namespaced = segments[0] === 'namespaces' && segments.length >= 3;
  const [plural, name, subresource, ...extra] = namespaced ? segments.slice(2) : segments;
  const namespace = namespaced ? segments[1] : undefined;
  const type = plural ? findResource(group, version, plural) : undefined;
  if (!type || extra.length > 0) return { kind: 'unknown-resource' };
  if (namespace !== undefined && !type.namespaced) return { kind: 'unknown-resource' };
  if (namespace === undefined && type.namespaced && name !== undefined) return { kind: 'unknown-resource' };
  if (subresource !== undefined && !type.subresources.some((s) => s.name === subresource)) return { kind: 'unknown-resource' };
  const route: ResourceRoute = { kind: 'resource', type };
  if (namespace !== undefined) route.namespace = namespace;
  if (name !== undefined) route.name = name;
  if (subresource !== undefined) route.subresource = subresource;
  return route;
}

export function parseRoute(pathname: string): Route {
  const path = pathname.replace(/\/+$/, '') || '/';
  if (path === '/version') return { kind: 'version' };
  if (HEALTH.has(path)) return { kind: 'health' };
  if (path === '/api') return { kind: 'api-versions' };
  if (path === '/apis') return { kind: 'api-groups' };
  const segments = path.split('/').slice(1).map(decodeURIComponent);
  if (segments[0] === 'api' && segments[1] === 'v1') {
    return segments.length === 2 ? { kind: 'api-resources', group: '', version: 'v1' } : resourceRoute('', 'v1', segments.slice(2));
  }
  if (segments[0] === 'apis' && segments[1]) {
    const [, group, version] = segments;
    if (!version) return { kind: 'api-group', group };
    return segments.length === 3 ? { kind: 'api-resources', group, version } : resourceRoute(group, version, segments.slice(3));
  }
  return { kind: 'not-found' };
}
