/**
 * Decodes Kubernetes protobuf request bodies (application/vnd.kubernetes.protobuf), which typed
 * clients send: `kubectl debug` POSTs its pod this way and does not fall back to JSON on 415.
 * The envelope is "k8s\0" + runtime.Unknown{typeMeta, raw}; `raw` is the object in the field
 * numbering of k8s.io/api/core/v1/generated.proto. Only the Pod fields a debug or test pod uses
 * are mapped; unknown fields are skipped, as proto decoding does.
 */
import { ApiError } from './status';

type Scalar = 'string' | 'bool' | 'int' | 'quantity';

interface Field {
  name: string;
  type: Scalar | Schema | MapOf;
  repeated?: boolean;
  /** Go pointer fields: JSON keeps false / 0 / "" for them; plain fields drop them (omitempty). */
  pointer?: boolean;
  /** Embedded struct whose fields JSON flattens into the parent (Volume.VolumeSource). */
  inline?: boolean;
}

interface MapOf {
  map: Scalar;
}

type Schema = Record<number, Field>;

const MAP_ENTRY_KEY = 1;
const MAP_ENTRY_VALUE = 2;

const objectMeta: Schema = {
  1: { name: 'name', type: 'string' },
  2: { name: 'generateName', type: 'string' },
  3: { name: 'namespace', type: 'string' },
  11: { name: 'labels', type: { map: 'string' } },
  12: { name: 'annotations', type: { map: 'string' } },
};

const capabilities: Schema = {
  1: { name: 'add', type: 'string', repeated: true },
  2: { name: 'drop', type: 'string', repeated: true },
};

const securityContext: Schema = {
  1: { name: 'capabilities', type: capabilities },
  2: { name: 'privileged', type: 'bool', pointer: true },
  4: { name: 'runAsUser', type: 'int', pointer: true },
  5: { name: 'runAsNonRoot', type: 'bool', pointer: true },
  6: { name: 'readOnlyRootFilesystem', type: 'bool', pointer: true },
  7: { name: 'allowPrivilegeEscalation', type: 'bool', pointer: true },
  8: { name: 'runAsGroup', type: 'int', pointer: true },
};

const container: Schema = {
  1: { name: 'name', type: 'string' },
  2: { name: 'image', type: 'string' },
  3: { name: 'command', type: 'string', repeated: true },
  4: { name: 'args', type: 'string', repeated: true },
  5: { name: 'workingDir', type: 'string' },
  7: { name: 'env', type: { 1: { name: 'name', type: 'string' }, 2: { name: 'value', type: 'string' } }, repeated: true },
  8: { name: 'resources', type: { 1: { name: 'limits', type: { map: 'quantity' } }, 2: { name: 'requests', type: { map: 'quantity' } } } },
  9: {
    name: 'volumeMounts',
    repeated: true,
    type: {
      1: { name: 'name', type: 'string' },
      2: { name: 'readOnly', type: 'bool' },
      3: { name: 'mountPath', type: 'string' },
      4: { name: 'subPath', type: 'string' },
      5: { name: 'mountPropagation', type: 'string', pointer: true },
      6: { name: 'subPathExpr', type: 'string' },
    },
  },
  13: { name: 'terminationMessagePath', type: 'string' },
  14: { name: 'imagePullPolicy', type: 'string' },
  15: { name: 'securityContext', type: securityContext },
  16: { name: 'stdin', type: 'bool' },
  17: { name: 'stdinOnce', type: 'bool' },
  18: { name: 'tty', type: 'bool' },
  20: { name: 'terminationMessagePolicy', type: 'string' },
};

const volumeSource: Schema = {
  1: { name: 'hostPath', type: { 1: { name: 'path', type: 'string' }, 2: { name: 'type', type: 'string', pointer: true } } },
  2: { name: 'emptyDir', type: { 1: { name: 'medium', type: 'string' } } },
};

const volume: Schema = {
  1: { name: 'name', type: 'string' },
  2: { name: 'volumeSource', type: volumeSource, inline: true },
};

const toleration: Schema = {
  1: { name: 'key', type: 'string' },
  2: { name: 'operator', type: 'string' },
  3: { name: 'value', type: 'string' },
  4: { name: 'effect', type: 'string' },
  5: { name: 'tolerationSeconds', type: 'int', pointer: true },
};

const podSpec: Schema = {
  1: { name: 'volumes', type: volume, repeated: true },
  2: { name: 'containers', type: container, repeated: true },
  3: { name: 'restartPolicy', type: 'string' },
  4: { name: 'terminationGracePeriodSeconds', type: 'int', pointer: true },
  6: { name: 'dnsPolicy', type: 'string' },
  7: { name: 'nodeSelector', type: { map: 'string' } },
  8: { name: 'serviceAccountName', type: 'string' },
  9: { name: 'serviceAccount', type: 'string' },
  10: { name: 'nodeName', type: 'string' },
  11: { name: 'hostNetwork', type: 'bool' },
  12: { name: 'hostPID', type: 'bool' },
  13: { name: 'hostIPC', type: 'bool' },
  16: { name: 'hostname', type: 'string' },
  17: { name: 'subdomain', type: 'string' },
  19: { name: 'schedulerName', type: 'string' },
  20: { name: 'initContainers', type: container, repeated: true },
  22: { name: 'tolerations', type: toleration, repeated: true },
  24: { name: 'priorityClassName', type: 'string' },
  25: { name: 'priority', type: 'int', pointer: true },
  30: { name: 'enableServiceLinks', type: 'bool', pointer: true },
};

