// host-local IPAM, as podman does it for netavark: leases per bridge kept in DIR/ipam.json, where DIR
// is host-wide for root (/run/tspod-netavark: every store's containers on the default network share
// the host's podman0 bridge, so their addresses must come from one pool) and ${dir}/networks
// rootless (each rootless netns has bridges of its own). /run is a tmpfs, so leases die with a
// reboot, like the containers holding them. Read-modify-write under a lock.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TspodError } from '../errors.ts';
import { cidrContains, intToIp, ipToInt, isIpv6, parseCidr } from './ipnet.ts';
import type { Network } from './networks.ts';

/** network name -> ip -> container id */
type Leases = Record<string, Record<string, string>>;

export const ROOTFUL_IPAM_DIR = '/run/tspod-netavark';

/** Leases are per bridge: the bridge is the shared resource, whatever store names the network. */
export function leaseKey(n: Pick<Network, 'name' | 'network_interface'>): string {
  return n.network_interface || n.name;
}

function ipamFile(dir: string): string {
  return join(dir, 'ipam.json');
}

function load(dir: string): Leases {
  try {
    return JSON.parse(readFileSync(ipamFile(dir), 'utf8')) as Leases;
  } catch {
    return {};
  }
}

function save(dir: string, l: Leases): void {
  const f = ipamFile(dir);
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${f}.tmp`, JSON.stringify(l));
  renameSync(`${f}.tmp`, f);
}

async function locked<T>(dir: string, fn: () => T): Promise<T> {
  const { withLock } = await import('../lock/index.ts');
  return withLock(join(dir, 'ipam.lock'), fn);
}

/** Lease one IPv4 address per IPv4 subnet of n to containerId (a static ip is checked and taken). */
export async function allocateIps(dir: string, n: Network, containerId: string, staticIp?: string): Promise<string[]> {
  return locked(dir, () => {
    const l = load(dir);
    const leases = (l[leaseKey(n)] ??= {});
    // already leased (a restart that skipped teardown): reuse
    const mine = Object.entries(leases).filter(([, id]) => id === containerId).map(([ip]) => ip);
    if (mine.length) return mine;
    const out: string[] = [];
    for (const s of n.subnets ?? []) {
      if (isIpv6(s.subnet)) continue;
      const c = parseCidr(s.subnet);
      if (staticIp && cidrContains(c, staticIp)) {
        if ((leases[staticIp] && leases[staticIp] !== containerId) || staticIp === s.gateway) throw new TspodError('IP_IN_USE', `IPAM error: requested ip address ${staticIp} is already allocated to container ID ${leases[staticIp] ?? 'gateway'}`);
        leases[staticIp] = containerId;
        out.push(staticIp);
        continue;
      }
      let first = c.network + 1, last = c.network + c.size - 2;
      if (s.lease_range?.start_ip) first = ipToInt(s.lease_range.start_ip);
      if (s.lease_range?.end_ip) last = ipToInt(s.lease_range.end_ip);
      let got: string | undefined;
      // Big pools (the default 10.88.0.0/16) start at a random point: podman on the same host hands out
      // podman0's addresses from .2 upwards from its own pool.
      const span = last - first + 1;
      const start = span > 1024 ? Math.floor(Math.random() * span) : 0;
      for (let k = 0; k < span; k++) {
        const ip = intToIp(first + ((start + k) % span));
        if (ip === s.gateway || leases[ip]) continue;
        got = ip;
        break;
      }
      if (!got) throw new TspodError('IPAM_FULL', `could not allocate an IP address in network ${n.name}: all addresses of ${s.subnet} are in use`);
      leases[got] = containerId;
      out.push(got);
    }
    if (staticIp && !out.includes(staticIp)) throw new TspodError('IP_NOT_IN_SUBNET', `requested static ip ${staticIp} not in any subnet on network ${n.name}`);
    save(dir, l);
    return out;
  });
}

/** Drop every lease of containerId on network (idempotent). */
export async function releaseIps(dir: string, network: string, containerId: string): Promise<void> {
  await locked(dir, () => {
    const l = load(dir);
    const leases = l[network];
    if (!leases) return;
    for (const [ip, id] of Object.entries(leases)) if (id === containerId) delete leases[ip];
    if (Object.keys(leases).length === 0) delete l[network];
    save(dir, l);
  });
}
