/**
 * Reading ipvsadm output: `ipvsadm -Ln` and its views, `ipvsadm-save -n`, and what is not.
 *
 * This kernel has no IPVS (`ipvsadm -A` fails: "Protocol not available"), so no test can make the
 * real ipvsadm print a table. The fixtures in tests/fixtures/ipvs are text written in ipvsadm's
 * exact format (its format strings, checked against the installed ipvsadm v1.31; see that
 * folder's README), and corpus 14, 15 and 19 are real listings people published. Inline texts
 * below follow the same format strings (`"%-4s %s"` service lines, `"  -> %-28s %-7s %-6d %-10u
 * %-10u"` real server lines, ipvsadm-save's `-A`/`-a` lines).
 */
import { InputError } from '../../lib/errors';
import { readIpvs, type IpvsDump } from '../../lib/parse/ipvs';
import { fixture } from '../support/snapshots';

const LN = fixture('ipvs', 'ipvsadm-Ln.txt');
const STATS = fixture('ipvs', 'ipvsadm-Ln-stats.txt');
const RATE = fixture('ipvs', 'ipvsadm-Ln-rate.txt');
const SAVE = fixture('ipvs', 'ipvsadm-save-n.txt');

function read(text: string, source = 'x'): IpvsDump {
  return readIpvs(text, { source });
}

/** Each virtual service as `NAME [scheduling] → address forward weight …`, for whole-table assertions. */
function table(dump: IpvsDump): string[] {
  const policy = new Map([...(dump.ruleset.tables.get('ipvs')?.chains.values() ?? [])].map((c) => [c.name, c.policy]));
  return dump.services.map((s) => `${s.name} [${policy.get(s.name) ?? '?'}] ${s.realServers.map((r) => `${r.address}/${r.forward ?? '?'}/${r.weight ?? '?'}`).join(' ')}`.trim());
}

const FIXTURE_TABLE = [
  'TCP 10.96.0.10:53 [-s rr] 10.244.1.2:53/Masq/1 10.244.2.3:53/Masq/1',
  'TCP 10.96.100.20:80 [-s rr -p 10800] 10.244.1.10:8080/Masq/1 10.244.2.11:8080/Masq/1',
  'TCP 10.96.100.30:80 [-s rr]',
  'TCP 10.96.100.40:443 [-s rr] 10.244.1.20:8443/Masq/1 10.244.2.21:8443/Masq/1',
  'TCP 192.168.0.10:30080 [-s rr -p 10800] 10.244.1.10:8080/Masq/1 10.244.2.11:8080/Masq/1',
  'TCP 192.168.0.10:31443 [-s rr] 10.244.1.20:8443/Masq/1',
  'TCP 203.0.113.50:443 [-s rr] 10.244.1.20:8443/Masq/1',
  'UDP 10.96.0.10:53 [-s rr] 10.244.1.2:53/Masq/1 10.244.2.3:53/Masq/1',
];

