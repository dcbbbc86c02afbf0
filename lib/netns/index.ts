// Container networking: one entry point for the container engine. setupNetwork() makes the network
// namespace (a bind-mounted file under ${runRoot}/netns, never via unshare/setns in Node) and connects
// it — slirp4netns or pasta (rootless default, chosen like podman by containers.conf
// network.default_rootless_network_cmd), netavark bridge networks with aardvark-dns (rootful
// default: network "podman") — and returns a JSON-serialisable state that teardownNetwork() undoes.
//
//   const net = await setupNetwork({ containerId, mode: 'slirp4netns', ports: parsePortSpec('8080:80'), rootless: true });
//   spec.linux.namespaces.push({ type: 'network', path: net.netnsPath });
//   writeFileSync(hostsPath, containerHostsFile(net.state, { hostname, names: [name] }));
//   writeFileSync(resolvPath, containerResolvConf(net.state));
//   ... later, from any tspod process: await teardownNetwork(state);
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { TspodError, errorMessage } from '../errors.ts';
import { hostsFile, resolvConf, type HostsFileOptions, type ResolvConfOptions } from './files.ts';
import { createNetns, removeNetns, type NetnsUserns } from './netns.ts';
import { assignHostPorts, type PortMapping } from './ports.ts';
import { findBinary, isOurProcess, stopProcess } from './process.ts';
import type { NetavarkOptions, NetavarkPlace } from './netavark.ts';
import { ROOTFUL_IPAM_DIR } from './ipam.ts';

export { hostsFile, resolvConf } from './files.ts';
export type { HostsFileOptions, ResolvConfOptions } from './files.ts';
export { parsePortSpec, assignHostPorts, freePort, type PortMapping } from './ports.ts';

export interface SetupNetworkOptions {
  containerId: string;
  containerName?: string;
  /**
   * 'slirp4netns[:opts]' | 'pasta[:args]' | 'host' | 'none' | 'bridge' | 'private' | 'ns:PATH' | a network
   * name (or comma-separated names). Empty/undefined/'private': the default for rootless/rootful.
   */
  mode?: string;
  ports?: PortMapping[];
  rootless: boolean;
  hostname?: string;
  /** Networks to join in bridge mode (default: containers.conf default_network). */
  networks?: string[];
  /** Extra DNS names on dns-enabled networks. */
  aliases?: string[];
  /** A fixed IPv4 address on the (first) bridge network (--ip). */
  staticIp?: string;
  /** --mac-address of that network's interface */
  staticMac?: string;
  /** Return once the namespace exists, with the rest of the configuration (slirp4netns) in `ready`. */
  deferReady?: boolean;
  graphRoot?: string;
  runRoot?: string;
  /** --network-cmd-path: the slirp4netns binary (else containers.conf network_cmd_path, else PATH). */
  networkCmdPath?: string;
  /** The container's own user namespace (--userns, --uidmap): the network namespace is made inside it. */
  userns?: NetnsUserns;
}

export interface NetworkAttachment { ip: string; prefixLen: number; gateway?: string; mac: string; interface: string }

export interface NetworkState {
  mode: 'host' | 'none' | 'slirp4netns' | 'pasta' | 'bridge' | 'ns';
  containerId: string;
  runRoot: string;
  netnsPath?: string;
  /** Whether teardown removes netnsPath (false for ns:PATH). */
  ownsNetns?: boolean;
  ip?: string;
  gateway?: string;
  /** What host.containers.internal resolves to. */
  hostIp?: string;
  dnsServers?: string[];
  dnsSearch?: string[];
  /** aardvark-dns answers everything: the host's nameservers are not listed. */
  dnsOnly?: boolean;
  ports: PortMapping[];
  slirp?: { pid: number; apiSocket: string; logPath: string };
  pasta?: { pid: number };
  netavark?: NetavarkPlace & { options: NetavarkOptions };
  /** Rootless bridge networks: the shared rootless netns and this container's slirp4netns forward ids. */
  rootlessNetns?: { netnsPath: string; apiSocket: string; forwards: number[] };
  networks?: Record<string, NetworkAttachment>;
  /** Messages for the user (printed by the caller). */
  warnings?: string[];
  /** Why the default network was not the bridge (rootful without netavark/iptables). */
  fallback?: string;
}

