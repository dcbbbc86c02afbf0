// Attach to conmon's socket: SOCK_SEQPACKET, which Node's net cannot open. The socket is made with
// koffi; reads and writes then go through fs on the raw fd (one packet per read), off the main thread.
// conmon's framing: each packet it sends starts with one byte naming the stream (2 stdout, 3 stderr);
// what we send is raw stdin. shutdown(SHUT_WR) tells conmon stdin ended.
import { closeSync, constants, openSync, read, readdirSync, write, writeSync } from 'node:fs';
import { join } from 'node:path';
import { TspodError } from '../errors.ts';
import { socketCalls as lib } from '../native/libc.ts';

const AF_UNIX = 1, SOCK_SEQPACKET = 5, SOCK_CLOEXEC = 0o2000000, SHUT_WR = 1;

/** Connect to the attach socket in dir (through /proc/self/fd, so long paths stay under 108 bytes). */
export function connectAttach(dir: string, name = 'attach'): number {
  const l = lib();
  const dfd = openSync(dir, 'r');
  try {
    const fd = l.socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd < 0) throw new TspodError('ATTACH', `creating attach socket: errno ${l.errno()}`);
    const path = Buffer.from(`/proc/self/fd/${dfd}/${name}\0`);
    const addr = Buffer.alloc(110);
    addr.writeUInt16LE(AF_UNIX, 0);
    path.copy(addr, 2);
    if (l.connect(fd, addr, 2 + path.length) !== 0) {
      const e = l.errno();
      closeSync(fd);
      throw new TspodError('ATTACH', `connecting to attach socket of container: errno ${e}`);
    }
    return fd;
  } finally {
    closeSync(dfd);
  }
}

function fdCount(pid: number): number {
  try { return readdirSync(`/proc/${pid}/fd`).length; } catch { return -1; }
}

/**
 * Connect, then wait until conmon has accept()ed us: until then it has no client to copy output to,
 * so a container started at once could finish unheard. An accepted connection is a new fd in conmon.
 */
export async function connectAttachAccepted(dir: string, conmonPid: number, timeoutMs = 2000): Promise<number> {
  const before = conmonPid ? fdCount(conmonPid) : -1;
  const fd = connectAttach(dir);
  if (before < 0) return fd;
  const end = Date.now() + timeoutMs;
  while (fdCount(conmonPid) <= before && Date.now() < end) await new Promise((r) => setTimeout(r, 1));
  return fd;
}

export interface AttachStreams {
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
  stdin?: NodeJS.ReadableStream;
  /** ctrl-p,ctrl-q by default; empty string disables. */
  detachKeys?: number[];
}

export interface AttachResult { detached: boolean }

function readPacket(fd: number, buf: Buffer): Promise<number> {
  return new Promise((res, rej) => read(fd, buf, 0, buf.length, null, (err, n) => (err ? rej(err) : res(n))));
}

function writeAll(fd: number, data: Buffer): Promise<void> {
  return new Promise((res, rej) => write(fd, data, 0, data.length, null, (err) => (err ? rej(err) : res())));
}

function drained(s: NodeJS.WritableStream, chunk: Buffer): Promise<void> {
  return new Promise((res) => (s.write(chunk) ? res() : s.once('drain', () => res())));
}