describe('the fixture cluster in every ipvsadm format', () => {
  test('ipvsadm -Ln: every virtual service with its scheduling, persistence and real servers', () => {
    const dump = read(LN, 'ipvsadm-Ln.txt');
    expect(dump).toMatchObject({ format: 'ipvsadm -Ln', ipvsVersion: '1.2.1', partial: null, shows: { scheduling: true, weights: true }, warnings: [] });
    expect(table(dump)).toEqual(FIXTURE_TABLE);
  });

  test('ipvsadm-save -n holds the same table', () => {
    const dump = read(SAVE);
    expect(dump).toMatchObject({ format: 'ipvsadm-save -n', ipvsVersion: null, partial: null, warnings: [] });
    expect(table(dump)).toEqual(FIXTURE_TABLE);
  });

  test('--stats and --rate show no scheduling, forwarding or weights: the same services and real servers, those left unknown', () => {
    for (const text of [STATS, RATE]) {
      const dump = read(text);
      expect(dump.shows).toEqual({ scheduling: false, weights: false });
      expect(dump.warnings).toEqual([]);
      expect(table(dump)).toEqual(FIXTURE_TABLE.map((line) => line.replace(/\[[^\]]*\]/, '[?]').replace(/\/Masq\/1/g, '/?/?')));
    }
  });

  test('runtime columns are kept as printed, K suffix included', () => {
    const web = read(STATS).services.find((s) => s.name === 'TCP 192.168.0.10:30080');
    expect(web?.counters).toEqual({ Conns: '758', InPkts: '7554', OutPkts: '7160', InBytes: '300830', OutBytes: '123758K' });
    expect(web?.realServers[0]?.counters).toMatchObject({ OutBytes: '123456K' });
    expect(read(LN).services.find((s) => s.name === 'TCP 192.168.0.10:30080')?.realServers[0]?.counters).toEqual({ ActiveConn: '1', InActConn: '2' });
    expect(read(RATE).services.find((s) => s.name === 'TCP 192.168.0.10:30080')?.realServers[0]?.counters).toMatchObject({ CPS: '2', InBPS: '485' });
  });

  test('a listing and its --stats pasted together are one table: what each view shows, merged', () => {
    const dump = read(LN + STATS);
    expect(dump.formats).toEqual(['ipvsadm -Ln', 'ipvsadm -Ln --stats']);
    expect(table(dump)).toEqual(FIXTURE_TABLE);
    expect(dump.services.find((s) => s.name === 'TCP 192.168.0.10:30080')?.realServers[0]?.counters).toMatchObject({ ActiveConn: '1', Conns: '305' });
  });

  test('the rules of a listing and of its save are the same rules; only the raw lines differ', () => {
    const rules = (d: IpvsDump): string[] => [...(d.ruleset.tables.get('ipvs')?.chains.values() ?? [])].flatMap((c) => c.rules.map((r) => `${c.name} | ${r.key} | ${r.text}`));
    expect(rules(read(LN))).toEqual(rules(read(SAVE)));
    const web = read(LN).ruleset.tables.get('ipvs')?.chains.get('TCP 192.168.0.10:30080');
    expect(web).toMatchObject({ ordered: false, policy: '-s rr -p 10800', line: 4 });
    expect(web?.rules[0]).toMatchObject({ key: '-r 10.244.1.10:8080 -m -w 1', pairKey: '-r 10.244.1.10:8080 -m', text: '-a -t 192.168.0.10:30080 -r 10.244.1.10:8080 -m -w 1', raw: '-> 10.244.1.10:8080 Masq 1', line: 5 });
  });
});

describe('real listings', () => {
  test('corpus 14 (ipvsadm -Ln, 4 endpoints, trailing spaces as published)', () => {
    const dump = read(fixture('corpus', '14-kubeadm-ipvsadm-Ln-4ep-rr.txt'));
    expect(dump.warnings).toEqual([]);
    expect(dump.services.map((s) => [s.name, s.realServers.length])).toEqual([
      ['TCP 10.109.155.157:30000', 4],
      ['TCP 10.96.0.10:53', 2],
      ['TCP 10.96.0.10:9153', 2],
      ['TCP 10.96.0.1:443', 1],
      ['UDP 10.96.0.10:53', 2],
    ]);
  });

  test('corpus 15 (ipvsadm -Ln -t SERVICE): one virtual service, a partial view; weight 0 read as 0', () => {
    const dump = read(fixture('corpus', '15-ipvsadm-nodeport-10rs-weight0-terminating.txt'));
    expect(dump.partial?.kind).toBe('one-service');
    expect(dump.services).toHaveLength(1);
    expect(dump.services[0]?.realServers.map((r) => r.weight)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 0]);
    expect(dump.services[0]?.realServers.find((r) => r.weight === 0)).toMatchObject({ address: '11.0.4.9:80', counters: { ActiveConn: '0', InActConn: '329' } });
  });

  test('corpus 19 (ipvsadm -L -n after a mode switch): node addresses above 128.0.0.0 first, as ipvsadm sorts', () => {
    const dump = read(fixture('corpus', '19-kubeadm-1.23-calico-ipvsadm-L-n-after-switch.txt'));
    expect(dump.partial).toBeNull();
    expect(dump.services).toHaveLength(10);
    expect(dump.services.filter((s) => s.address.kind === 'address' && s.address.port === 31195).map((s) => s.line)).toEqual([4, 8, 12]);
  });
});

