// slirp4netns: user-mode networking for a namespace (podman's rootless default up to 4.x).
// Started detached with a ready fd; port forwards go through its API socket (add_hostfwd), which
// keeps the container's view of source addresses as podman's port_handler=slirp4netns does.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { TspodError } from '../errors.ts';
import { expandPorts, type PortMapping } from './ports.ts';
import { stopProcess } from './process.ts';

export interface SlirpOptions {
  binary: string;
  netnsPath: string;
  apiSocket: string;
  logPath: string;
  mtu?: number;
  /** Default 10.0.2.0/24: the container gets .100, the host is .2, DNS is .3. */
  cidr?: string;
  allowHostLoopback?: boolean;
  enableIpv6?: boolean;
  outboundAddr?: string;
  sandbox?: boolean;
}

export interface SlirpState {
  pid: number;
  apiSocket: string;
  logPath: string;
  ip: string;
  gateway: string;
  dns: string;
}

/** Addresses slirp4netns uses inside cidr: .100 for the guest, .2 the host/gateway, .3 DNS. */
export function slirpAddresses(cidr = '10.0.2.0/24'): { ip: string; gateway: string; dns: string } {
  const base = cidr.split('/')[0].split('.').map(Number);
  const at = (n: number) => [base[0], base[1], base[2], base[3] + n].join('.');
  return { ip: at(100), gateway: at(2), dns: at(3) };
}

/** Parse podman's "slirp4netns:opt=v,opt=v" options into SlirpOptions fields. */
export function parseSlirpOptions(opts: string[]): Partial<SlirpOptions> {
  const out: Partial<SlirpOptions> = {};
  for (const o of opts) {
    const [k, v = ''] = o.split('=');
    const bool = () => {
      if (v !== 'true' && v !== 'false') throw new TspodError('INVALID_NETWORK', `slirp4netns option "${k}" must be true or false`);
      return v === 'true';
    };
    if (k === 'allow_host_loopback') out.allowHostLoopback = bool();
    else if (k === 'enable_ipv6') out.enableIpv6 = bool();
    else if (k === 'mtu') out.mtu = Number(v);
    else if (k === 'cidr') out.cidr = v;
    else if (k === 'outbound_addr') out.outboundAddr = v;
    else if (k === 'port_handler') { if (v !== 'slirp4netns' && v !== 'rootlesskit') throw new TspodError('INVALID_NETWORK', `unknown port_handler "${v}"`); }
    else throw new TspodError('INVALID_NETWORK', `unknown slirp4netns option "${k}"`);
  }
  return out;
}

/** Start slirp4netns for netnsPath and wait until the tap device is configured. */
export async function startSlirp4netns(o: SlirpOptions): Promise<SlirpState> {
  const s = spawnSlirp4netns(o);
  await s.ready;
  return s.state;
}

/**
 * Start slirp4netns for netnsPath. `ready` settles once the tap device is configured (or rejects,
 * with slirp4netns stopped), so a caller can do other work meanwhile: the container engine lets the
 * runtime create the container in the namespace while slirp4netns configures it (~15 ms).
 */
export function spawnSlirp4netns(o: SlirpOptions): { state: SlirpState; ready: Promise<void> } {
  const args = ['--configure', `--mtu=${o.mtu ?? 65520}`, '--netns-type=path', '--api-socket', o.apiSocket, '-r', '3'];
  if (!o.allowHostLoopback) args.push('--disable-host-loopback');
  if (o.cidr) args.push(`--cidr=${o.cidr}`);
  if (o.enableIpv6) args.push('--enable-ipv6');
  if (o.outboundAddr) args.push(`--outbound-addr=${o.outboundAddr}`);
  if (o.sandbox !== false) args.push('--enable-sandbox', '--enable-seccomp');
  args.push(o.netnsPath, 'tap0');
  const log = openSync(o.logPath, 'w', 0o600);
  const child = spawn(o.binary, args, { detached: true, stdio: ['ignore', log, log, 'pipe'] });
  closeSync(log);
  const fd3 = child.stdio[3] as Socket;
  const ready = (async () => {
    try {
      await new Promise<void>((resolve, reject) => {
        let settled = false;
        const done = (err?: Error) => { if (!settled) { settled = true; clearTimeout(timer); err ? reject(err) : resolve(); } };
        const timer = setTimeout(() => done(new Error('timed out waiting for it to be ready')), 15_000);
        fd3.on('data', (d: Buffer) => { if (d.includes('1')) done(); });
        fd3.on('error', () => {});
        child.on('error', (e) => done(e));
        child.on('exit', (code, sig) => done(new Error(`exited with ${sig ?? code}`)));
      });
    } catch (err) {
      if (child.pid) await stopProcess(child.pid, o.netnsPath);
      const { readFileSync } = await import('node:fs');
      let detail = '';
      try { detail = readFileSync(o.logPath, 'utf8').trim().split('\n').slice(-2).join('; '); } catch { /* no log */ }
      throw new TspodError('SLIRP4NETNS', `starting slirp4netns: ${(err as Error).message}${detail ? `: ${detail}` : ''}`, { cause: err });
    } finally {
      fd3.destroy();
      child.removeAllListeners();
      child.unref();
    }
  })();
  return { state: { pid: child.pid ?? 0, apiSocket: o.apiSocket, logPath: o.logPath, ...slirpAddresses(o.cidr) }, ready };
}

/** One request on slirp4netns's API socket (it answers once and closes). */
export function slirpApi(apiSocket: string, request: object): Promise<any> {
  return new Promise((resolve, reject) => {
    const s = createConnection(apiSocket);
    let buf = '';
    s.on('connect', () => s.end(JSON.stringify(request)));
    s.on('data', (d) => (buf += d));
    s.on('error', reject);
    s.on('close', () => {
      try {
        const r = JSON.parse(buf);
        if (r.error) reject(new Error(r.error.desc ?? JSON.stringify(r.error)));
        else resolve(r.return);
      } catch {
        reject(new Error(`bad answer ${JSON.stringify(buf)}`));
      }
    });
  });
}

/** Forward host ports into the namespace through the API socket. */
export async function addSlirpForwards(st: SlirpState, ports: PortMapping[]): Promise<void> {
  for (const p of expandPorts(ports)) {
    if (p.protocol !== 'tcp' && p.protocol !== 'udp') throw new TspodError('INVALID_PORT', `slirp4netns cannot forward ${p.protocol} ports`);
    try {
      await slirpApi(st.apiSocket, {
        execute: 'add_hostfwd',
        arguments: { proto: p.protocol, host_addr: p.hostIp || '0.0.0.0', host_port: p.hostPort, guest_addr: st.ip, guest_port: p.containerPort },
      });
    } catch (err) {
      throw new TspodError('PORT_FORWARD', `publishing port ${p.hostPort}/${p.protocol}: ${(err as Error).message}`, { cause: err });
    }
  }
}
