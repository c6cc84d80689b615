/**
 * metav1.Status error bodies, worded as k8s.io/apimachinery/pkg/api/errors words them, so
 * kubectl prints its usual "Error from server (Reason): message".
 */
import type { Status, StatusCause } from './types';
import { qualifiedName } from './resources';

export interface GroupResource {
  group: string;
  resource: string;
}

type Details = NonNullable<Status['details']>;

export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: Details,
  ) {
    super(message);
  }

  toStatus(): Status {
    return failureStatus(this.code, this.reason, this.message, this.details);
  }
}

export function failureStatus(code: number, reason: string, message: string, details?: Details): Status {
  const status: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason };
  if (details) status.details = details;
  status.code = code;
  return status;
}

export function successStatus(): Status {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success' };
}

function detailsFor(gr: GroupResource, name?: string): Details {
  const details: Details = {};
  if (name !== undefined && name !== '') details.name = name;
  if (gr.group !== '') details.group = gr.group;
  details.kind = gr.resource;
  return details;
}

export function notFound(gr: GroupResource, name: string): ApiError {
  return new ApiError(404, 'NotFound', `${qualifiedName(gr)} "${name}" not found`, detailsFor(gr, name));
}

/** The answer for a path the server has no handler for inside a known API prefix. */
export function resourceNotFound(): ApiError {
  return new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});
}

export function alreadyExists(gr: GroupResource, name: string): ApiError {
  return new ApiError(409, 'AlreadyExists', `${qualifiedName(gr)} "${name}" already exists`, detailsFor(gr, name));
}

export function conflict(gr: GroupResource, name: string): ApiError {
  const message =
    `Operation cannot be fulfilled on ${qualifiedName(gr)} "${name}": ` +
    'the object has been modified; please apply your changes to the latest version and try again';
  return new ApiError(409, 'Conflict', message, detailsFor(gr, name));
}

export interface ForbiddenRequest {
  user: string;
  verb: string;
  gr: GroupResource;
  subresource?: string;
  namespace?: string;
  name?: string;
}

export function forbidden(req: ForbiddenRequest): ApiError {
  const what = req.name ? `${qualifiedName(req.gr)} "${req.name}"` : qualifiedName(req.gr);
  const resource = req.subresource ? `${req.gr.resource}/${req.subresource}` : req.gr.resource;
  const scope = req.namespace ? `in the namespace "${req.namespace}"` : 'at the cluster scope';
  const message =
    `${what} is forbidden: User "${req.user}" cannot ${req.verb} resource "${resource}" ` +
    `in API group "${req.gr.group}" ${scope}`;
  return new ApiError(403, 'Forbidden', message, detailsFor(req.gr, req.name));
}

export function badRequest(message: string): ApiError {
  return new ApiError(400, 'BadRequest', message);
}

export function methodNotAllowed(): ApiError {
  return new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource', {});
}

export function gone(requested: string, current: string): ApiError {
  return new ApiError(410, 'Expired', `too old resource version: ${requested} (${current})`);
}

export function unsupportedPatch(): ApiError {
  return new ApiError(
    415,
    'UnsupportedMediaType',
    'the body of the request was in an unknown format - accepted media types include: ' +
      'application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json',
  );
}

export function invalid(kind: string, name: string, group: string, causes: StatusCause[]): ApiError {
  const summary = causes.map((c) => `${c.field}: ${c.message}`).join(', ');
  const details: Details = { name, ...(group ? { group } : {}), kind, causes };
  return new ApiError(422, 'Invalid', `${kind} "${name}" is invalid: ${summary}`, details);
}
