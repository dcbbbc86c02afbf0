// netavark's JSON CLI: `netavark --config DIR --rootless=BOOL [--aardvark-binary P] setup|teardown NETNS`
// with the network options on stdin; setup prints one StatusBlock per network. netavark starts and
// updates aardvark-dns itself for networks with dns_enabled (its state lives under DIR/aardvark-dns).
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { TspodError } from '../errors.ts';
import type { Network } from './networks.ts';
import { findBinary } from './process.ts';

export interface NetavarkOptions {
  container_id: string;
  container_name: string;
  networks: Record<string, { interface_name: string; static_ips?: string[]; aliases?: string[]; static_mac?: string }>;
  network_info: Record<string, Network>;
  port_mappings?: { host_ip: string; container_port: number; host_port: number; range: number; protocol: string }[];
  dns_servers?: string[];
}

export interface StatusBlock {
  dns_search_domains?: string[];
  dns_server_ips?: string[];
  interfaces?: Record<string, { mac_address: string; subnets?: { ipnet: string; gateway?: string }[] }>;
}

export interface NetavarkBinaries { netavark: string; aardvark?: string }

const HELPER_DIRS = ['/usr/local/libexec/podman', '/usr/local/lib/podman', '/usr/libexec/podman', '/usr/lib/podman'];

/** netavark and aardvark-dns, or a clear error naming what is missing (iptables included: netavark needs it). */
export async function netavarkBinaries(): Promise<NetavarkBinaries> {
  let dirs = HELPER_DIRS;
  try {
    const { loadContainersConf } = await import('../config/containers-conf.ts');
    dirs = loadContainersConf().engine.helper_binaries_dir ?? HELPER_DIRS;
  } catch { /* defaults */ }
  const netavark = findBinary('netavark', dirs);
  if (!netavark) throw new TspodError('NETAVARK_MISSING', 'could not find "netavark" in the helper binary directories', { hint: 'install the netavark package' });
  if (!findBinary('iptables')) throw new TspodError('NETAVARK_MISSING', 'netavark needs "iptables", which is not installed', { hint: 'install the iptables package' });
  return { netavark, aardvark: findBinary('aardvark-dns', dirs) };
}

/** Where netavark runs: rootful in the host's network namespace, rootless inside the rootless netns. */
export interface NetavarkPlace { configDir: string; rootless: boolean; enterNetns?: string }

function runNetavark(b: NetavarkBinaries, place: NetavarkPlace, verb: string, netnsPath: string, input: NetavarkOptions): Promise<string> {
  const { configDir, rootless } = place;
  mkdirSync(configDir, { recursive: true });
  const args = ['--config', configDir, `--rootless=${rootless}`];
  if (b.aardvark) args.push('--aardvark-binary', b.aardvark);
  args.push(verb, netnsPath);
  return new Promise((resolve, reject) => {
    // aardvark-dns is forked by netavark and keeps the pipes open unless they are closed for it;
    // so stdout is a pipe we read until netavark itself exits, not until EOF.
    // nsenter (single-threaded) switches the network namespace; Node itself never does
    const [cmd, argv] = place.enterNetns ? ['nsenter', [`--net=${place.enterNetns}`, b.netavark, ...args]] : [b.netavark, args];
    const child = spawn(cmd, argv, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '', err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', (e) => reject(new TspodError('NETAVARK', `running netavark ${verb}: ${e.message}`, { cause: e })));
    child.on('exit', (code) => {
      child.stdout.destroy();
      child.stderr.destroy();
      if (code === 0) return resolve(out);
      let msg = (out || err).trim();
      try { msg = JSON.parse(msg).error ?? msg; } catch { /* plain text */ }
      reject(new TspodError('NETAVARK', `netavark ${verb}: ${msg || `exit status ${code}`}`));
    });
    child.stdin.end(JSON.stringify(input));
  });
}

/**
 * Rootful netavark edits the host's shared iptables chains (NETAVARK-*); its own lock lives in the
 * --config directory, which is per store, so tspod serialises all rootful calls on one host-wide lock.
 */
async function serialised<T>(place: NetavarkPlace, fn: () => Promise<T>): Promise<T> {
  if (place.rootless) return fn();
  const { withLock } = await import('../lock/index.ts');
  return withLock('/run/lock/tspod-netavark.lock', fn);
}

export async function netavarkSetup(b: NetavarkBinaries, place: NetavarkPlace, netnsPath: string, o: NetavarkOptions): Promise<Record<string, StatusBlock>> {
  const out = await serialised(place, () => runNetavark(b, place, 'setup', netnsPath, o));
  try {
    return JSON.parse(out) as Record<string, StatusBlock>;
  } catch {
    throw new TspodError('NETAVARK', `netavark setup: unexpected output ${JSON.stringify(out.slice(0, 200))}`);
  }
}

export async function netavarkTeardown(b: NetavarkBinaries, place: NetavarkPlace, netnsPath: string, o: NetavarkOptions): Promise<void> {
  await serialised(place, () => runNetavark(b, place, 'teardown', netnsPath, o));
}
