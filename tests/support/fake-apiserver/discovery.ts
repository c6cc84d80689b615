/**
 * Discovery documents: /version, the legacy /api, /apis, /api/v1, /apis/G[/V] documents, and the
 * aggregated apidiscovery.k8s.io/v2 form that kubectl >= 1.30 asks for first (via Accept).
 */
import { groupVersionString, groupVersions, resourcesIn, type GroupVersion, type ResourceType } from './resources';

export const SERVER_VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.4',
  gitCommit: '59526cd4867447956156ae3a602fcbac10a2c335',
  gitTreeState: 'clean',
  buildDate: '2025-04-22T16:01:17Z',
  goVersion: 'go1.23.6',
  compiler: 'gc',
  platform: 'linux/amd64',
};

export const AGGREGATED_V2 = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

/** True when the Accept header lists the aggregated v2 form (kubectl lists it first). */
export function wantsAggregated(accept: string | undefined): boolean {
  return (accept ?? '')
    .split(',')
    .map((part) => part.replace(/\s+/g, ''))
    .some((part) => part.startsWith('application/json;') && part.includes('g=apidiscovery.k8s.io') && part.includes('v=v2;') && part.includes('as=APIGroupDiscoveryList'));
}

function namedGroups(): string[] {
  return [...new Set(groupVersions().map((gv) => gv.group))].filter((g) => g !== '');
}

function versionsOf(group: string): GroupVersion[] {
  return groupVersions().filter((gv) => gv.group === group);
}

function groupDocument(group: string): object {
  const versions = versionsOf(group).map((gv) => ({ groupVersion: groupVersionString(gv), version: gv.version }));
  return { name: group, versions, preferredVersion: versions[0] };
}

export function apiVersions(serverAddress: string): object {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

export function apiGroupList(): object {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: namedGroups().map(groupDocument) };
}

/** The APIGroup document for /apis/GROUP, or undefined for an unknown group. */
export function apiGroup(group: string): object | undefined {
  if (!namedGroups().includes(group)) return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...groupDocument(group) };
}

function legacyResourceEntries(r: ResourceType): object[] {
  const main: Record<string, unknown> = {
    name: r.resource,
    singularName: r.singular,
    namespaced: r.namespaced,
    kind: r.kind,
    verbs: r.verbs,
  };
  if (r.shortNames.length) main.shortNames = r.shortNames;
  if (r.categories.length) main.categories = r.categories;
  const subs = r.subresources.map((s) => {
    const entry: Record<string, unknown> = { name: `${r.resource}/${s.name}`, singularName: '', namespaced: r.namespaced };
    if (s.group !== r.group || s.version !== r.version) Object.assign(entry, { group: s.group, version: s.version });
    return { ...entry, kind: s.kind, verbs: s.verbs };
  });
  return [main, ...subs];
}

/** The APIResourceList for a group/version, or undefined when the server does not serve it. */
export function apiResourceList(gv: GroupVersion): object | undefined {
  const resources = resourcesIn(gv);
  if (resources.length === 0) return undefined;
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: groupVersionString(gv), resources: resources.flatMap(legacyResourceEntries) };
}

function aggregatedResource(r: ResourceType): object {
  const entry: Record<string, unknown> = {
    resource: r.resource,
    responseKind: { group: r.group, version: r.version, kind: r.kind },
    scope: r.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: r.singular,
    verbs: r.verbs,
  };
  if (r.shortNames.length) entry.shortNames = r.shortNames;
  if (r.categories.length) entry.categories = r.categories;
  if (r.subresources.length) {
    entry.subresources = r.subresources.map((s) => ({
      subresource: s.name,
      responseKind: { group: s.group, version: s.version, kind: s.kind },
      verbs: s.verbs,
    }));
  }
  return entry;
}

function aggregatedGroup(group: string): object {
  const versions = versionsOf(group).map((gv) => ({
    version: gv.version,
    resources: resourcesIn(gv).map(aggregatedResource),
    freshness: 'Current',
  }));
  return { metadata: group === '' ? { creationTimestamp: null } : { name: group, creationTimestamp: null }, versions };
}

/** The aggregated document: /api holds the core group only, /apis every named group. */
export function aggregatedDiscovery(legacyCore: boolean): object {
  const groups = legacyCore ? [''] : namedGroups();
  return { kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', metadata: {}, items: groups.map(aggregatedGroup) };
}