describe('the other things ipvsadm prints', () => {
  const head = 'IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n';

  test('IPv6, SCTP, firewall marks, scheduler flags, persistence mask and engine, one-packet scheduling', () => {
    const dump = read(
      head +
        'TCP  [fd00:10:96::a]:53 rr\n  -> [fd00:10:244:1::2]:53        Masq    1      0          0         \n' +
        'SCTP 10.96.0.50:3868 sh (sh-fallback,sh-port) persistent 60 mask 255.255.255.0 pe sip ops\n  -> 10.244.1.7:3868              Route   2      0          0         \n' +
        'FWM  7 wrr\n  -> 10.244.1.8:0                Tunnel  3      0          0         \n' +
        'FWM  8 IPv6 rr\n',
    );
    expect(dump.warnings).toEqual([]);
    expect(dump.services.map((s) => s.name)).toEqual(['FWM 7', 'FWM 8 IPv6', 'SCTP 10.96.0.50:3868', 'TCP [fd00:10:96::a]:53']);
    const sctp = dump.services[2];
    expect(sctp?.scheduling).toEqual({ scheduler: 'sh', schedulerFlags: ['sh-fallback', 'sh-port'], persistence: { timeout: 60, mask: '255.255.255.0', engine: 'sip' }, onePacket: true });
    const chains = dump.ruleset.tables.get('ipvs')?.chains;
    expect(chains?.get('SCTP 10.96.0.50:3868')?.policy).toBe('-s sh -p 60 -M 255.255.255.0 --pe sip -o -b sh-fallback,sh-port');
    expect(chains?.get('SCTP 10.96.0.50:3868')?.rules[0]?.text).toBe('-a --sctp-service 10.96.0.50:3868 -r 10.244.1.7:3868 -g -w 2');
    expect(chains?.get('FWM 7')?.rules[0]?.text).toBe('-a -f 7 -r 10.244.1.8:0 -i -w 3');
    expect(chains?.get('TCP [fd00:10:96::a]:53')?.rules[0]?.text).toBe('-a -t [fd00:10:96::a]:53 -r [fd00:10:244:1::2]:53 -m -w 1');
  });

  test('the same in ipvsadm-save syntax (-6 marks, --pe, -o, -b, tunnel options) reads alike', () => {
    const listing = read(head + 'FWM  8 IPv6 wrr persistent 300 mask 64\n  -> [fd00::8]:0                 Tunnel  1      0          0         \n');
    const saved = read('-A -f 8 -6 -s wrr -p 300 -M 64\n-a -f 8 -6 -r [fd00::8]:0 -i -w 1 --tun-type gue --tun-port 6080 --tun-csum\n');
    expect(saved.warnings).toEqual([]);
    expect(saved.services[0]?.scheduling).toEqual(listing.services[0]?.scheduling);
    expect(saved.services[0]?.realServers[0]).toMatchObject({ forward: 'Tunnel', weight: 1, tunnel: 'gue:6080:+c' });
    expect(saved.ruleset.tables.get('ipvs')?.chains.get('FWM 8 IPv6')?.rules[0]?.key).toBe(listing.ruleset.tables.get('ipvs')?.chains.get('FWM 8 IPv6')?.rules[0]?.key);
  });

  test('--tun-info, --thresholds, --persistent-conn and --exact: each read by its column titles', () => {
    const tun = read(`${head.split('\n').slice(0, 2).join('\n')}\n  -> RemoteAddress:Port           Forward TunnelInfo    Weight ActiveConn InActConn\nTCP  10.0.0.1:80 rr\n  -> 10.0.1.1:80                  Tunnel  gue:6080:-c   2      0          0         \n  -> 10.0.1.2:80                  Masq    n/a           1      0          0         \n`);
    expect(tun.services[0]?.realServers.map((r) => [r.forward, r.tunnel, r.weight])).toEqual([['Tunnel', 'gue:6080:-c', 2], ['Masq', null, 1]]);
    const thresholds = read('Prot LocalAddress:Port            Uthreshold Lthreshold ActiveConn InActConn\n  -> RemoteAddress:Port\nTCP  10.0.0.1:80 rr\n  -> 10.0.1.1:80                  0          0          0          0         \n');
    expect(thresholds).toMatchObject({ format: 'ipvsadm -Ln --thresholds', shows: { scheduling: true, weights: false } });
    const persistent = read('Prot LocalAddress:Port            Weight    PersistConn ActiveConn InActConn\n  -> RemoteAddress:Port\nTCP  10.0.0.1:80 rr persistent 60\n  -> 10.0.1.1:80                  1         0           0          0         \n');
    expect(persistent).toMatchObject({ format: 'ipvsadm -Ln --persistent-conn', shows: { scheduling: true, weights: true } });
    const exact = read('Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes\n  -> RemoteAddress:Port\nTCP  10.0.0.1:80                       1        1        1        1 1234567890123\n  -> 10.0.1.1:80                       1        1        1        1 1234567890123\n');
    expect(exact.services[0]?.counters.OutBytes).toBe('1234567890123');
  });

  test('a connection listing (-c) is recognised and skipped with a warning; alone, it is refused', () => {
    const connections = 'IPVS connection entries\npro expire state       source             virtual            destination\nTCP 14:59  ESTABLISHED 10.0.0.1:53212     10.96.0.10:53      10.244.1.2:53\nUDP 04:58  UDP         10.0.0.1:40000     10.96.0.10:53      10.244.2.3:53\n';
    const dump = read(LN + connections, 'node.txt');
    expect(table(dump)).toEqual(FIXTURE_TABLE);
    expect(dump.warnings).toEqual([{ source: 'node.txt', line: 24, message: "lines 24–27: ipvsadm's connection listing (-c) is runtime state, not configuration; skipped" }]);
    expect(() => read(connections, 'c.txt')).toThrow(new InputError("holds only ipvsadm's connection listing (-c), which shows connections, not virtual services: capture `ipvsadm -Ln`", 'c.txt'));
  });

  test('a listing of a node without virtual services is an empty table', () => {
    expect(read(head).services).toEqual([]);
  });

  test('a paste without the title lines is read as the plain -Ln layout', () => {
    expect(table(read(LN.split('\n').slice(3).join('\n')))).toEqual(FIXTURE_TABLE);
  });
});

