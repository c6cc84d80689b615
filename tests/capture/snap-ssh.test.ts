/** `natdiff snap --ssh`: a real sshd on 127.0.0.1 whose `sudo iptables-save` runs in a test network namespace. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSnapshot } from '../../lib/snapshot/load-snapshot';
import { natdiffAsync } from '../support/cli';
import { createNetns, deleteNetns, netnsUnavailableReason, restore } from '../support/netns';
import { fixture } from '../support/snapshots';
import { sshdUnavailableReason, startSshd, type TestSshd } from '../support/sshd';

const unavailable = netnsUnavailableReason() ?? sshdUnavailableReason();
if (unavailable) console.warn(`skipping ssh capture tests: ${unavailable}`);
const describeSsh = unavailable ? describe.skip : describe;

describeSsh('natdiff snap --ssh (real sshd and sudo)', () => {
  let ns: string;
  let sshd: TestSshd;
  let dir: string;

  beforeAll(async () => {
    ns = createNetns();
    restore(ns, fixture('captured', 'kube-proxy-payload.txt'));
    sshd = await startSshd(ns);
    dir = mkdtempSync(join(tmpdir(), 'natdiff-ssh-'));
  });
  afterAll(() => {
    sshd?.stop();
    if (ns) deleteNetns(ns);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('ssh HOST sudo iptables-save -t nat: the host\'s rules, in a snapshot', async () => {
    const r = await natdiffAsync(['snap', '--ssh', sshd.host, ...sshd.options.flatMap((o) => ['--ssh-option', o]), '--label', 'remote', '--dir', dir]);
    expect(r.stderr).toBe(`natdiff: kube-proxy mode iptables: the nat table of ${sshd.host} over ssh holds kube-proxy's KUBE-SERVICES rules; no kube-proxy nftables table\n`);
    expect(r.status).toBe(0);
    const path = r.stdout.trim();
    expect(path).toMatch(new RegExp(`/local/${sshd.host.replace(/[^A-Za-z0-9._-]/g, '_')}/\\d{8}T\\d{6}Z-remote\\.txt$`));
    const s = parseSnapshot(readFileSync(path, 'utf8'), path);
    expect(s.metadata?.source).toMatchObject({ kind: 'ssh', target: sshd.host });
    // The user's options first (ssh keeps the first value it reads), natdiff's defaults after.
    expect(s.metadata?.source.command).toEqual(['ssh', ...[...sshd.options, 'BatchMode=yes', 'ConnectTimeout=10'].flatMap((o) => ['-o', o]), '--', sshd.host, 'sudo', '-n', 'iptables-save', '-t', 'nat']);
    expect(s.describe(s.serviceNames()).model.ports.find((p) => p.key === 'kube-system/kube-dns:dns/udp')?.endpoints).toHaveLength(3);
  });

  test('a host that does not answer: one line naming the host, exit 2', async () => {
    const r = await natdiffAsync(['snap', '--ssh', sshd.host, '--ssh-option', 'Port=1', '--ssh-option', 'ConnectTimeout=3', '--dir', dir]);
    expect(r.status).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(new RegExp(`^natdiff: ssh ${sshd.host} sudo iptables-save failed: ssh: connect to host 127.0.0.1 port 1: Connection refused$`))]);
  });
});
