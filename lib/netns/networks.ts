// User-defined networks, stored as podman's netavark network JSON (one file per network,
// ${graphRoot}/networks/NAME.json), so the same file is the netavark `network_info` entry.
// The default network "podman" is never stored: it is made from containers.conf, as podman does.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NotFoundError, TspodError } from '../errors.ts';
import { cidrContains, cidrOverlaps, cidrString, intToIp, isIpv6, parseCidr } from './ipnet.ts';

export interface Subnet {
  subnet: string;
  gateway?: string;
  lease_range?: { start_ip?: string; end_ip?: string };
}

/** podman's types.Network as it is written to disk and handed to netavark. */
export interface Network {
  name: string;
  id: string;
  driver: string;
  network_interface?: string;
  created: string;
  subnets?: Subnet[];
  ipv6_enabled: boolean;
  internal: boolean;
  dns_enabled: boolean;
  labels?: Record<string, string>;
  options?: Record<string, string>;
  ipam_options?: Record<string, string>;
}

export const DEFAULT_NETWORK_ID = '2f259bab93aaaaa2542ba43ef33eb990d0999ee1b9924b557b7be53c0b7a1bb9';
const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export function networksDir(graphRoot: string): string {
  return join(graphRoot, 'networks');
}

export function networksLock(graphRoot: string): string {
  return join(networksDir(graphRoot), 'networks.lock');
}

export function defaultNetwork(name = 'podman', subnet = '10.88.0.0/16'): Network {
  const c = parseCidr(subnet);
  return {
    name, id: DEFAULT_NETWORK_ID, driver: 'bridge', network_interface: 'podman0', created: new Date().toISOString(),
    subnets: [{ subnet: cidrString(c), gateway: intToIp(c.network + 1) }],
    ipv6_enabled: false, internal: false, dns_enabled: false, ipam_options: { driver: 'host-local' },
  };
}

async function confDefaults(): Promise<{ name: string; subnet: string }> {
  try {
    const { loadContainersConf } = await import('../config/containers-conf.ts');
    const n = loadContainersConf().network;
    return { name: n.default_network || 'podman', subnet: n.default_subnet || '10.88.0.0/16' };
  } catch {
    return { name: 'podman', subnet: '10.88.0.0/16' };
  }
}

