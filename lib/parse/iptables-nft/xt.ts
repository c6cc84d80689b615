/**
 * iptables extensions that nft shows by name only. iptables-nft keeps the matches and targets it
 * cannot express in nft's own terms as xt expressions; `nft list` prints them through their
 * translation when it has one (`-m statistic` as `meta random & 2147483647 < N`), and otherwise as
 * `xt match "recent"` (`xt match recent` before nft 1.0.7); `nft -j` prints every one as
 * `{"xt": {"type": "match", "name": "recent"}}`. The options are not in the listing, and comments
 * are never printed at all. What each one hides, and what the service model then lacks, is said
 * once per kind.
 */
import { sanitizeLine } from '../../sanitize';

export interface XtExtension {
  type: 'match' | 'target';
  name: string;
}

/** One run of opaque nft text: the xt extensions in it, and whatever else (kept as nft text). */
export interface OpaqueParts {
  extensions: XtExtension[];
  rest: string[];
}

const WORD = /"[^"]*"|\S+/g;

function unquote(word: string): string {
  return word.length >= 2 && word.startsWith('"') && word.endsWith('"') ? word.slice(1, -1) : word;
}

function xtType(word: string | undefined): 'match' | 'target' | null {
  return word === 'match' || word === 'target' ? word : word === 'watcher' ? 'target' : null;
}

/**
 * Splits opaque statement text into xt extensions — `xt match "set" xt match "set"` as the text
 * reader keeps it, `xt type match name set` as the JSON reader does — and the rest.
 */
export function opaqueParts(text: string): OpaqueParts {
  const words = text.match(WORD) ?? [];
  const parts: OpaqueParts = { extensions: [], rest: [] };
  let run: string[] = [];
  const flush = (): void => {
    if (run.length > 0) parts.rest.push(run.join(' '));
    run = [];
  };
  for (let i = 0; i < words.length; ) {
    if (words[i] === 'xt') {
      const text = xtType(words[i + 1]);
      const json = words[i + 1] === 'type' && words[i + 3] === 'name' ? xtType(words[i + 2]) : null;
      const name = text ? words[i + 2] : json ? words[i + 4] : undefined;
      if (name !== undefined) {
        flush();
        parts.extensions.push({ type: (text ?? json) as 'match' | 'target', name: unquote(name) });
        i += text ? 3 : 5;
        continue;
      }
    }
    run.push(words[i] as string);
    i++;
  }
  flush();
  return parts;
}

/** What the model loses when an extension's options are not shown, for the kinds it reads. */
const PORTS = 'the ports it matches, if any, are not shown';
const CONSEQUENCE: Readonly<Record<string, string>> = {
  recent: 'session affinity (its list and timeout) is not shown, so it is not compared',
  statistic: 'how traffic is shared between endpoints is not shown, so endpoints are not compared',
  DNAT: 'endpoint addresses are not shown, so endpoints are not compared',
  tcp: PORTS,
  udp: PORTS,
  sctp: PORTS,
  multiport: PORTS,
};

/** `-m NAME` or `-j NAME`: how the extension reads in a rule. */
export function extensionFlag(x: XtExtension): string {
  return `${x.type === 'match' ? '-m' : '-j'} ${x.name}`;
}

/** The warning for one kind of extension the listing shows by name only. */
export function hiddenOptionsWarning(x: XtExtension): string {
  const consequence = CONSEQUENCE[x.name] ?? 'rules holding it compare by its name only';
  return `the listing shows \`${sanitizeLine(extensionFlag(x))}\` without its options (nft prints it as \`xt ${x.type} "${sanitizeLine(x.name)}"\`): ${consequence}`;
}

export const NO_COMMENTS_WARNING =
  'the listing shows no iptables comments (nft does not print them): service ports are named from their chain names when the other input names them (otherwise clusterIP:port/protocol); external and load-balancer IPs, which only comments tell apart, are not compared; a port without endpoints is known by its cluster IP and port alone';
