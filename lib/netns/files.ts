// The generated /etc/hosts and /etc/resolv.conf of a container (podman's etchosts/resolvconf rules).
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { TspodError } from '../errors.ts';

export interface HostsFileOptions {
  hostname: string;
  /** Container name(s), listed after the hostname. */
  names?: string[];
  /** The container's address; none means 127.0.0.1 (no network of its own). */
  ip?: string;
  /** The host's network: no line for the container itself. */
  hostNetwork?: boolean;
  /** Address that host.containers.internal resolves to; omitted when undefined. */
  hostIp?: string;
  /** --add-host entries "name:ip". */
  extraHosts?: string[];
  /** Content of the base hosts file; default the host's /etc/hosts. '' for none. */
  base?: string;
}

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
}

type HostEntry = { ip: string; names: string[] };

/** The entries of a hosts file: comments dropped, lines without a name skipped. */
function parseHosts(text: string): HostEntry[] {
  const out: HostEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.replace(/#.*/, '').trim().split(/\s+/);
    if (f.length >= 2 && f[0]) out.push({ ip: f[0], names: f.slice(1) });
  }
  return out;
}

/**
 * /etc/hosts for a container, as podman 4.3 (c/common etchosts) writes it: the --add-host entries, the
 * base file's entries (re-written "IP<tab>names"), localhost when the base has none, host.containers.internal
 * and the container's own line unless those names are already taken.
 */
export function hostsFile(o: HostsFileOptions): string {
  const entries: HostEntry[] = [];
  for (const e of o.extraHosts ?? []) {
    const i = e.indexOf(':');
    if (i > 0) entries.push({ ip: e.slice(i + 1), names: [e.slice(0, i)] });
  }
  entries.push(...parseHosts(o.base ?? readOr('/etc/hosts', '')));
  const taken = (n: string) => entries.some((e) => e.names.includes(n));
  if (!taken('localhost')) entries.push({ ip: '127.0.0.1', names: ['localhost'] }, { ip: '::1', names: ['localhost'] });
  if (o.hostIp && !taken('host.containers.internal')) entries.push({ ip: o.hostIp, names: ['host.containers.internal'] });
  if (!o.hostNetwork) {
    const names = [...new Set([o.hostname, ...(o.names ?? [])])].filter((n) => n && !taken(n));
    if (names.length) entries.push({ ip: o.ip ?? '127.0.0.1', names });
  }
  return entries.map((e) => `${e.ip}\t${e.names.join(' ')}\n`).join('');
}

export interface ResolvConfOptions {
  /** Nameservers that come first (slirp4netns' 10.0.2.3, aardvark-dns on the gateway). */
  nameservers?: string[];
  /** When true, only `nameservers` are used (aardvark-dns forwards everything else itself). */
  replaceHostNameservers?: boolean;
  searches?: string[];
  options?: string[];
  /** --dns: replaces every nameserver. */
  dnsServers?: string[];
  /** --dns-search / --dns-option: replace the host's. */
  dnsSearch?: string[];
  dnsOptions?: string[];
  /** Host resolv.conf content; default /etc/resolv.conf. */
  hostResolvConf?: string;
  /** Whether the container shares the host's network (keeps loopback resolvers). */
  hostNetwork?: boolean;
}

function parseResolv(text: string): { nameservers: string[]; search: string[]; options: string[] } {
  const r = { nameservers: [] as string[], search: [] as string[], options: [] as string[] };
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[0] === 'nameserver' && f[1]) r.nameservers.push(f[1]);
    else if ((f[0] === 'search' || f[0] === 'domain') && f.length > 1) r.search = f.slice(1);
    else if (f[0] === 'options') r.options.push(...f.slice(1));
  }
  return r;
}