export interface SetupNetworkResult {
  netnsPath?: string;
  ip?: string;
  state: NetworkState;
  /** With deferReady, when the namespace exists but its network is still being configured
   *  (slirp4netns): await it before the container's process starts; on rejection, tear down with
   *  teardownNetwork(state) as after any failure later on. */
  ready?: Promise<void>;
}

async function defaultPaths(o: SetupNetworkOptions): Promise<{ graphRoot: string; runRoot: string }> {
  if (o.graphRoot && o.runRoot) return { graphRoot: o.graphRoot, runRoot: o.runRoot };
  const { storagePaths } = await import('../config/paths.ts');
  const p = storagePaths();
  return { graphRoot: o.graphRoot ?? p.graphRoot, runRoot: o.runRoot ?? p.runRoot };
}

async function networkConf(): Promise<{ rootlessCmd: string; defaultNetwork: string; pastaOptions: string[]; slirpPath?: string }> {
  try {
    const { loadContainersConf } = await import('../config/containers-conf.ts');
    const c = loadContainersConf();
    const cmdPath = (c.engine as Record<string, unknown>).network_cmd_path;
    return {
      rootlessCmd: c.network.default_rootless_network_cmd || 'slirp4netns',
      defaultNetwork: c.network.default_network || 'podman',
      pastaOptions: c.network.pasta_options ?? [],
      slirpPath: typeof cmdPath === 'string' && cmdPath ? cmdPath : undefined,
    };
  } catch {
    return { rootlessCmd: 'slirp4netns', defaultNetwork: 'podman', pastaOptions: [] };
  }
}

/** Why /dev/net/tun cannot be used by slirp4netns/pasta, or undefined when it can. */
export function tunProblem(): string | undefined {
  const { accessSync, constants } = require_fs();
  try {
    accessSync('/dev/net/tun', constants.R_OK | constants.W_OK);
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? '/dev/net/tun does not exist' : `/dev/net/tun is not readable and writable (${code})`;
  }
}

function require_fs(): typeof import('node:fs') {
  return process.getBuiltinModule('node:fs') as typeof import('node:fs');
}

function needTun(what: string): void {
  const p = tunProblem();
  if (p) throw new TspodError('TUN_UNAVAILABLE', `setting up ${what} network: ${p}`, { hint: 'make it usable (chmod 0666 /dev/net/tun) or run with --network none or --network host' });
}

/** First non-loopback IPv4 address of the host (podman's host.containers.internal for slirp4netns). */
export function hostAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return undefined;
}

async function netavarkUsable(): Promise<string | undefined> {
  try {
    const { netavarkBinaries } = await import('./netavark.ts');
    await netavarkBinaries();
    return undefined;
  } catch (err) {
    return errorMessage(err);
  }
}

