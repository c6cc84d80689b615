/**
 * How an IPVS scheduler shares new connections among real servers, as far as the table shows it.
 * Every scheduler skips a real server of weight 0 (the kernel's ip_vs_*_schedule functions):
 * kube-proxy sets weight 0 on an endpoint that is going away and deletes it once its connections
 * end (graceful termination). `rr` and `lc` otherwise ignore weights (`ip_vs_rr.c`, `ip_vs_lc.c`);
 * `wrr` follows them exactly over a cycle; the others depend on live connection counts or on
 * hashes of client addresses, which a listing cannot show, so their shares are an assumption.
 */

/** Equal among servers of weight > 0; in proportion to weight; or all to the highest weight. */
type Basis = 'equal' | 'weight' | 'highest';

interface SchedulerShares {
  basis: Basis;
  /** Null when the shares are exact; otherwise what the scheduler really does (for the warning). */
  assumption: string | null;
}

const SCHEDULERS: Record<string, SchedulerShares> = {
  rr: { basis: 'equal', assumption: null },
  wrr: { basis: 'weight', assumption: null },
  lc: { basis: 'equal', assumption: 'sends each new connection to the real server with the fewest connections' },
  wlc: { basis: 'weight', assumption: 'sends each new connection to the real server with the fewest connections per weight' },
  sed: { basis: 'weight', assumption: 'sends each new connection to the real server with the shortest expected delay (connections per weight)' },
  nq: { basis: 'weight', assumption: 'sends each new connection to an idle real server, else to the shortest expected delay' },
  lblc: { basis: 'weight', assumption: 'keeps each destination address on one real server while it is not overloaded' },
  lblcr: { basis: 'weight', assumption: 'keeps each destination address on a set of real servers while they are not overloaded' },
  sh: { basis: 'weight', assumption: 'hashes the client address, so each client sticks to one real server' },
  mh: { basis: 'weight', assumption: 'hashes the client address (Maglev), so each client sticks to one real server' },
  dh: { basis: 'equal', assumption: 'hashes the destination address, so one virtual service address goes to one real server' },
  fo: { basis: 'highest', assumption: 'sends every new connection to the available real server with the highest weight' },
  ovf: { basis: 'highest', assumption: 'sends new connections to the highest-weight real server until its active connections exceed its weight' },
};

const UNKNOWN: SchedulerShares = { basis: 'weight', assumption: 'is not a scheduler natdiff knows' };

function round9(x: number): number {
  return Math.round(x * 1e9) / 1e9;
}

/** Each real server's share of new connections, by the scheduler's basis; 0 for weight 0. */
export function sharesOf(scheduler: string, weights: readonly number[]): number[] {
  const { basis } = SCHEDULERS[scheduler] ?? UNKNOWN;
  const top = Math.max(0, ...weights);
  const part = (w: number): number => (w <= 0 ? 0 : basis === 'weight' ? w : basis === 'equal' || w === top ? 1 : 0);
  const total = weights.reduce((n, w) => n + part(w), 0);
  return weights.map((w) => (total === 0 ? 0 : round9(part(w) / total)));
}

/** Equal shares, for a listing that shows no weights (`--stats`, `--rate`). */
export function equalShares(count: number): number[] {
  return Array.from({ length: count }, () => round9(1 / count));
}

/** What a scheduler's shares assume, said once per scheduler; null when they are exact. */
export function sharesAssumption(scheduler: string): string | null {
  const { basis, assumption } = SCHEDULERS[scheduler] ?? UNKNOWN;
  if (assumption === null) return null;
  const taken = basis === 'weight' ? 'in proportion to weight' : basis === 'equal' ? 'equal among real servers of weight > 0' : 'all to the highest weight';
  return `scheduler ${scheduler} ${assumption}: shown shares assume new connections split ${taken}, which the listing cannot confirm`;
}