/** Every network: the default one first, then the stored ones by name. */
export async function listNetworks(graphRoot: string): Promise<Network[]> {
  const d = await confDefaults();
  const out: Network[] = [];
  let files: string[] = [];
  try { files = readdirSync(networksDir(graphRoot)).filter((f) => f.endsWith('.json')).sort(); } catch { /* none yet */ }
  for (const f of files) {
    try {
      out.push(JSON.parse(readFileSync(join(networksDir(graphRoot), f), 'utf8')) as Network);
    } catch {
      // a half-written or foreign file is skipped, as podman skips invalid configs
    }
  }
  if (!out.some((n) => n.name === d.name)) out.unshift(defaultNetwork(d.name, d.subnet));
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Look a network up by full name, full id or unique id prefix. */
export async function getNetwork(graphRoot: string, nameOrId: string): Promise<Network> {
  const all = await listNetworks(graphRoot);
  const exact = all.find((n) => n.name === nameOrId || n.id === nameOrId);
  if (exact) return exact;
  const byPrefix = /^[0-9a-f]+$/.test(nameOrId) ? all.filter((n) => n.id.startsWith(nameOrId)) : [];
  if (byPrefix.length === 1) return byPrefix[0];
  if (byPrefix.length > 1) throw new TspodError('AMBIGUOUS_NETWORK', `more than one result for network ID ${nameOrId}`);
  throw new NotFoundError('network', `unable to find network with name or ID ${nameOrId}: network not found`);
}

export async function networkExists(graphRoot: string, nameOrId: string): Promise<boolean> {
  try {
    await getNetwork(graphRoot, nameOrId);
    return true;
  } catch (err) {
    if ((err as TspodError).code === 'NO_SUCH_NETWORK') return false;
    throw err;
  }
}

export interface CreateNetworkOptions {
  name?: string;
  driver?: string;
  subnets?: string[];
  gateways?: string[];
  ipRanges?: string[];
  internal?: boolean;
  disableDns?: boolean;
  ipv6?: boolean;
  labels?: Record<string, string>;
  options?: Record<string, string>;
  ipamDriver?: string;
  /** Host bridge name (podmanN, skipping names in use, when omitted). */
  interfaceName?: string;
  /** Return the existing network instead of failing when the name is taken (podman --ignore). */
  ignoreExisting?: boolean;
}

function writeNetworkFile(graphRoot: string, n: Network): void {
  const dir = networksDir(graphRoot);
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const path = join(dir, `${n.name}.json`);
  const tmp = `${path}.${process.pid}.tmp`;
  // podman writes this file with 5-space indentation; keep the same bytes.
  writeFileSync(tmp, JSON.stringify(n, null, '     '), { mode: 0o644 });
  renameSync(tmp, path);
}

function parseRange(r: string): { start: string; end: string } {
  if (r.includes('-')) {
    const [start, end] = r.split('-');
    return { start, end };
  }
  const c = parseCidr(r);
  return { start: intToIp(c.network + (c.bits < 31 ? 1 : 0)), end: intToIp(c.network + c.size - (c.bits < 31 ? 2 : 1)) };
}

/** Create a network (under the networks lock). Returns the stored record. */
export async function createNetwork(graphRoot: string, o: CreateNetworkOptions): Promise<Network> {
  const { withLock } = await import('../lock/index.ts');
  return withLock(networksLock(graphRoot), async () => {
    const existing = await listNetworks(graphRoot);
    let name = o.name;
    if (name === undefined || name === '') {
      for (let i = 1; ; i++) if (!existing.some((n) => n.name === `podman${i}`)) { name = `podman${i}`; break; }
    }
    if (!NAME_RE.test(name)) throw new TspodError('INVALID_NETWORK', `network name ${name} invalid: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument`);
    const clash = existing.find((n) => n.name === name);
    if (clash) {
      if (o.ignoreExisting) return clash;
      throw new TspodError('NETWORK_EXISTS', `network name ${name} already used: network already exists`);
    }
    const driver = o.driver ?? 'bridge';
    if (driver !== 'bridge') throw new TspodError('INVALID_NETWORK', `unsupported driver ${driver}: invalid argument`);
    if (o.ipamDriver && o.ipamDriver !== 'host-local') throw new TspodError('INVALID_NETWORK', `unsupported ipam driver "${o.ipamDriver}"`);
    const usedV4 = existing.flatMap((n) => (n.subnets ?? []).filter((s) => !isIpv6(s.subnet)).map((s) => parseCidr(s.subnet)));
    const subnets: Subnet[] = [];
    const given = o.subnets ?? [];
    if ((o.gateways ?? []).length > given.length) throw new TspodError('INVALID_NETWORK', 'cannot set more gateways than subnets');
    if ((o.ipRanges ?? []).length > given.length) throw new TspodError('INVALID_NETWORK', 'cannot set more ranges than subnets');
    given.forEach((s, i) => {
      if (isIpv6(s)) {
        subnets.push({ subnet: s, ...(o.gateways?.[i] ? { gateway: o.gateways[i] } : {}) });
        return;
      }
      const c = parseCidr(s);
      const clashWith = usedV4.find((u) => cidrOverlaps(u, c));
      if (clashWith) throw new TspodError('SUBNET_IN_USE', `subnet ${cidrString(c)} is already used on the host or by another config`);
      const gw = o.gateways?.[i] ?? intToIp(c.network + 1);
      if (!cidrContains(c, gw)) throw new TspodError('INVALID_NETWORK', `gateway ip ${gw} not in subnet ${cidrString(c)}`);
      const sub: Subnet = { subnet: cidrString(c), gateway: gw };
      if (o.ipRanges?.[i]) {
        const r = parseRange(o.ipRanges[i]);
        if (!cidrContains(c, r.start) || !cidrContains(c, r.end)) throw new TspodError('INVALID_NETWORK', `lease range ${o.ipRanges[i]} not in subnet ${cidrString(c)}`);
        sub.lease_range = { start_ip: r.start, end_ip: r.end };
      }
      subnets.push(sub);
      usedV4.push(c);
    });
    if (!subnets.some((s) => !isIpv6(s.subnet))) {
      // podman's default pool: 10.89.0.0/24, 10.89.1.0/24, ... skipping used ones and host routes
      const hostNets = hostRoutes();
      for (let i = 0; i < 255 * 256; i++) {
        const c = parseCidr(`10.${89 + (i >> 8)}.${i & 255}.0/24`);
        if (usedV4.some((u) => cidrOverlaps(u, c)) || hostNets.some((u) => cidrOverlaps(u, c))) continue;
        subnets.unshift({ subnet: cidrString(c), gateway: intToIp(c.network + 1) });
        break;
      }
    }
    const usedIfaces = new Set([...existing.map((n) => n.network_interface), ...hostInterfaces()]);
    let iface = o.interfaceName ?? '';
    if (iface && !/^[a-zA-Z0-9_.-]{1,15}$/.test(iface)) throw new TspodError('INVALID_NETWORK', `interface name ${iface} invalid`);
    if (iface && existing.some((n) => n.network_interface === iface)) throw new TspodError('INVALID_NETWORK', `bridge name ${iface} already in use`);
    for (let i = 1; !iface; i++) if (!usedIfaces.has(`podman${i}`)) iface = `podman${i}`;
    const n: Network = {
      name, id: randomBytes(32).toString('hex'), driver, network_interface: iface, created: new Date().toISOString(), subnets,
      ipv6_enabled: !!o.ipv6 || subnets.some((s) => isIpv6(s.subnet)), internal: !!o.internal, dns_enabled: !o.disableDns,
      ...(o.labels && Object.keys(o.labels).length ? { labels: o.labels } : {}),
      ...(o.options && Object.keys(o.options).length ? { options: o.options } : {}),
      ipam_options: { driver: 'host-local' },
    };
    writeNetworkFile(graphRoot, n);
    return n;
  });
}

function hostInterfaces(): string[] {
  try {
    return readdirSync('/sys/class/net');
  } catch {
    return [];
  }
}

/** IPv4 routes of the host, so a new subnet does not shadow a network the host is on. */
function hostRoutes() {
  try {
    return readFileSync('/proc/net/route', 'utf8').split('\n').slice(1).filter(Boolean).flatMap((l) => {
      const f = l.trim().split(/\s+/);
      const le = (h: string) => Number.parseInt(h.match(/../g)!.reverse().join(''), 16) >>> 0;
      const dest = le(f[1]), mask = le(f[7]);
      if (mask === 0) return [];
      const bits = mask.toString(2).replace(/0/g, '').length;
      return [{ network: dest, bits, size: 2 ** (32 - bits) }];
    });
  } catch {
    return [];
  }
}

/** Remove a stored network's file; the default network cannot be removed. */
export async function removeNetworkFile(graphRoot: string, name: string): Promise<void> {
  const d = await confDefaults();
  if (name === d.name) throw new TspodError('DEFAULT_NETWORK', `default network ${name} cannot be removed`);
  rmSync(join(networksDir(graphRoot), `${name}.json`), { force: true });
}

/** Replace a stored network (connect/disconnect keep nothing in it; labels edits would). */
export function saveNetwork(graphRoot: string, n: Network): void {
  writeNetworkFile(graphRoot, n);
}