/** Set up the container's network. On failure nothing is left behind. */
export async function setupNetwork(o: SetupNetworkOptions): Promise<SetupNetworkResult> {
  const paths = await defaultPaths(o);
  const conf = await networkConf();
  let mode = (o.mode ?? '').trim();
  let modeOpts = '';
  const colon = mode.indexOf(':');
  if (colon > 0) {
    modeOpts = mode.slice(colon + 1);
    mode = mode.slice(0, colon);
  }
  const warnings: string[] = [];
  let fallback: string | undefined;
  if (mode === '' || mode === 'private' || mode === 'default') {
    if (o.rootless) mode = conf.rootlessCmd;
    else {
      const why = await netavarkUsable();
      // Quietly, so that a machine without iptables still runs containers; the reason is kept in the state.
      if (why) {
        mode = 'slirp4netns';
        fallback = `bridge networking unavailable (${why}): using slirp4netns`;
      } else mode = 'bridge';
    }
  }
  const base: NetworkState = {
    mode: 'none', containerId: o.containerId, runRoot: paths.runRoot, ports: [], ...(warnings.length ? { warnings } : {}), ...(fallback ? { fallback } : {}),
  };
  if (mode === 'host') {
    return { state: { ...base, mode: 'host', hostIp: '127.0.0.1' } };
  }
  if (mode === 'none') {
    // The runtime makes a fresh namespace with only lo; no file needed.
    return { state: { ...base, mode: 'none' } };
  }
  if (mode === 'ns') {
    if (!modeOpts || !existsSync(modeOpts)) throw new TspodError('INVALID_NETWORK', `network namespace path "${modeOpts}" does not exist`);
    return { netnsPath: modeOpts, state: { ...base, mode: 'ns', netnsPath: modeOpts, ownsNetns: false } };
  }
  const netnsPath = join(paths.runRoot, 'netns', `netns-${o.containerId}`);
  const state: NetworkState = { ...base, netnsPath, ownsNetns: true };
  const ports = await assignHostPorts(o.ports ?? []);
  try {
    if (mode === 'slirp4netns') {
      needTun('slirp4netns');
      const { parseSlirpOptions, spawnSlirp4netns, addSlirpForwards } = await import('./slirp4netns.ts');
      const extra = parseSlirpOptions(modeOpts ? modeOpts.split(',') : []);
      const binary = o.networkCmdPath ?? conf.slirpPath ?? findBinary('slirp4netns');
      if (!binary) throw new TspodError('SLIRP4NETNS', 'could not find slirp4netns', { hint: 'install the slirp4netns package' });
      if (!existsSync(binary)) throw new TspodError('SLIRP4NETNS', `checking slirp4netns binary ${binary}: fork/exec ${binary}: no such file or directory`, { exitCode: 127 });
      await createNetns(netnsPath, o.userns);
      const dir = join(paths.runRoot, 'networks', 'slirp4netns');
      mkdirSync(dir, { recursive: true });
      const { state: st, ready } = spawnSlirp4netns({
        binary, netnsPath, apiSocket: socketPath(dir, o.containerId), logPath: join(dir, `${o.containerId}.log`), ...extra,
      });
      state.mode = 'slirp4netns';
      state.slirp = { pid: st.pid, apiSocket: st.apiSocket, logPath: st.logPath };
      Object.assign(state, { ip: st.ip, gateway: st.gateway, dnsServers: [st.dns] });
      state.hostIp = extra.allowHostLoopback ? st.gateway : hostAddress();
      state.ports = ports;
      const configured = ready.then(() => addSlirpForwards(st, ports));
      if (o.deferReady) {
        // the addresses are fixed by the cidr; the tap device and the forwards follow while the
        // caller goes on (the runtime may be creating the container in the namespace meanwhile,
        // so a failure leaves the teardown to the caller)
        configured.catch(() => {}); // awaited by the caller; never an unhandled rejection meanwhile
        return { netnsPath, ip: state.ip, state, ready: configured };
      }
      await configured;
    } else if (mode === 'pasta') {
      needTun('pasta');
      const { startPasta } = await import('./pasta.ts');
      const binary = findBinary('pasta');
      if (!binary) throw new TspodError('PASTA', 'could not find pasta', { hint: 'install the passt package' });
      await createNetns(netnsPath, o.userns);
      const dir = join(paths.runRoot, 'networks', 'pasta');
      mkdirSync(dir, { recursive: true });
      const extra = [...conf.pastaOptions, ...(modeOpts ? modeOpts.split(',') : [])];
      const st = await startPasta({ binary, netnsPath, pidFile: join(dir, `${o.containerId}.pid`), ports, extra });
      state.mode = 'pasta';
      state.pasta = { pid: st.pid };
      state.ports = ports;
      // pasta copies the host's address and default route into the namespace; the gateway maps to the host.
      state.ip = hostAddress();
      state.gateway = defaultGateway();
      state.hostIp = state.gateway;
    } else {
      // --network NAME:ip=10.89.0.5,alias=web (podman's per-network options)
      for (const kv of modeOpts ? modeOpts.split(',') : []) {
        const [k, v] = kv.split('=');
        if (k === 'ip') o = { ...o, staticIp: v };
        else if (k === 'alias') o = { ...o, aliases: [...(o.aliases ?? []), v] };
      }
      const names = mode === 'bridge' ? (o.networks?.length ? o.networks : [conf.defaultNetwork]) : [mode, ...(o.networks ?? [])].flatMap((n) => n.split(','));
      await setupBridge(o, state, paths, [...new Set(names)], ports, netnsPath);
    }
  } catch (err) {
    await teardownNetwork(state).catch(() => {});
    throw err;
  }
  return { netnsPath, ip: state.ip, state };
}

