/**
 * `pods/exec` over WebSocket, the way kubectl >= 1.30 streams it: subprotocol v5.channel.k8s.io
 * (or v4), each binary message prefixed by its channel (0 stdin, 1 stdout, 2 stderr, 3 error
 * Status, 255 close signal for a channel in v5). The command runs for real in the pod's node netns
 * and its exit code comes back as a NonZeroExitCode Status, which kubectl turns into its own exit
 * code.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { PassThrough } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { badRequest, type ApiError } from './status';
import type { NodeCommands } from './node-commands';
import type { NodeInfo } from './state';
import type { Pod, Status } from './types';

const PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];
const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const ERROR = 3;
const CLOSE = 255;

export interface ExecRequest {
  pod: Pod;
  node: NodeInfo;
  command: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** Validates an exec's query against the pod, as the API server does before upgrading. */
export function execRequest(pod: Pod, node: NodeInfo | undefined, query: URLSearchParams): ExecRequest {
  const command = query.getAll('command');
  if (command.length === 0) throw badRequest('you must specify at least 1 command');
  const names = pod.spec.containers.map((c) => c.name);
  const container = query.get('container') ?? (names.length === 1 ? names[0] : undefined);
  if (container === undefined) {
    throw badRequest(`a container name must be specified for pod ${pod.metadata.name}, choose one of: [${names.join(' ')}]`);
  }
  if (!names.includes(container)) throw badRequest(`container ${container} is not valid for pod ${pod.metadata.name}`);
  if (!node) throw badRequest(`pod ${pod.metadata.name} does not have a host assigned`);
  if (pod.status.phase !== 'Running') throw badRequest(`container not found ("${container}")`);
  const flag = (name: string): boolean => ['true', '1'].includes(query.get(name) ?? '');
  return { pod, node, command, stdin: flag('stdin'), stdout: flag('stdout'), stderr: flag('stderr'), tty: flag('tty') };
}

/** Answers an upgrade request with an HTTP error carrying a Status, instead of switching protocols. */
export function rejectUpgrade(socket: Duplex, error: ApiError): void {
  const body = JSON.stringify(error.toStatus());
  const reason = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found' }[error.code] ?? 'Error';
  socket.end(
    `HTTP/1.1 ${error.code} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** The kubelet writes the Status without its TypeMeta on the error channel. */
type ExecStatus = Omit<Status, 'kind' | 'apiVersion'>;

function exitStatus(command: string[], exitCode: number): ExecStatus {
  if (exitCode === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
  };
}

function signalExitCode(signal: NodeJS.Signals | null): number {
  return signal === 'SIGTERM' ? 143 : 137;
}

export class ExecServer {
  private readonly wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (offered) => PROTOCOLS.find((p) => offered.has(p)) ?? false,
  });

  constructor(private readonly commands: NodeCommands) {}

  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, exec: ExecRequest): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      void this.run(ws, exec);
    });
  }

  close(): void {
    for (const client of this.wss.clients) client.terminate();
    this.wss.close();
  }

  private async run(ws: WebSocket, exec: ExecRequest): Promise<void> {
    const send = (channel: number, data: Buffer): void => {
      if (ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.from([channel]), data]));
    };
    const stdin = exec.stdin ? this.stdinFrom(ws) : undefined;
    const [program = ''] = exec.command;
    if (!this.commands.onPath(program)) {
      // What containerd reports for a missing executable; the runtime's exit code is 126.
      send(STDOUT, Buffer.from(`OCI runtime exec failed: exec failed: unable to start container process: exec: "${program}": executable file not found in $PATH: unknown\r\n`));
      this.finish(ws, exitStatus(exec.command, 126));
      return;
    }
    const result = await this.commands.run(exec.node.netns, exec.command, {
      ...(stdin ? { stdin } : {}),
      onStdout: (c) => {
        if (exec.stdout) send(STDOUT, c);
      },
      onStderr: (c) => {
        // With a TTY the container has one output stream.
        if (exec.stderr) send(exec.tty ? STDOUT : STDERR, c);
      },
    });
    this.finish(ws, exitStatus(exec.command, result.exitCode ?? signalExitCode(result.signal)));
  }

  private stdinFrom(ws: WebSocket): PassThrough {
    const stdin = new PassThrough();
    ws.on('message', (data: RawData) => {
      const bytes = Buffer.isBuffer(data) ? data : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]);
      if (bytes[0] === STDIN) stdin.write(bytes.subarray(1));
      else if (bytes[0] === CLOSE && bytes[1] === STDIN) stdin.end();
    });
    ws.on('close', () => stdin.end());
    return stdin;
  }

  private finish(ws: WebSocket, status: ExecStatus): void {
    if (ws.readyState !== ws.OPEN) return;
    ws.send(Buffer.concat([Buffer.from([ERROR]), Buffer.from(JSON.stringify(status))]));
    ws.close(1000);
  }
}
