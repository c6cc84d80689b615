/**
 * Generated names and addresses: the random-looking suffixes Kubernetes controllers use (from
 * apimachinery's rand.String alphabet), made deterministic so test runs are reproducible, and
 * host-local-style pod IP allocation from a node's podCIDR.
 */
import { createHash } from 'node:crypto';

// k8s.io/apimachinery/pkg/util/rand: no vowels (no accidental words) and no look-alikes.
const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

function digest(seed: string): Buffer {
  return createHash('sha256').update(seed).digest();
}

/** A suffix of `length` characters from the Kubernetes alphabet, derived from `seed`. */
export function suffix(seed: string, length = 5): string {
  const bytes = digest(seed);
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[(bytes[i] ?? 0) % ALPHABET.length];
  return out;
}

/** A pod-template-hash / controller-revision-hash look-alike ("5d78c9869d"). */
export function templateHash(seed: string): string {
  return suffix(`template:${seed}`, 10);
}

/** Suffixes for names made from a prefix: each call returns one not yet used. */
export class NameGenerator {
  private readonly counters = new Map<string, number>();

  next(prefix: string, taken: (name: string) => boolean): string {
    for (;;) {
      const n = (this.counters.get(prefix) ?? 0) + 1;
      this.counters.set(prefix, n);
      const name = `${prefix}${suffix(`${prefix}#${n}`)}`;
      if (!taken(name)) return name;
    }
  }
}

function ipv4ToInt(ip: string): number {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new Error(`not an IPv4 address: ${ip}`);
  }
  return parts.reduce((acc, p) => acc * 256 + p, 0);
}

function intToIpv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

/** Hands out pod IPs from a CIDR, starting at .2 (.1 is the node's bridge), never reusing one. */
export class IpAllocator {
  private readonly first: number;
  private readonly last: number;
  private next: number;

  constructor(readonly cidr: string) {
    const [base = '', bitsText = ''] = cidr.split('/');
    const bits = Number(bitsText);
    if (!Number.isInteger(bits) || bits < 0 || bits > 30) throw new Error(`unsupported pod CIDR ${cidr}`);
    const size = 2 ** (32 - bits);
    const network = ipv4ToInt(base) - (ipv4ToInt(base) % size);
    this.first = network + 2;
    this.last = network + size - 2;
    this.next = this.first;
  }

  allocate(): string {
    if (this.next > this.last) throw new Error(`pod CIDR ${this.cidr} exhausted`);
    return intToIpv4(this.next++);
  }
}
