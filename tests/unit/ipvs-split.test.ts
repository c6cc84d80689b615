/**
 * Telling ipvsadm output from the rest of a file, as people paste what they ran on an IPVS node:
 * `iptables-save -t nat` and `ipvsadm -Ln` one after the other.
 *
 * This kernel has no IPVS (`ipvsadm -A` fails: "Protocol not available"): the ipvsadm texts are
 * written in ipvsadm's exact format (tests/fixtures/ipvs) or published listings (corpus 14, 15,
 * 19); the iptables sides are real (corpus 16, 18; the fixture saved by the real iptables-save).
 */
import { fc, test as property } from '@fast-check/jest';
import { parseIptablesDump } from '../../lib/parse/iptables/parse-dump';
import { holdsIpvsOutput, looksLikeIpvs, readIpvs, splitIpvsParts } from '../../lib/parse/ipvs';
import { startsIpvsOutput } from '../../lib/parse/ipvs/lines';
import { parseSnapshot } from '../../lib/snapshot/load-snapshot';
import { fixture } from '../support/snapshots';

const LN = fixture('ipvs', 'ipvsadm-Ln.txt');
const IPTABLES_IPVS_MODE = fixture('ipvs', 'ipvs-mode-iptables-save.txt');
const NAT_18 = fixture('corpus', '18-kubeadm-1.23-calico-ipvs-mode-nat-after-switch.txt');
const IPVSADM_19 = fixture('corpus', '19-kubeadm-1.23-calico-ipvsadm-L-n-after-switch.txt');

