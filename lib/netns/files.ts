// The generated /etc/hosts and /etc/resolv.conf of a container (podman's etchosts/resolvconf rules).
import { readFileSync } from 'node:fs';

export interface HostsFileOptions {
  hostname: string;
  /** Container name(s), listed after the hostname. */
  names?: string[];
  /** The container's address; none means 127.0.1.1 (no network of its own). */
  ip?: string;
  /** Address that host.containers.internal resolves to; omitted when undefined. */
  hostIp?: string;
  /** --add-host entries "name:ip" (or "name=ip"). */
  extraHosts?: string[];
  /** Content of the base hosts file; default the host's /etc/hosts. '' for none. */
  base?: string;
}

const LOCALHOST = '127.0.0.1\tlocalhost localhost.localdomain localhost4 localhost4.localdomain4\n::1\tlocalhost localhost.localdomain localhost6 localhost6.localdomain6\n';

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
}

/** /etc/hosts for a container: --add-host entries, the base file, the container itself, the host. */
export function hostsFile(o: HostsFileOptions): string {
  let out = '';
  for (const e of o.extraHosts ?? []) {
    const i = e.search(/[:=]/);
    if (i > 0) out += `${e.slice(i + 1)}\t${e.slice(0, i)}\n`;
  }
  let base = o.base ?? readOr('/etc/hosts', LOCALHOST);
  if (!/^\s*127\.0\.0\.1\s+.*\blocalhost\b/m.test(base)) base = LOCALHOST + base;
  out += base.endsWith('\n') || base === '' ? base : base + '\n';
  const names = [o.hostname, ...(o.names ?? []).filter((n) => n && n !== o.hostname)].join(' ');
  out += `${o.ip ?? '127.0.1.1'}\t${names}\n`;
  if (o.hostIp) out += `${o.hostIp}\thost.containers.internal\n`;
  return out;
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
  const search = o.dnsSearch?.length ? o.dnsSearch.filter((s) => s !== '.') : [...(o.searches ?? []), ...host.search];
  const options = o.dnsOptions?.length ? o.dnsOptions : host.options;
  let out = '';
  if (search.length) out += `search ${[...new Set(search)].join(' ')}\n`;
  for (const n of [...new Set(ns)]) out += `nameserver ${n}\n`;
  if (options.length) out += `options ${options.join(' ')}\n`;
  return out;
}
