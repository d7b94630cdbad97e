// The ranges kube-apiserver allocates from: service cluster IPs from a CIDR and node ports from a
// port range.
import type { AllocationRange } from './key-allocator.js';

function ipToInt(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
}

function intToIp(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

export interface CidrRange extends AllocationRange<string> {
  readonly cidr: string;
}

/**
 * The usable addresses of an IPv4 CIDR: without the network and broadcast addresses, and with the
 * first usable one reserved for the `kubernetes` Service.
 */
export function cidrRange(cidr: string): CidrRange {
  const m = cidr.match(/^([\d.]+)\/(\d{1,2})$/);
  const base = m ? ipToInt(m[1]) : undefined;
  const bits = m ? Number(m[2]) : NaN;
  if (base === undefined || !(bits >= 8 && bits <= 30)) throw new Error(`${cidr} is not an IPv4 CIDR between /8 and /30`);
  const blockSize = 2 ** (32 - bits);
  const network = base - (base % blockSize);
  return {
    cidr,
    size: blockSize - 2,
    valueAt: (offset) => intToIp(network + 1 + offset),
    offsetOf: (ip) => {
      const n = ipToInt(ip);
      if (n === undefined || n <= network || n >= network + blockSize - 1) return undefined;
      return n - network - 1;
    },
    reserved: new Set([0]),
    format: (ip) => ip,
  };
}

export function firstServiceIp(cidr: string): string {
  return cidrRange(cidr).valueAt(0);
}

export function portRange(first: number, last: number): AllocationRange<number> {
  return {
    size: last - first + 1,
    valueAt: (offset) => first + offset,
    offsetOf: (port) => (Number.isInteger(port) && port >= first && port <= last ? port - first : undefined),
    reserved: new Set(),
    format: (port) => String(port),
  };
}
