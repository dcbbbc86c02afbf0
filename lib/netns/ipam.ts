// host-local IPAM, as podman does it for netavark: leases per network kept in
// ${runRoot}/networks/ipam.json (runRoot is a tmpfs for root, so leases die with a reboot, like the
// containers holding them). Read-modify-write under a lock.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TspodError } from '../errors.ts';
import { cidrContains, intToIp, ipToInt, isIpv6, parseCidr } from './ipnet.ts';
import type { Network } from './networks.ts';

/** network name -> ip -> container id */
type Leases = Record<string, Record<string, string>>;

function ipamFile(runRoot: string): string {
  return join(runRoot, 'networks', 'ipam.json');
}

function load(runRoot: string): Leases {
  try {
    return JSON.parse(readFileSync(ipamFile(runRoot), 'utf8')) as Leases;
  } catch {
    return {};
  }
}

function save(runRoot: string, l: Leases): void {
  const f = ipamFile(runRoot);
  mkdirSync(join(runRoot, 'networks'), { recursive: true });
  writeFileSync(`${f}.tmp`, JSON.stringify(l));
  renameSync(`${f}.tmp`, f);
}

async function locked<T>(runRoot: string, fn: () => T): Promise<T> {
  const { withLock } = await import('../lock/index.ts');
  return withLock(join(runRoot, 'networks', 'ipam.lock'), fn);
}

/** Lease one IPv4 address per IPv4 subnet of n to containerId (a static ip is checked and taken). */
export async function allocateIps(runRoot: string, n: Network, containerId: string, staticIp?: string): Promise<string[]> {
  return locked(runRoot, () => {
    const l = load(runRoot);
    const leases = (l[n.name] ??= {});
    // already leased (a restart that skipped teardown): reuse
    const mine = Object.entries(leases).filter(([, id]) => id === containerId).map(([ip]) => ip);
    if (mine.length) return mine;
    const out: string[] = [];
    for (const s of n.subnets ?? []) {
      if (isIpv6(s.subnet)) continue;
      const c = parseCidr(s.subnet);
      if (staticIp && cidrContains(c, staticIp)) {
        if (leases[staticIp] || staticIp === s.gateway) throw new TspodError('IP_IN_USE', `requested ip address ${staticIp} is already allocated to container ID ${leases[staticIp] ?? 'gateway'}`);
        leases[staticIp] = containerId;
        out.push(staticIp);
        continue;
      }
      let first = c.network + 1, last = c.network + c.size - 2;
      if (s.lease_range?.start_ip) first = ipToInt(s.lease_range.start_ip);
      if (s.lease_range?.end_ip) last = ipToInt(s.lease_range.end_ip);
      let got: string | undefined;
      for (let i = first; i <= last; i++) {
        const ip = intToIp(i);
        if (ip === s.gateway || leases[ip]) continue;
        got = ip;
        break;
      }
      if (!got) throw new TspodError('IPAM_FULL', `could not allocate an IP address in network ${n.name}: all addresses of ${s.subnet} are in use`);
      leases[got] = containerId;
      out.push(got);
    }
    save(runRoot, l);
    return out;
  });
}

/** Drop every lease of containerId on network (idempotent). */
export async function releaseIps(runRoot: string, network: string, containerId: string): Promise<void> {
  await locked(runRoot, () => {
    const l = load(runRoot);
    const leases = l[network];
    if (!leases) return;
    for (const [ip, id] of Object.entries(leases)) if (id === containerId) delete leases[ip];
    if (Object.keys(leases).length === 0) delete l[network];
    save(runRoot, l);
  });
}
