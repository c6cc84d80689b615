/** What the source options (source-options.ts) name: the source of the rules, and the cluster's kubectl. */
import { Kubectl } from '../../lib/capture/kubectl';
import { checkSource, type Source } from '../../lib/capture/sources';
import type { NodeCaptureArgs, SourceArgs } from './source-options';

/** The source the options name, its names checked before anything runs. */
export function sourceFrom(args: SourceArgs): Source {
  return checkSource(namedSource(args));
}

function namedSource(args: SourceArgs): Source {
  if (args.netns) return { kind: 'netns', netns: args.netns };
  if (args.node) return { kind: 'node', node: args.node, via: args.via };
  if (args.ssh) return { kind: 'ssh', host: args.ssh, options: args.sshOption ?? [] };
  if (args.exec) return { kind: 'exec', argv: (args['--'] ?? []).map(String) };
  return { kind: 'local' };
}

export function kubectlFrom(args: Pick<NodeCaptureArgs, 'context' | 'kubeconfig' | 'commandTimeout'>, signal?: AbortSignal): Kubectl {
  return new Kubectl({ context: args.context, kubeconfig: args.kubeconfig }, { timeoutMs: args.commandTimeout, signal });
}
