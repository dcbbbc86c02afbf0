// IPv4 arithmetic for subnets and leases (IPv6 subnets are stored and passed through, not leased).
import { TspodError } from '../errors.ts';

export function ipToInt(ip: string): number {
  const p = ip.split('.').map(Number);
  if (p.length !== 4 || p.some((n) => !Number.isInteger(n) || n < 0 || n > 255)) throw new TspodError('INVALID_IP', `invalid IPv4 address "${ip}"`);
  return ((p[0] << 24) >>> 0) + (p[1] << 16) + (p[2] << 8) + p[3];
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export interface Cidr { network: number; bits: number; size: number }

export function isIpv6(s: string): boolean {
  return s.includes(':');
}

/** Parse "10.88.0.0/16" (host bits are cleared, as podman normalises them). */
export function parseCidr(s: string): Cidr {
  const m = /^([0-9.]+)\/(\d{1,2})$/.exec(s);
  if (!m || Number(m[2]) > 32) throw new TspodError('INVALID_SUBNET', `invalid subnet "${s}"`);
  const bits = Number(m[2]);
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return { network: (ipToInt(m[1]) & mask) >>> 0, bits, size: 2 ** (32 - bits) };
}

export function cidrString(c: Cidr): string {
  return `${intToIp(c.network)}/${c.bits}`;
}

export function cidrContains(c: Cidr, ip: string): boolean {
  const n = ipToInt(ip);
  return n >= c.network && n < c.network + c.size;
}

export function cidrOverlaps(a: Cidr, b: Cidr): boolean {
  return a.network < b.network + b.size && b.network < a.network + a.size;
}