/** A unix socket path must fit sun_path (108 bytes): fall back to a short per-user directory. */
function socketPath(dir: string, containerId: string): string {
  const p = join(dir, `${containerId.slice(0, 12)}.sock`);
  if (p.length < 100) return p;
  const short = join(tmpdir(), `tspod-slirp-${process.getuid?.() ?? 0}`);
  mkdirSync(short, { recursive: true, mode: 0o700 });
  return join(short, `${containerId.slice(0, 12)}-${process.pid}.sock`);
}

function defaultGateway(): string | undefined {
  try {
    const { readFileSync } = require_fs();
    for (const l of readFileSync('/proc/net/route', 'utf8').split('\n').slice(1)) {
      const f = l.trim().split(/\s+/);
      if (f[1] === '00000000' && f[2] && f[2] !== '00000000') {
        const n = f[2].match(/../g)!.reverse().map((h) => Number.parseInt(h, 16));
        return n.join('.');
      }
    }
  } catch { /* no route table */ }
  return undefined;
}

async function setupBridge(o: SetupNetworkOptions, state: NetworkState, paths: { graphRoot: string; runRoot: string }, names: string[],
  ports: PortMapping[], netnsPath: string): Promise<void> {
  const { getNetwork } = await import('./networks.ts');
  const { allocateIps } = await import('./ipam.ts');
  const { netavarkBinaries, netavarkSetup } = await import('./netavark.ts');
  const bins = await netavarkBinaries();
  const options: NetavarkOptions = {
    container_id: o.containerId, container_name: o.containerName ?? o.containerId.slice(0, 12), networks: {}, network_info: {},
    // rootless, slirp4netns binds the host address; inside the rootless netns any address is DNATed
    port_mappings: ports.map((p) => ({ host_ip: o.rootless ? '' : p.hostIp ?? '', container_port: p.containerPort, host_port: p.hostPort, range: p.range ?? 1, protocol: p.protocol })),
  };
  const place: NetavarkPlace = { configDir: join(paths.runRoot, 'networks'), rootless: o.rootless };
  state.mode = 'bridge';
  if (o.rootless) {
    // netavark works inside the per-user rootless netns (joined first, so a failure releases it)
    const { acquireRootlessNetns } = await import('./rootless-netns.ts');
    const rns = await acquireRootlessNetns(paths.runRoot, o.containerId, socketPath, o.networkCmdPath);
    state.rootlessNetns = { netnsPath: rns.netnsPath, apiSocket: rns.apiSocket, forwards: [] };
    place.enterNetns = rns.netnsPath;
  }
  state.netavark = { ...place, options };
  let i = 0;
  for (const name of names) {
    const n = await getNetwork(paths.graphRoot, name);
    const ips = await allocateIps(ipamDir(state), n, o.containerId, i === 0 ? o.staticIp : undefined);
    const aliases = [o.containerName, ...(o.aliases ?? []), o.containerId.slice(0, 12)].filter((a): a is string => !!a);
    options.networks[n.name] = { interface_name: `eth${i}`, static_ips: ips, ...(i === 0 && o.staticMac ? { static_mac: o.staticMac } : {}), ...(n.dns_enabled ? { aliases: [...new Set(aliases)] } : {}) };
    i++;
    options.network_info[n.name] = n;
  }
  await createNetns(netnsPath, o.userns);
  const status = await netavarkSetup(bins, place, netnsPath, options);
  state.ports = ports;
  if (state.rootlessNetns && ports.length) {
    const { addRootlessForwards } = await import('./rootless-netns.ts');
    state.rootlessNetns.forwards = await addRootlessForwards({ ...state.rootlessNetns, ip: '10.0.2.100' }, ports);
  }
  state.networks = {};
  statusToState(state, status);
}

/** Where leases live: host-wide for rootful bridges, per store for the rootless netns. */
function ipamDir(state: NetworkState): string {
  return state.netavark?.rootless ? join(state.runRoot, 'networks') : ROOTFUL_IPAM_DIR;
}

