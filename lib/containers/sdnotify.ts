// --sdnotify=container|conmon|ignore as podman 4.3: with NOTIFY_SOCKET set (systemd Type=notify), tspod
// tells the socket MAINPID=<conmon's pid> once the container runs; conmon mode adds READY=1 at once,
// container mode binds <bundle>/notify into the container at /run/notify, where conmon
// (--sdnotify-socket) listens and relays what the container sends (its READY=1) to the host socket.
// Neither conmon nor the runtime see NOTIFY_SOCKET themselves (runc would wait for READY=1 on start).
import { closeSync, mkdirSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { getSystemErrorMap } from 'node:util';
import { TspodError } from '../errors.ts';
import { socketCalls } from '../native/libc.ts';
import type { Spec } from '../oci/runtime-spec.ts';

export type SdNotifyMode = 'container' | 'conmon' | 'ignore';

export interface SdNotifyConfig { mode: SdNotifyMode; socket: string }

/** At create: the mode and the caller's NOTIFY_SOCKET (absent: nothing to notify). */
export function parseSdNotify(mode: string | undefined, env: NodeJS.ProcessEnv): SdNotifyConfig | undefined {
  const m = mode ?? 'container';
  if (!['container', 'conmon', 'ignore'].includes(m)) {
    throw new TspodError('INVALID_CONFIG', `invalid config provided: invalid argument: invalid sdnotify value "${m}": must be container, conmon or ignore`);
  }
  const socket = env.NOTIFY_SOCKET;
  if (!socket || m === 'ignore') return undefined;
  return { mode: m as SdNotifyMode, socket };
}

const CONTAINER_SOCKET = '/run/notify/notify.sock';

/** Container mode: /run/notify from the bundle and NOTIFY_SOCKET for the process; the host socket for conmon. */
export function applySdNotify(spec: Spec, sd: SdNotifyConfig | undefined, bundle: string): string | undefined {
  if (sd?.mode !== 'container') return undefined;
  const dir = join(bundle, 'notify');
  mkdirSync(dir, { recursive: true });
  spec.mounts.push({ destination: '/run/notify', type: 'bind', source: dir, options: ['bind', 'rprivate'] });
  spec.process.env = [...(spec.process.env ?? []).filter((e) => !e.startsWith('NOTIFY_SOCKET=')), `NOTIFY_SOCKET=${CONTAINER_SOCKET}`];
  return sd.socket;
}

/** What tspod itself sends once the container runs (podman's MAINPID, with READY=1 in conmon mode). */
export function notifyStarted(sd: SdNotifyConfig | undefined, conmonPid: number): void {
  if (!sd || !conmonPid) return;
  const msg = sd.mode === 'conmon' ? `MAINPID=${conmonPid}\nREADY=1` : `MAINPID=${conmonPid}`;
  try {
    send(sd.socket, msg);
  } catch (err) {
    process.stderr.write(`ERRO[0000] Notifying systemd of Conmon PID: ${(err as Error).message}\n`);
  }
}

/** Go's wording of an errno ("connection refused"). */
function errnoText(e: number): string {
  return getSystemErrorMap().get(-e)?.[1] ?? `errno ${e}`;
}

const AF_UNIX = 1, SOCK_DGRAM = 2, SOCK_CLOEXEC = 0o2000000;

/** One datagram to a unix socket path ("@name": the abstract namespace); node:dgram has no unix sockets. */
export function send(path: string, msg: string): void {
  const l = socketCalls();
  const fd = l.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw new Error(`socket: errno ${l.errno()}`);
  try {
    const name = Buffer.from(path.startsWith('@') ? `\0${path.slice(1)}` : `${path}\0`);
    if (name.length > 108) throw new Error(`dial unixgram ${path}: path too long`);
    const addr = Buffer.alloc(110);
    addr.writeUInt16LE(AF_UNIX, 0);
    name.copy(addr, 2);
    const len = 2 + (path.startsWith('@') ? name.length : name.length - 1);
    if (l.connect(fd, addr, len) !== 0) throw new Error(`dial unixgram ${path}: connect: ${errnoText(l.errno())}`);
    writeSync(fd, msg);
  } finally {
    closeSync(fd);
  }
}