/** /etc/resolv.conf for a container. Loopback resolvers of the host are unreachable from a private namespace and are dropped. */
export function resolvConf(o: ResolvConfOptions = {}): string {
  let host = parseResolv(o.hostResolvConf ?? readOr('/etc/resolv.conf', ''));
  const isLoop = (ns: string) => /^127\./.test(ns) || ns === '::1';
  if (!o.hostNetwork && host.nameservers.length > 0 && host.nameservers.every(isLoop) && o.hostResolvConf === undefined) {
    // systemd-resolved's stub: its upstream list is the useful one
    const upstream = parseResolv(readOr('/run/systemd/resolve/resolv.conf', ''));
    if (upstream.nameservers.length) host = { ...upstream, search: host.search, options: host.options };
  }
  let ns: string[];
  if (o.dnsServers?.length) ns = o.dnsServers;
  else {
    const hostNs = o.replaceHostNameservers ? [] : host.nameservers.filter((n) => o.hostNetwork || !isLoop(n));
    ns = [...(o.nameservers ?? []), ...hostNs];
    if (ns.length === 0) ns = ['8.8.8.8', '8.8.4.4'];
  }
  // what the user gave is written as given (podman keeps repeated --dns/--dns-option values)
  const search = o.dnsSearch?.length ? o.dnsSearch.filter((s) => s !== '.') : [...new Set([...(o.searches ?? []), ...host.search])];
  const options = o.dnsOptions?.length ? o.dnsOptions : host.options;
  let out = '';
  if (search.length) out += `search ${search.join(' ')}\n`;
  for (const n of o.dnsServers?.length ? ns : [...new Set(ns)]) out += `nameserver ${n}\n`;
  if (options.length) out += `options ${options.join(' ')}\n`;
  return out;
}

export interface NetworkFlags {
  /** The --network value ('' the default) and whether the default is the bridge (rootful). */
  network: string;
  rootless: boolean;
  addHost?: string[];
  dns?: string[];
  dnsSearch?: string[];
  dnsOption?: string[];
  ip?: string;
  networkAlias?: string[];
  noHosts?: boolean;
}

// podman's parse.validateDomain (the "(:?" typos of its pattern included)
const DOMAIN = /^(:?(?:[a-zA-Z0-9]|(?:[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))(:?\.(?:[a-zA-Z0-9]|(?:[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])))*)\.?\s*$/;

/** The checks podman 4.3 makes at create for --add-host, --dns*, --ip, --network-alias and --no-hosts (its messages). */
export function checkNetworkFlags(o: NetworkFlags): void {
  const fail = (msg: string) => { throw new TspodError('INVALID_NETWORK_FLAG', msg); };
  for (const h of o.addHost ?? []) {
    const i = h.indexOf(':');
    if (i <= 0) fail(`bad format for add-host: "${h}"`);
    if (!isIP(h.slice(i + 1))) fail(`invalid IP address in add-host: "${h.slice(i + 1)}"`);
  }
  if (o.noHosts && o.addHost?.length) fail('--no-hosts and --add-host cannot be set together');
  const dns = o.dns ?? [];
  if (!(dns.length === 1 && dns[0].toLowerCase() === 'none')) for (const d of dns) if (!isIP(d)) fail(`${d} is not an ip address`);
  const search = o.dnsSearch ?? [];
  if (search.includes('.') && search.length > 1) fail("cannot pass additional search domains when also specifying '.'");
  for (const d of search) {
    const m = d === '.' ? null : DOMAIN.exec(d);
    if (d !== '.' && (!/[a-zA-Z]/.test(d) || !m || m[1].length >= 255)) fail(`${d} is not a valid domain`);
  }
  if (o.ip !== undefined && !isIP(o.ip)) fail(`"${o.ip}" is not an ip address`);
  const mode = o.network.split(':')[0];
  if ((mode === 'none' || mode === 'container') && (dns.length || search.length || o.dnsOption?.length)) fail(`conflicting options: dns and the network mode: ${mode}`);
  if (mode === 'container' && o.addHost?.length) {
    fail('invalid config provided: cannot set extra host entries when the container is joined to another containers network namespace: invalid configuration');
  }
  const special = ['none', 'host', 'slirp4netns', 'pasta', 'ns', 'container'];
  const bridge = (mode === '' || mode === 'private') ? !o.rootless : !special.includes(mode);
  if (!bridge && o.ip !== undefined) fail('--ip can only be set when the network mode is bridge: invalid argument');
  if (!bridge && o.networkAlias?.length) fail('--network-alias can only be set when the network mode is bridge: invalid argument');
}