/** Undo setupNetwork (idempotent; callable from any later tspod process with the stored state). */
export async function teardownNetwork(state: NetworkState | undefined | null): Promise<void> {
  if (!state || typeof state !== 'object') return;
  const errors: string[] = [];
  const marker = state.netnsPath ?? `\0`;
  // the helper's exit is awaited alongside the rest, not before it
  const stops: Promise<void>[] = [];
  if (state.slirp) {
    const apiSocket = state.slirp.apiSocket;
    stops.push(stopProcess(state.slirp.pid, marker).then(() => rmSync(apiSocket, { force: true })));
  }
  if (state.pasta) stops.push(stopProcess(state.pasta.pid, marker));
  if (state.netavark && state.netnsPath) {
    try {
      const { netavarkBinaries, netavarkTeardown } = await import('./netavark.ts');
      if (state.rootlessNetns?.forwards.length) {
        const { removeRootlessForwards } = await import('./rootless-netns.ts');
        await removeRootlessForwards(state.rootlessNetns.apiSocket, state.rootlessNetns.forwards);
      }
      if (existsSync(state.netnsPath)) await netavarkTeardown(await netavarkBinaries(), state.netavark, state.netnsPath, state.netavark.options);
    } catch (err) {
      errors.push(errorMessage(err));
    }
    const { releaseIps, leaseKey } = await import('./ipam.ts');
    for (const n of Object.values(state.netavark.options.network_info)) await releaseIps(ipamDir(state), leaseKey(n), state.containerId);
  }
  if (state.netnsPath && state.ownsNetns) await removeNetns(state.netnsPath);
  await Promise.all(stops);
  if (state.rootlessNetns) {
    const { releaseRootlessNetns } = await import('./rootless-netns.ts');
    await releaseRootlessNetns(state.runRoot, state.containerId);
  }
  if (errors.length) throw new TspodError('NETWORK_TEARDOWN', `tearing down network of container ${state.containerId.slice(0, 12)}: ${errors.join('; ')}`);
}

/** Whether the helper process of a slirp4netns/pasta network still runs (for `ps`/inspect sanity checks). */
export function networkHelperAlive(state: NetworkState): boolean {
  const pid = state.slirp?.pid ?? state.pasta?.pid;
  return pid === undefined || isOurProcess(pid, state.netnsPath ?? '\0');
}

/** /etc/hosts for a container with this network state. */
export function containerHostsFile(state: NetworkState | undefined, o: Omit<HostsFileOptions, 'ip' | 'hostIp'> & { hostIp?: string }): string {
  if (state?.mode === 'host') return hostsFile({ ...o, ip: undefined, hostIp: undefined, base: o.base, names: o.names }).replace(/^127\.0\.1\.1\t.*\n/m, '');
  return hostsFile({ ...o, ip: state?.ip, hostIp: o.hostIp ?? state?.hostIp });
}

/** /etc/resolv.conf for a container with this network state. */
export function containerResolvConf(state: NetworkState | undefined, o: Omit<ResolvConfOptions, 'nameservers' | 'replaceHostNameservers' | 'hostNetwork'> = {}): string {
  return resolvConf({
    ...o,
    nameservers: state?.dnsServers,
    replaceHostNameservers: state?.dnsOnly,
    searches: [...(state?.dnsSearch ?? []), ...(o.searches ?? [])],
    hostNetwork: state?.mode === 'host',
  });
}

export interface ConnectOptions {
  graphRoot: string;
  network: string;
  containerName?: string;
  aliases?: string[];
  staticIp?: string;
}

function statusToState(state: NetworkState, status: Record<string, import('./netavark.ts').StatusBlock>): void {
  const options = state.netavark!.options;
  state.networks ??= {};
  for (const [name, st] of Object.entries(status)) {
    const ifname = options.networks[name]?.interface_name;
    const iface = ifname ? st.interfaces?.[ifname] : undefined;
    const v4 = iface?.subnets?.find((s) => !s.ipnet.includes(':'));
    if (iface && v4) {
      const [ip, len] = v4.ipnet.split('/');
      state.networks[name] = { ip, prefixLen: Number(len), gateway: v4.gateway, mac: iface.mac_address, interface: ifname! };
      if (!state.ip) Object.assign(state, { ip, gateway: v4.gateway, hostIp: v4.gateway });
    }
    state.dnsServers = [...new Set([...(state.dnsServers ?? []), ...(st.dns_server_ips ?? [])])];
    state.dnsSearch = [...new Set([...(state.dnsSearch ?? []), ...(st.dns_search_domains ?? [])])];
  }
  state.dnsOnly = (state.dnsServers ?? []).length > 0;
}

