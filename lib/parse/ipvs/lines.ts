/**
 * The lines ipvsadm prints, told apart by their first characters (ipvsadm.c `list_all`,
 * `print_title`, `print_service_entry`, `list_conn`; ipvsadm-save runs `ipvsadm -S`).
 */

/** `IP Virtual Server version 1.2.1 (size=4096)`: first line of `ipvsadm -L` (not of `-L -t SERVICE`). */
export const VERSION_LINE = /^IP Virtual Server version (\S+) \(size=\d+\)$/;
/** `Prot LocalAddress:Port Scheduler Flags`, or the `--stats`/`--rate`/… column titles. */
export const TITLE_LINE = /^Prot LocalAddress:Port(?:\s+(.*))?$/;
/** `  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn` (or without columns). */
export const DEST_TITLE_LINE = /^->\s+RemoteAddress:Port(?:\s+(.*))?$/;
/** `TCP  10.96.0.10:53 rr`, `FWM  1 rr`, `SCTP 10.0.0.1:80 sh (sh-port)`. */
export const SERVICE_LINE = /^(TCP|UDP|SCTP|FWM)\s+\S/;
/** `  -> 10.244.1.2:53                Masq    1      0          0`. */
export const DEST_LINE = /^->\s+\S/;
/** `-A -t 10.96.0.10:53 -s rr`, `-a -u 10.96.0.10:53 -r 10.244.1.2:53 -m -w 1`. */
export const SAVE_LINE = /^-[Aa]\s+(?:-[tuf]|--sctp-service)\s+\S/;
/** `ipvsadm -Lnc`: connection entries, runtime state. */
export const CONNECTIONS_LINE = /^IPVS connection entries$/;
/** Its column titles (`pro expire state source virtual destination`) and entries (`TCP 14:59  ESTABLISHED …`). */
export const CONNECTION_ENTRY = /^(?:pro expire\s|[A-Z]{2,4}\s+\d+:\d\d\s)/;

/** A line that begins an ipvsadm output (what a file's first lines show). */
export function startsIpvsOutput(line: string): boolean {
  return VERSION_LINE.test(line) || TITLE_LINE.test(line) || CONNECTIONS_LINE.test(line) || SAVE_LINE.test(line);
}

/** A line ipvsadm prints, in any of its outputs. */
export function isIpvsLine(line: string): boolean {
  return startsIpvsOutput(line) || SERVICE_LINE.test(line) || DEST_LINE.test(line) || DEST_TITLE_LINE.test(line) || CONNECTION_ENTRY.test(line);
}