/** Relay until conmon closes the socket (container output ended) or the user detaches. */
export async function relay(fd: number, s: AttachStreams): Promise<AttachResult> {
  let detached = false;
  let closed = false;
  const keys = s.detachKeys ?? [];
  if (s.stdin) {
    // writes go through the threadpool: keep them ordered, and shut down only after the last one
    let pending: Promise<void> = Promise.resolve();
    const send = (data: Buffer) => {
      pending = pending.then(() => (closed ? undefined : writeAll(fd, data))).catch(() => { /* container gone */ });
    };
    // a started detach sequence is held back, as podman does: the container sees it only if it breaks off
    let held: number[] = [];
    const onData = (chunk: Buffer) => {
      if (closed || detached) return;
      if (!keys.length) return send(chunk);
      const out: number[] = [];
      for (const b of chunk) {
        if (b === keys[held.length]) {
          held.push(b);
          if (held.length < keys.length) continue;
          detached = true;
          if (out.length) send(Buffer.from(out));
          pending = pending.then(() => { closed = true; lib().shutdown(fd, 2); });
          return;
        }
        out.push(...held);
        held = [];
        if (b === keys[0]) held.push(b);
        else out.push(b);
      }
      if (out.length) send(Buffer.from(out));
    };
    s.stdin.on('data', onData);
    s.stdin.on('end', () => {
      pending = pending.then(() => { if (!closed) lib().shutdown(fd, SHUT_WR); });
    });
  }
  const buf = Buffer.alloc(8193 + 1);
  try {
    for (;;) {
      let n: number;
      try { n = await readPacket(fd, buf); } catch { break; }
      if (n <= 0) break;
      const kind = buf[0];
      const data = Buffer.from(buf.subarray(1, n));
      const out = kind === 3 ? s.stderr : s.stdout;
      if (out && data.length) await drained(out, data);
    }
  } finally {
    closed = true;
    if (s.stdin) {
      s.stdin.removeAllListeners('data');
      (s.stdin as NodeJS.ReadableStream & { pause(): void }).pause();
    }
    try { closeSync(fd); } catch { /* closed */ }
  }
  return { detached };
}

/** Tell conmon the terminal size (its ctl FIFO: "1 HEIGHT WIDTH"). */
export function resizeTerminal(bundleDir: string, rows: number, cols: number): void {
  // O_NONBLOCK: a FIFO whose conmon is gone has no reader, and a plain open would block forever
  try {
    const fd = openSync(join(bundleDir, 'ctl'), constants.O_WRONLY | constants.O_NONBLOCK);
    try { writeSync(fd, `1 ${rows} ${cols}\n`); } finally { closeSync(fd); }
  } catch { /* not running */ }
}

/**
 * The caller's terminal while attached to a TTY container: raw input (when raw), the container's
 * window size following the caller's (now and on SIGWINCH). The returned restore() puts the terminal
 * back; it also runs on process exit and before a fatal SIGTERM/SIGHUP, so no path leaves it raw.
 */
export function attachTerminal(stdin: NodeJS.ReadStream, stdout: NodeJS.WriteStream, bundleDir: string, raw: boolean): () => void {
  const sized = !!stdout.isTTY;
  const onResize = () => resizeTerminal(bundleDir, stdout.rows, stdout.columns);
  if (sized) {
    onResize();
    stdout.on('resize', onResize);
  }
  const rawOn = raw && !!stdin.isTTY;
  if (rawOn) stdin.setRawMode(true);
  let done = false;
  const restore = () => {
    if (done) return;
    done = true;
    if (sized) stdout.off('resize', onResize);
    if (rawOn) { try { stdin.setRawMode(false); } catch { /* terminal gone */ } }
    process.off('exit', restore);
    for (const s of FATAL) process.off(s, onFatal);
  };
  const onFatal = (sig: NodeJS.Signals) => {
    // only when nobody else (sig-proxy) handles it: then the default would kill us with the terminal raw
    if (process.listenerCount(sig) > 1) return;
    restore();
    process.kill(process.pid, sig);
  };
  process.on('exit', restore);
  for (const s of FATAL) process.on(s, onFatal);
  return restore;
}
const FATAL: NodeJS.Signals[] = ['SIGTERM', 'SIGHUP'];

/** "ctrl-p,ctrl-q" -> bytes. */
export function parseDetachKeys(s: string): number[] {
  if (!s) return [];
  return s.split(',').map((k) => {
    const m = /^ctrl-(.)$/.exec(k);
    if (m) {
      const ch = m[1];
      if (ch >= 'a' && ch <= 'z') return ch.charCodeAt(0) - 96;
      const special: Record<string, number> = { '@': 0, '[': 27, '\\': 28, ']': 29, '^': 30, '_': 31 };
      if (ch in special) return special[ch];
    }
    if (k.length === 1) return k.charCodeAt(0);
    throw new TspodError('INVALID_DETACH_KEYS', `invalid detach keys "${s}"`);
  });
}
