// The few libc calls Node lacks, through koffi (loaded lazily: ~7 ms, only by commands that need it).
// Node never calls unshare or setns: the process is multithreaded (see native/ for the launcher).
import { createRequire } from 'node:module';
import { TspodError } from '../errors.ts';

type Fn = (...args: any[]) => any;
interface Libc {
  mount: Fn; umount2: Fn; flock: Fn; flockAsync: Fn; lsetxattr: Fn; lgetxattr: Fn; mknod: Fn; errno: () => number; strerror: Fn;
  socket: Fn; connect: Fn; shutdown: Fn;
}

let libc: Libc | undefined;

/**
 * koffi's own loader probes the node binary's ELF header and several paths before it loads its
 * prebuilt module (~6 ms of every command that takes a lock); on glibc Linux that module is required
 * directly, with the loader as the fallback (musl, another platform, a koffi built from source).
 */
function requireKoffi(require: NodeRequire): any {
  if (process.platform === 'linux' && (process.arch === 'x64' || process.arch === 'arm64')) {
    try {
      return require(`@koromix/koffi-linux-${process.arch}/linux_${process.arch}/koffi.node`);
    } catch { /* not this build: the loader finds the right one */ }
  }
  return require('koffi');
}

function load(): Libc {
  if (libc) return libc;
  const koffi = requireKoffi(createRequire(import.meta.url));
  const lib = koffi.load('libc.so.6');
  const flock = lib.func('int flock(int fd, int op)');
  libc = {
    mount: lib.func('int mount(const char *src, const char *target, const char *fstype, unsigned long flags, const char *data)'),
    umount2: lib.func('int umount2(const char *target, int flags)'),
    flock,
    flockAsync: (fd: number, op: number) =>
      new Promise<number>((res, rej) => flock.async(fd, op, (err: unknown, r: number) => (err ? rej(err) : res(r)))),
    lsetxattr: lib.func('int lsetxattr(const char *path, const char *name, const void *value, size_t size, int flags)'),
    lgetxattr: lib.func('intptr_t lgetxattr(const char *path, const char *name, void *value, size_t size)'),
    mknod: lib.func('int mknod(const char *path, uint32_t mode, uint64_t dev)'),
    errno: () => koffi.errno(),
    strerror: lib.func('const char *strerror(int errnum)'),
    socket: lib.func('int socket(int domain, int type, int protocol)'),
    connect: lib.func('int connect(int fd, const void *addr, uint32_t len)'),
    shutdown: lib.func('int shutdown(int fd, int how)'),
  };
  return libc;
}

/** socket(2), connect(2) and shutdown(2), for conmon's SOCK_SEQPACKET attach socket (node:net cannot open one). */
export function socketCalls(): Pick<Libc, 'socket' | 'connect' | 'shutdown' | 'errno'> {
  return load();
}

function fail(what: string): never {
  const l = load();
  const e = l.errno();
  throw new TspodError('SYSCALL', `${what}: ${l.strerror(e)}`, { cause: Object.assign(new Error(String(e)), { errno: e }) });
}

export const MS_RDONLY = 1, MS_NOSUID = 2, MS_NODEV = 4, MS_NOEXEC = 8, MS_BIND = 4096, MS_REC = 16384, MS_PRIVATE = 1 << 18, MS_SLAVE = 1 << 19;
export const MNT_DETACH = 2;
export const LOCK_SH = 1, LOCK_EX = 2, LOCK_NB = 4, LOCK_UN = 8;
export const S_IFCHR = 0o020000, S_IFIFO = 0o010000, S_IFBLK = 0o060000;

export function mount(src: string, target: string, fstype: string | null, flags: number, data: string | null): void {
  if (load().mount(src, target, fstype, flags, data) !== 0) fail(`mount ${fstype ?? ''} on \`${target}\``);
}

export function umount(target: string, flags = 0): void {
  if (load().umount2(target, flags) !== 0) fail(`umount \`${target}\``);
}

/** Blocking flock on a worker thread, so the event loop keeps running. */
export async function flock(fd: number, op: number): Promise<void> {
  const r = await load().flockAsync(fd, op);
  if (r !== 0) fail('flock');
}

/** Non-blocking flock: true if taken, false if held elsewhere. */
export function tryFlock(fd: number, op: number): boolean {
  const l = load();
  if (l.flock(fd, op | LOCK_NB) === 0) return true;
  if (l.errno() === 11 /* EWOULDBLOCK */) return false;
  fail('flock');
}

export function lsetxattr(path: string, name: string, value: Buffer): void {
  if (load().lsetxattr(path, name, value, value.length, 0) !== 0) fail(`setxattr ${name} on \`${path}\``);
}

/** Returns undefined when the attribute is absent (ENODATA). */
export function lgetxattr(path: string, name: string): Buffer | undefined {
  const buf = Buffer.alloc(65536);
  const n = Number(load().lgetxattr(path, name, buf, buf.length));
  if (n < 0) {
    const e = load().errno();
    if (e === 61 /* ENODATA */ || e === 95 /* ENOTSUP */) return undefined;
    fail(`getxattr ${name} on \`${path}\``);
  }
  return buf.subarray(0, n);
}

/** makedev as glibc encodes it. */
export function makedev(major: number, minor: number): bigint {
  const ma = BigInt(major), mi = BigInt(minor);
  return ((ma & 0xfffn) << 8n) | ((ma & ~0xfffn) << 32n) | (mi & 0xffn) | ((mi & ~0xffn) << 12n);
}

export function mknod(path: string, mode: number, major = 0, minor = 0): void {
  if (load().mknod(path, mode, makedev(major, minor)) !== 0) fail(`mknod \`${path}\``);
}