const pod: Schema = {
  1: { name: 'metadata', type: objectMeta },
  2: { name: 'spec', type: podSpec },
};

const typeMeta: Schema = {
  1: { name: 'apiVersion', type: 'string' },
  2: { name: 'kind', type: 'string' },
};

const SCHEMAS: Record<string, Schema> = { 'v1/Pod': pod };

interface WireField {
  number: number;
  varint?: bigint;
  bytes?: Buffer;
}

function malformed(): ApiError {
  return new ApiError(400, 'BadRequest', 'the server could not decode the protobuf request body');
}

function readVarint(buf: Buffer, pos: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  for (let i = pos; i < buf.length; i++) {
    const byte = buf[i] ?? 0;
    result |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return [result, i + 1];
    shift += 7n;
  }
  throw malformed();
}

/** The wire-level fields of one message, in order. */
function readFields(buf: Buffer): WireField[] {
  const fields: WireField[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const [tag, afterTag] = readVarint(buf, pos);
    const number = Number(tag >> 3n);
    const wireType = Number(tag & 7n);
    pos = afterTag;
    if (wireType === 0) {
      const [value, next] = readVarint(buf, pos);
      fields.push({ number, varint: value });
      pos = next;
    } else if (wireType === 2) {
      const [length, next] = readVarint(buf, pos);
      const end = next + Number(length);
      if (end > buf.length) throw malformed();
      fields.push({ number, bytes: buf.subarray(next, end) });
      pos = end;
    } else if (wireType === 1 || wireType === 5) {
      pos += wireType === 1 ? 8 : 4;
    } else {
      throw malformed();
    }
  }
  return fields;
}

function scalar(type: Scalar, field: WireField): unknown {
  switch (type) {
    case 'string':
      return field.bytes?.toString('utf8') ?? '';
    case 'bool':
      return field.varint === 1n;
    case 'int':
      return Number(BigInt.asIntN(64, field.varint ?? 0n));
    case 'quantity':
      // resource.Quantity is a message holding its string form in field 1.
      return readFields(field.bytes ?? Buffer.alloc(0)).find((f) => f.number === 1)?.bytes?.toString('utf8') ?? '';
  }
}

function isZero(value: unknown): boolean {
  return value === '' || value === false || value === 0;
}

function mapEntry(type: Scalar, bytes: Buffer): [string, unknown] {
  const parts = readFields(bytes);
  const key = parts.find((p) => p.number === MAP_ENTRY_KEY);
  const value = parts.find((p) => p.number === MAP_ENTRY_VALUE);
  return [key?.bytes?.toString('utf8') ?? '', value ? scalar(type, value) : ''];
}

function decodeValue(def: Field, wire: WireField): unknown {
  if (typeof def.type === 'string') return scalar(def.type, wire);
  if ('map' in def.type) return mapEntry(def.type.map as Scalar, wire.bytes ?? Buffer.alloc(0));
  return decodeMessage(def.type as Schema, wire.bytes ?? Buffer.alloc(0));
}

function decodeMessage(schema: Schema, buf: Buffer): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const wire of readFields(buf)) {
    const def = schema[wire.number];
    if (!def) continue;
    const value = decodeValue(def, wire);
    if (def.inline) Object.assign(out, value);
    else if (typeof def.type === 'object' && 'map' in def.type) {
      const [k, v] = value as [string, unknown];
      out[def.name] = { ...(out[def.name] as Record<string, unknown> | undefined), [k]: v };
    } else if (def.repeated) out[def.name] = [...((out[def.name] as unknown[] | undefined) ?? []), value];
    else if (def.pointer || !isZero(value)) out[def.name] = value;
  }
  return out;
}

export const PROTOBUF = 'application/vnd.kubernetes.protobuf';
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

/** The JSON form of a protobuf-encoded object; 415 for kinds the fake cannot decode. */
export function decodeProtobufObject(body: Buffer): Record<string, unknown> {
  if (!body.subarray(0, MAGIC.length).equals(MAGIC)) throw malformed();
  const unknown = readFields(body.subarray(MAGIC.length));
  const meta = decodeMessage(typeMeta, unknown.find((f) => f.number === 1)?.bytes ?? Buffer.alloc(0));
  const raw = unknown.find((f) => f.number === 2)?.bytes ?? Buffer.alloc(0);
  const schema = SCHEMAS[`${String(meta.apiVersion)}/${String(meta.kind)}`];
  if (!schema) {
    throw new ApiError(415, 'UnsupportedMediaType', `the fake API server cannot decode ${String(meta.kind)} from protobuf; send application/json`);
  }
  return { apiVersion: meta.apiVersion, kind: meta.kind, ...decodeMessage(schema, raw) };
}