describe('bad input', () => {
  test('`ipvsadm -L` without -n printed names: refused, naming the line', () => {
    const text = 'IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\nTCP  kubernetes.default.svc.cluster.local:https rr\n';
    expect(() => read(text, 'names.txt')).toThrow(new InputError('`ipvsadm -L` without `-n` printed names (kubernetes.default.svc.cluster.local:https); natdiff compares addresses: capture `ipvsadm -Ln`', 'names.txt', 4));
  });

  test('a line that is not ipvsadm output is a warning naming it; the rest is read', () => {
    const lines = LN.split('\n');
    lines.splice(5, 0, 'root@node-a:~# \u001b[31mwhoops');
    const dump = read(lines.join('\n'), 'ln.txt');
    expect(table(dump)).toEqual(FIXTURE_TABLE);
    expect(dump.warnings).toEqual([{ source: 'ln.txt', line: 6, message: 'not a line ipvsadm prints: root@node-a:~# \\x1b[31mwhoops' }]);
  });

  test('names the reports echo (scheduler, flags, engine, mask, tunnel type) are plain words, else the line is bad', () => {
    const dump = read(`-A -t 10.0.0.1:80 -s r\u001b[2Jr\n-A -t 10.0.0.2:80 -s rr -p 60 -M 255.0.0.0;id\n-A -t 10.0.0.3:80 -s sh -b sh-port,\u202e\n${SAVE}`, 's.txt');
    expect(table(dump)).toEqual(FIXTURE_TABLE);
    expect(dump.warnings.map((w) => w.message)).toEqual([
      'the scheduler is not a name (r\\x1b[2Jr): -A -t 10.0.0.1:80 -s r\\x1b[2Jr',
      'the persistence mask is not a mask (255.0.0.0;id): -A -t 10.0.0.2:80 -s rr -p 60 -M 255.0.0.0;id',
      'a scheduler flag is not a name (\\u202e): -A -t 10.0.0.3:80 -s sh -b sh-port,\\u202e',
    ]);
  });

  test.each([
    ['', 'e.txt: no ipvsadm virtual services found'],
    ['hello\nworld\n', 'e.txt:1: not a line ipvsadm prints; no ipvsadm virtual services found'],
    ['-a -t 10.0.0.1:80 -r 10.0.1.1:80 -m -w 1\n', 'e.txt:1: a real server of TCP 10.0.0.1:80, which no -A line before it adds; no ipvsadm virtual services found'],
    ['TCP  10.0.0.1:80 rr\n  -> 10.0.1.1:80 Masq 1 0 0\nx\ny\nz\n', 'e.txt:3: not a line ipvsadm prints (and 2 more lines like it): this does not look like ipvsadm output'],
    [`${LN}${LN}`, 'e.txt:27: TCP 192.168.0.10:30080 is listed a second time in `ipvsadm -Ln` form (first on line 4): several listings in one file? Compare them one by one'],
    [`${SAVE}${SAVE}`, 'e.txt:21: TCP 192.168.0.10:30080 is added a second time (first on line 1): several saves in one file? Compare them one by one'],
    [LN + STATS.replace('  -> 10.244.1.2:53 ', '  -> 10.244.1.9:53 '), 'e.txt:34: TCP 10.96.0.10:53 is listed again here (first on line 11) with other real servers: listings taken at different times? Compare them one by one'],
    [`TCP  10.0.0.1:80 rr\n${'x'.repeat(70000)}\n`, 'e.txt:2: line is 70000 characters long (the limit is 65536); this is not ipvsadm output'],
  ])('%#: refused with one line naming the file and line', (text, message) => {
    expect(() => read(text, 'e.txt')).toThrow(message);
    try {
      read(text, 'e.txt');
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
    }
  });

  test('a listing cut in the middle of a line is refused; with allowTruncated the cut service is left out as unknown', () => {
    const cut = LN.slice(0, LN.indexOf('10.244.2.11:8080') + 5);
    expect(() => read(cut, 'cut.txt')).toThrow(new InputError('the input ends in the middle of this line (no newline after it): the listing looks cut; pass --allow-truncated to diff what is there', 'cut.txt', 6));
    const dump = readIpvs(cut, { source: 'cut.txt', allowTruncated: true });
    expect(dump.services.map((s) => s.name)).toEqual([]);
    expect(dump.partial?.kind).toBe('cut-short');
    const later = readIpvs(LN.slice(0, LN.indexOf('TCP  10.96.100.30:80') + 8), { source: 'cut.txt', allowTruncated: true });
    expect(later.services.map((s) => s.name)).toEqual(['TCP 10.96.0.10:53', 'TCP 10.96.100.20:80', 'TCP 192.168.0.10:30080', 'TCP 192.168.0.10:31443', 'TCP 203.0.113.50:443']);
    expect(later.warnings[0]?.message).toBe('the input ends in the middle of this line (no newline after it): the listing looks cut; the line is left out');
    // Cut right at the start of a real server line: what is left (`-`) may be a line of the service above.
    const dash = readIpvs(LN.slice(0, LN.indexOf('TCP  203.0.113.50:443 rr\n') + 28), { source: 'cut.txt', allowTruncated: true });
    expect(dash.services.map((s) => s.name)).not.toContain('TCP 203.0.113.50:443');
    expect(dash.warnings[0]?.message).toBe('the input ends in the middle of this line (no newline after it): the listing looks cut; the line and TCP 203.0.113.50:443, which it is part of, are left out');
  });

  test('line numbers count from firstLine when the text is a part of a larger file', () => {
    expect(() => readIpvs('TCP  10.0.0.1:80 rr\nnot ipvsadm\nat all\n', { source: 'mixed.txt', firstLine: 40 })).toThrow('mixed.txt:41: not a line ipvsadm prints (and 1 more lines like it)');
  });
});