/** Attach a running bridge-mode container to one more network (podman network connect). Returns the new state. */
export async function connectNetwork(state: NetworkState, o: ConnectOptions): Promise<NetworkState> {
  if (state.mode !== 'bridge' || !state.netavark || !state.netnsPath) {
    throw new TspodError('INVALID_NETWORK', `network mode ${state.mode} is not supported for connect: only containers on bridge networks can join networks`);
  }
  const { getNetwork } = await import('./networks.ts');
  const { allocateIps, releaseIps, leaseKey } = await import('./ipam.ts');
  const { netavarkBinaries, netavarkSetup } = await import('./netavark.ts');
  const n = await getNetwork(o.graphRoot, o.network);
  const cur = state.netavark.options;
  if (cur.networks[n.name]) throw new TspodError('NETWORK_CONNECTED', `container ${state.containerId.slice(0, 12)} is already connected to network ${n.name}: network is already connected`);
  const used = new Set(Object.values(cur.networks).map((x) => x.interface_name));
  let i = 0;
  while (used.has(`eth${i}`)) i++;
  const ips = await allocateIps(ipamDir(state), n, state.containerId, o.staticIp);
  const aliases = [o.containerName ?? cur.container_name, ...(o.aliases ?? []), state.containerId.slice(0, 12)].filter((a): a is string => !!a);
  const one: NetavarkOptions = {
    container_id: cur.container_id, container_name: cur.container_name, networks: {
      [n.name]: { interface_name: `eth${i}`, static_ips: ips, ...(n.dns_enabled ? { aliases: [...new Set(aliases)] } : {}) },
    }, network_info: { [n.name]: n },
  };
  let status;
  try {
    status = await netavarkSetup(await netavarkBinaries(), state.netavark, state.netnsPath, one);
  } catch (err) {
    await releaseIps(ipamDir(state), leaseKey(n), state.containerId);
    throw err;
  }
  const next: NetworkState = JSON.parse(JSON.stringify(state));
  next.netavark!.options.networks[n.name] = one.networks[n.name];
  next.netavark!.options.network_info[n.name] = n;
  statusToState(next, status);
  return next;
}

/** Detach a container from one of its networks (podman network disconnect). Returns the new state. */
export async function disconnectNetwork(state: NetworkState, network: string): Promise<NetworkState> {
  const cur = state.netavark?.options;
  const name = cur && (cur.networks[network] ? network : Object.keys(cur.network_info).find((k) => cur.network_info[k].id.startsWith(network)));
  if (!state.netavark || !cur || !name || !state.netnsPath) {
    throw new TspodError('NOT_CONNECTED', `container ${state.containerId.slice(0, 12)} is not connected to network ${network}: network is not connected`);
  }
  const { netavarkBinaries, netavarkTeardown } = await import('./netavark.ts');
  const { releaseIps, leaseKey } = await import('./ipam.ts');
  const one: NetavarkOptions = {
    container_id: cur.container_id, container_name: cur.container_name,
    networks: { [name]: cur.networks[name] }, network_info: { [name]: cur.network_info[name] },
  };
  await netavarkTeardown(await netavarkBinaries(), state.netavark, state.netnsPath, one);
  await releaseIps(ipamDir(state), leaseKey(cur.network_info[name]), state.containerId);
  const next: NetworkState = JSON.parse(JSON.stringify(state));
  delete next.netavark!.options.networks[name];
  delete next.netavark!.options.network_info[name];
  delete next.networks?.[name];
  const first = Object.values(next.networks ?? {})[0];
  Object.assign(next, { ip: first?.ip, gateway: first?.gateway, hostIp: first?.gateway });
  return next;
}
