/**
 * The API resources the fake serves: one table drives discovery, routing and error wording, so
 * what discovery advertises is what the server answers (hence no `status` subresources).
 */

export interface ResourceType {
  group: string;
  version: string;
  /** Plural lower-case name, as in URLs ("pods"). */
  resource: string;
  singular: string;
  kind: string;
  listKind: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  verbs: string[];
  subresources: Subresource[];
}

export interface Subresource {
  name: string;
  kind: string;
  group: string;
  version: string;
  verbs: string[];
}

const READ_WRITE = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function resource(
  group: string,
  version: string,
  kind: string,
  plural: string,
  namespaced: boolean,
  extra: Partial<Pick<ResourceType, 'shortNames' | 'categories' | 'subresources' | 'verbs'>> = {},
): ResourceType {
  return {
    group,
    version,
    resource: plural,
    singular: kind.toLowerCase(),
    kind,
    listKind: `${kind}List`,
    namespaced,
    shortNames: extra.shortNames ?? [],
    categories: extra.categories ?? [],
    verbs: extra.verbs ?? READ_WRITE,
    subresources: extra.subresources ?? [],
  };
}

function scaleSubresource(): Subresource {
  return { name: 'scale', kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: ['get', 'patch', 'update'] };
}

export const RESOURCES: readonly ResourceType[] = [
  resource('', 'v1', 'Namespace', 'namespaces', false, {
    shortNames: ['ns'],
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
  }),
  resource('', 'v1', 'Node', 'nodes', false, { shortNames: ['no'] }),
  resource('', 'v1', 'Pod', 'pods', true, {
    shortNames: ['po'],
    categories: ['all'],
    subresources: [
      { name: 'exec', kind: 'PodExecOptions', group: '', version: 'v1', verbs: ['create', 'get'] },
      { name: 'log', kind: 'Pod', group: '', version: 'v1', verbs: ['get'] },
    ],
  }),
  resource('', 'v1', 'ConfigMap', 'configmaps', true, { shortNames: ['cm'] }),
  resource('', 'v1', 'Service', 'services', true, {
    shortNames: ['svc'],
    categories: ['all'],
    verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  }),
  resource('apps', 'v1', 'Deployment', 'deployments', true, {
    shortNames: ['deploy'],
    categories: ['all'],
    subresources: [scaleSubresource()],
  }),
  resource('apps', 'v1', 'ReplicaSet', 'replicasets', true, {
    shortNames: ['rs'],
    categories: ['all'],
    subresources: [scaleSubresource()],
  }),
  resource('apps', 'v1', 'StatefulSet', 'statefulsets', true, {
    shortNames: ['sts'],
    categories: ['all'],
    subresources: [scaleSubresource()],
  }),
  resource('discovery.k8s.io', 'v1', 'EndpointSlice', 'endpointslices', true),
];

export interface GroupVersion {
  group: string;
  version: string;
}

/** "v1" for the core group, "apps/v1" otherwise. */
export function groupVersionString(gv: GroupVersion): string {
  return gv.group === '' ? gv.version : `${gv.group}/${gv.version}`;
}

export function groupVersions(): GroupVersion[] {
  const seen = new Map<string, GroupVersion>();
  for (const r of RESOURCES) seen.set(groupVersionString(r), { group: r.group, version: r.version });
  return [...seen.values()];
}

export function resourcesIn(gv: GroupVersion): ResourceType[] {
  return RESOURCES.filter((r) => r.group === gv.group && r.version === gv.version);
}

export function findResource(group: string, version: string, plural: string): ResourceType | undefined {
  return RESOURCES.find((r) => r.group === group && r.version === version && r.resource === plural);
}

export function resourceByKind(kind: string): ResourceType {
  const found = RESOURCES.find((r) => r.kind === kind);
  if (!found) throw new Error(`no resource for kind ${kind}`);
  return found;
}

/** "pods", "deployments.apps": how the API names a resource in error messages. */
export function qualifiedName(r: { resource: string; group: string }): string {
  return r.group === '' ? r.resource : `${r.resource}.${r.group}`;
}
