// Port publishing: podman's -p syntax and free host ports for -P / "-p 80".
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { TspodError } from '../errors.ts';

export interface PortMapping {
  /** Host address to bind; '' or undefined means all addresses. */
  hostIp?: string;
  /** Host port; 0 asks for a free one at setup. */
  hostPort: number;
  containerPort: number;
  /** 'tcp' | 'udp' | 'sctp' */
  protocol: string;
  /** Number of consecutive ports (1 when absent). */
  range?: number;
}

function badPort(spec: string, why: string): never {
  throw new TspodError('INVALID_PORT', `invalid port format "${spec}": ${why}`);
}

function parseRange(spec: string, s: string): [number, number] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(s);
  if (!m) badPort(spec, `"${s}" is not a port or port range`);
  const a = Number(m[1]), b = m[2] === undefined ? a : Number(m[2]);
  if (a < 1 || b > 65535 || b < a) badPort(spec, `port numbers must be between 1 and 65535`);
  return [a, b - a + 1];
}

/** Parse one -p value: [[ip:][hostPort]:]containerPort[-end][/proto]. */
export function parsePortSpec(spec: string): PortMapping[] {
  let rest = spec;
  let protocols = ['tcp'];
  const slash = rest.lastIndexOf('/');
  if (slash >= 0) {
    protocols = rest.slice(slash + 1).split(',');
    rest = rest.slice(0, slash);
    for (const p of protocols) if (!['tcp', 'udp', 'sctp'].includes(p)) badPort(spec, `unknown protocol "${p}"`);
  }
  let hostIp = '';
  const v6 = /^\[([0-9a-fA-F:.]+)\]:(.*)$/.exec(rest);
  if (v6) {
    hostIp = v6[1];
    rest = v6[2];
  }
  const parts = rest.split(':');
  let hostPart = '';
  let ctrPart: string;
  if (parts.length === 1) ctrPart = parts[0];
  else if (parts.length === 2) [hostPart, ctrPart] = parts;
  else if (parts.length === 3 && !v6) [hostIp, hostPart, ctrPart] = parts;
  else badPort(spec, 'too many colons');
  if (hostIp && !/^[0-9.]+$|:/.test(hostIp)) badPort(spec, `invalid IP address "${hostIp}"`);
  const [containerPort, range] = parseRange(spec, ctrPart);
  let hostPort = 0;
  if (hostPart !== '') {
    const [hp, hrange] = parseRange(spec, hostPart);
    if (hrange !== range && hrange !== 1) badPort(spec, 'host and container port ranges differ in size');
    hostPort = hp;
  }
  return protocols.map((protocol) => ({ hostIp, hostPort, containerPort, protocol, range }));
}

/** A port number nobody has bound at this moment on hostIp (0.0.0.0 when empty). */
export async function freePort(protocol: string, hostIp = ''): Promise<number> {
  const host = hostIp || '0.0.0.0';
  if (protocol === 'udp') {
    const s = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    await new Promise<void>((res, rej) => { s.once('error', rej); s.bind(0, host, () => res()); });
    const port = s.address().port;
    s.close();
    return port;
  }
  const srv = createServer();
  await new Promise<void>((res, rej) => { srv.once('error', rej); srv.listen(0, host, () => res()); });
  const port = (srv.address() as { port: number }).port;
  await new Promise((res) => srv.close(res));
  return port;
}

/** Fill in hostPort 0 with free ports; a range needs consecutive ports, so it takes the container's numbers when free. */
export async function assignHostPorts(ports: PortMapping[]): Promise<PortMapping[]> {
  const out: PortMapping[] = [];
  for (const p of ports) {
    if (p.hostPort !== 0) out.push({ ...p, range: p.range ?? 1 });
    else if ((p.range ?? 1) > 1) out.push({ ...p, hostPort: p.containerPort, range: p.range });
    else out.push({ ...p, hostPort: await freePort(p.protocol, p.hostIp), range: 1 });
  }
  return out;
}

/** Expand ranges into single-port mappings (for forwarders that take one port at a time). */
export function expandPorts(ports: PortMapping[]): PortMapping[] {
  const out: PortMapping[] = [];
  for (const p of ports) {
    for (let i = 0; i < (p.range ?? 1); i++) out.push({ ...p, hostPort: p.hostPort + i, containerPort: p.containerPort + i, range: 1 });
  }
  return out;
}