function lineCount(text: string): number {
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

describe('looksLikeIpvs: from the first line that holds anything', () => {
  test.each([
    ['ipvs', 'ipvsadm-Ln.txt'],
    ['ipvs', 'ipvsadm-Ln-stats.txt'],
    ['ipvs', 'ipvsadm-Ln-rate.txt'],
    ['ipvs', 'ipvsadm-save-n.txt'],
    ['corpus', '14-kubeadm-ipvsadm-Ln-4ep-rr.txt'],
    ['corpus', '15-ipvsadm-nodeport-10rs-weight0-terminating.txt'],
    ['corpus', '19-kubeadm-1.23-calico-ipvsadm-L-n-after-switch.txt'],
  ])('%s/%s is ipvsadm output', (...path) => {
    expect(looksLikeIpvs(fixture(...path))).toBe(true);
  });

  test.each([
    ['ipvs', 'ipvs-mode-iptables-save.txt'],
    ['ipvs', 'ipvs-mode-iptables-restore.txt'],
    ['ipvs', 'ipset-save.txt'],
    ['corpus', '16-cilium-ipvs-leftover-garbled-dnat.txt'],
    ['corpus', '18-kubeadm-1.23-calico-ipvs-mode-nat-after-switch.txt'],
    ['nftables', 'k8s-1.30-1.33.list.txt'],
  ])('%s/%s is not', (...path) => {
    expect(looksLikeIpvs(fixture(...path))).toBe(false);
  });

  test('blank lines first, a connection listing, a paste without title lines', () => {
    expect(looksLikeIpvs('\n\n  \nIP Virtual Server version 1.2.1 (size=4096)\n')).toBe(true);
    expect(looksLikeIpvs('IPVS connection entries\n')).toBe(true);
    expect(looksLikeIpvs('TCP  10.96.0.10:53 rr\n')).toBe(true);
    expect(looksLikeIpvs('')).toBe(false);
  });
});

describe('holdsIpvsOutput: whether ipvsadm output begins on any line', () => {
  /** The plain reading, line by line: the reference the scan for hints is checked against. */
  const everyLine = (text: string): boolean => text.split('\n').some((line) => startsIpvsOutput(line.trim()));
  // Pieces of both outputs and of what lies between their words, so that lines begin, end and join anywhere.
  const piece = fc.constantFrom(
    '\n', ' ', '\t', '\r', '\u00a0', '\u2028', '-A', '-a', '-t', '-u', '-f', '--sctp-service', ' 10.96.0.10:53 -s rr', 'KUBE-SERVICES',
    'IP Virtual Server version 1.2.1 (size=4096)', 'IP Virtual Server version ', 'Prot LocalAddress:Port Scheduler Flags',
    'Prot LocalAddress:Port', 'IPVS connection entries', '*nat', '-A KUBE-SEP-X -j DNAT', 'x',
  );

  property.prop([fc.array(piece, { maxLength: 30 })], { numRuns: 2000 })('answers as reading every line does', (pieces) => {
    const text = pieces.join('');
    expect(holdsIpvsOutput(text)).toBe(everyLine(text));
  });

  test.each([
    ['corpus', '18-kubeadm-1.23-calico-ipvs-mode-nat-after-switch.txt'],
    ['corpus', '19-kubeadm-1.23-calico-ipvsadm-L-n-after-switch.txt'],
    ['ipvs', 'ipvsadm-save-n.txt'],
    ['ipvs', 'ipvs-mode-iptables-save.txt'],
  ])('%s/%s: as reading every line', (...path) => {
    const text = fixture(...path);
    expect(holdsIpvsOutput(text)).toBe(everyLine(text));
    expect(holdsIpvsOutput(`${IPTABLES_IPVS_MODE}\n${text}`)).toBe(everyLine(`${IPTABLES_IPVS_MODE}\n${text}`));
  });
});

describe('splitIpvsParts', () => {
  test('corpus 18 then 19 (the nat table and ipvsadm -L -n of one node): each part keeps the whole file\'s line numbers', () => {
    const text = NAT_18 + IPVSADM_19;
    const { ipvs, rest } = splitIpvsParts(text);
    expect(rest).toEqual({ text: NAT_18, firstLine: 1 });
    expect(ipvs).toEqual({ text: IPVSADM_19, firstLine: lineCount(NAT_18) + 1 });
    const dump = readIpvs(ipvs?.text as string, { source: 'node.txt', firstLine: ipvs?.firstLine });
    const whole = text.split('\n');
    for (const s of dump.services) expect(whole[s.line - 1]?.trim()).toBe(s.raw);
    expect(parseSnapshot(rest?.text as string, 'node.txt').describe([]).model.mode).toBe('ipvs');
  });

  test('ipvsadm -Ln first, then the real iptables-save of IPVS mode: the rest starts where it starts', () => {
    const text = LN + IPTABLES_IPVS_MODE;
    const { ipvs, rest } = splitIpvsParts(text);
    expect(ipvs).toEqual({ text: LN, firstLine: 1 });
    expect(rest).toEqual({ text: IPTABLES_IPVS_MODE, firstLine: lineCount(LN) + 1 });
    const lines = (rest?.text as string).split('\n').map((_, i) => (rest?.firstLine as number) + i);
    const nat = parseIptablesDump(rest?.text as string, { source: 'node.txt', lineNumbers: lines });
    const whole = text.split('\n');
    for (const chain of nat.ruleset.tables.get('nat')?.chains.values() ?? []) for (const r of chain.rules) expect(whole[r.line - 1]).toContain(r.raw);
  });

  test('interleaved parts, with prompts and blank lines: the other part\'s lines are left blank, so numbers still match', () => {
    const text = ['root@node-a:~# iptables -t nat -S KUBE-SERVICES', '-N KUBE-SERVICES', '', 'root@node-a:~# ipvsadm -Ln -t 10.96.0.10:53', 'Prot LocalAddress:Port Scheduler Flags', '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn', 'TCP  10.96.0.10:53 rr', '  -> 10.244.1.2:53                Masq    1      0          0         ', '', '-A KUBE-SERVICES -s 127.0.0.0/8 -j RETURN', ''].join('\n');
    const { ipvs, rest } = splitIpvsParts(text);
    expect(ipvs).toEqual({ text: 'Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\nTCP  10.96.0.10:53 rr\n  -> 10.244.1.2:53                Masq    1      0          0         \n', firstLine: 5 });
    expect(rest?.firstLine).toBe(1);
    expect(rest?.text.split('\n')).toEqual(['root@node-a:~# iptables -t nat -S KUBE-SERVICES', '-N KUBE-SERVICES', '', 'root@node-a:~# ipvsadm -Ln -t 10.96.0.10:53', '', '', '', '', '', '-A KUBE-SERVICES -s 127.0.0.0/8 -j RETURN', '']);
  });

  test('one part only; a last line without newline stays so (a cut is still seen)', () => {
    expect(splitIpvsParts(LN)).toEqual({ ipvs: { text: LN, firstLine: 1 }, rest: null });
    expect(splitIpvsParts(NAT_18)).toEqual({ ipvs: null, rest: { text: NAT_18, firstLine: 1 } });
    expect(splitIpvsParts(`\n${LN.slice(0, -3)}`)).toEqual({ ipvs: { text: LN.slice(0, -3), firstLine: 2 }, rest: null });
    expect(splitIpvsParts('')).toEqual({ ipvs: null, rest: null });
  });
});
