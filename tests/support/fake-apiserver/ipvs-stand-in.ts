/**
 * The IPVS tools of the fake nodes. This kernel has no IPVS (`ipvsadm -A` fails with "Protocol not
 * available"), so the fake kube-proxy in IPVS mode publishes each node's IPVS table as files, and
 * stand-in `ipvsadm-save` and `ipvsadm` scripts, first on the nodes' PATH, print the table of the
 * node whose network namespace they run in (`ip netns identify`), as ipvsadm-writer.ts writes it.
 */
import { chmodSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ipvsadmList, ipvsadmSave, type VirtualServiceSpec } from '../ipvsadm-writer';

export interface IpvsStandIn {
  /** Goes first on the nodes' PATH. */
  binDir: string;
  /** The node's IPVS table from now on. */
  publish(netns: string, services: VirtualServiceSpec[]): void;
}

const NO_IPVS = `echo "Can't initialize ipvs: Protocol not available" >&2; exit 2`;

function script(path: string, body: string): void {
  writeFileSync(path, `#!/bin/sh\n# natdiff test stand-in (the kernel has no IPVS): prints what the fake kube-proxy programmed for this node.\n${body}\n`);
  chmodSync(path, 0o755);
}

export function ipvsStandIn(dir: string): IpvsStandIn {
  const binDir = join(dir, 'bin');
  const tables = join(dir, 'ipvs');
  mkdirSync(binDir, { recursive: true });
  mkdirSync(tables, { recursive: true });
  const table = (ext: string) => `"${tables}/$(ip netns identify).${ext}"`;
  script(join(binDir, 'ipvsadm-save'), `cat ${table('save')} 2>/dev/null || { ${NO_IPVS}; }`);
  script(join(binDir, 'ipvsadm'), [
    'case " $* " in',
    `  *" -S "*|*" --save "*) cat ${table('save')} 2>/dev/null || { ${NO_IPVS}; } ;;`,
    `  *" -L"*|*" -l"*|*" --list "*) cat ${table('list')} 2>/dev/null || { ${NO_IPVS}; } ;;`,
    `  *) ${NO_IPVS} ;;`,
    'esac',
  ].join('\n'));
  const write = (path: string, text: string) => {
    writeFileSync(`${path}.tmp`, text);
    renameSync(`${path}.tmp`, path);
  };
  return {
    binDir,
    publish: (netns, services) => {
      write(join(tables, `${netns}.save`), ipvsadmSave(services));
      write(join(tables, `${netns}.list`), ipvsadmList(services));
    },
  };
}
