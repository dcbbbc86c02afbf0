// The rootless network namespace (podman's "rootless-netns"): one per user, connected to the outside
// by slirp4netns, in which netavark makes the bridges of user networks for rootless containers (the
// user namespace's root may create bridges and iptables rules only in a namespace it owns). Host
// ports reach it through slirp4netns forwards to 10.0.2.100, where netavark's DNAT takes over.
// Shared by the containers using it: a user list under a lock; the last one out removes it.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TspodError } from '../errors.ts';
import { createNetns, isNetns, removeNetns } from './netns.ts';
import { expandPorts, type PortMapping } from './ports.ts';
import { findBinary, isOurProcess, stopProcess } from './process.ts';
import { slirpApi, startSlirp4netns } from './slirp4netns.ts';

interface RootlessNetnsRecord { netnsPath: string; slirpPid: number; apiSocket: string; users: string[] }

export interface RootlessNetns { netnsPath: string; apiSocket: string; ip: string }

const dirOf = (runRoot: string) => join(runRoot, 'networks');
const recordFile = (runRoot: string) => join(dirOf(runRoot), 'rootless-netns.json');

function load(runRoot: string): RootlessNetnsRecord | undefined {
  try {
    return JSON.parse(readFileSync(recordFile(runRoot), 'utf8')) as RootlessNetnsRecord;
  } catch {
    return undefined;
  }
}

function save(runRoot: string, r: RootlessNetnsRecord): void {
  const f = recordFile(runRoot);
  writeFileSync(`${f}.tmp`, JSON.stringify(r));
  renameSync(`${f}.tmp`, f);
}

async function locked<T>(runRoot: string, fn: () => Promise<T>): Promise<T> {
  const { withLock } = await import('../lock/index.ts');
  mkdirSync(dirOf(runRoot), { recursive: true });
  return withLock(join(dirOf(runRoot), 'rootless-netns.lock'), fn);
}

/** Join containerId to the rootless netns, creating it (and its slirp4netns) when absent or dead. */
export async function acquireRootlessNetns(runRoot: string, containerId: string, socketPath: (dir: string, id: string) => string, slirpPath?: string): Promise<RootlessNetns> {
  return locked(runRoot, async () => {
    let r = load(runRoot);
    if (r && !(isOurProcess(r.slirpPid, r.netnsPath) && (await isNetns(r.netnsPath)))) {
      await stopProcess(r.slirpPid, r.netnsPath);
      await removeNetns(r.netnsPath);
      r = undefined;
    }
    if (!r) {
      const binary = slirpPath ?? findBinary('slirp4netns');
      if (!binary) throw new TspodError('SLIRP4NETNS', 'could not find slirp4netns (needed by rootless bridge networks)', { hint: 'install the slirp4netns package' });
      const netnsPath = join(runRoot, 'netns', 'rootless-netns');
      await createNetns(netnsPath);
      try {
        const st = await startSlirp4netns({
          binary, netnsPath, apiSocket: socketPath(dirOf(runRoot), 'rootless-netns'), logPath: join(dirOf(runRoot), 'rootless-netns.log'),
        });
        r = { netnsPath, slirpPid: st.pid, apiSocket: st.apiSocket, users: [] };
      } catch (err) {
        await removeNetns(netnsPath);
        throw err;
      }
    }
    if (!r.users.includes(containerId)) r.users.push(containerId);
    save(runRoot, r);
    return { netnsPath: r.netnsPath, apiSocket: r.apiSocket, ip: '10.0.2.100' };
  });
}

/** Leave the rootless netns; the last user stops slirp4netns and removes the namespace. */
export async function releaseRootlessNetns(runRoot: string, containerId: string): Promise<void> {
  await locked(runRoot, async () => {
    const r = load(runRoot);
    if (!r) return;
    r.users = r.users.filter((u) => u !== containerId);
    if (r.users.length > 0) return save(runRoot, r);
    await stopProcess(r.slirpPid, r.netnsPath);
    rmSync(r.apiSocket, { force: true });
    await removeNetns(r.netnsPath);
    rmSync(recordFile(runRoot), { force: true });
  });
}

/** Forward host ports to the same ports on the rootless netns; returns slirp4netns' forward ids. */
export async function addRootlessForwards(ns: RootlessNetns, ports: PortMapping[]): Promise<number[]> {
  const ids: number[] = [];
  try {
    for (const p of expandPorts(ports)) {
      if (p.protocol !== 'tcp' && p.protocol !== 'udp') throw new TspodError('INVALID_PORT', `rootless bridge networks cannot forward ${p.protocol} ports`);
      const r = await slirpApi(ns.apiSocket, {
        execute: 'add_hostfwd',
        arguments: { proto: p.protocol, host_addr: p.hostIp || '0.0.0.0', host_port: p.hostPort, guest_addr: ns.ip, guest_port: p.hostPort },
      }).catch((err: Error) => {
        throw new TspodError('PORT_FORWARD', `publishing port ${p.hostPort}/${p.protocol}: ${err.message}`, { cause: err });
      });
      ids.push(r.id);
    }
  } catch (err) {
    await removeRootlessForwards(ns.apiSocket, ids);
    throw err;
  }
  return ids;
}

export async function removeRootlessForwards(apiSocket: string, ids: number[]): Promise<void> {
  for (const id of ids) await slirpApi(apiSocket, { execute: 'remove_hostfwd', arguments: { id } }).catch(() => {});
}
