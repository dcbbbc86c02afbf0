// The container rootfs: kernel overlayfs over the image's layer directories (top first) plus a
// per-container upper and work dir; fuse-overlayfs where the kernel refuses, or always when
// storage.conf names it as mount_program. Lower dirs are named by
// short symlinks (the containers/storage "l/" idea) and the mount is made from inside that link dir,
// so long layer chains fit in the one page of mount options.
// Mounts are made with mount(2) in this process: Node was exec'd inside the right mount namespace by
// the launcher, and never switches namespaces itself.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readlinkSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { TspodError, errorMessage } from '../errors.ts';
import { MNT_DETACH, MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_RDONLY, mount, umount } from '../native/libc.ts';

export interface OverlayLayout {
  /** Layer directories, top (newest) first. */
  lowerDirs: string[];
  upper: string;
  work: string;
  merged: string;
  /** Directory for the short lower-dir links. */
  linkDir: string;
  rootless: boolean;
  /** storage.conf's mount_program (fuse-overlayfs): used instead of kernel overlay, as containers/storage does. */
  mountProgram?: string;
  /** storage.conf's mountopt (e.g. "nodev,metacopy=on"), added to the mount's options. */
  mountOpt?: string;
  /**
   * Kernel overlay's `volatile`: no syncs of the upper dir, so no flush at unmount (podman mounts
   * `run --rm` containers so; their upper dir is thrown away anyway). Dropped where the kernel lacks it.
   */
  volatile?: boolean;
}

/**
 * A stable short name for a layer dir, as a symlink in linkDir. The name is recorded in a `link` file
 * beside the layer dir (containers/storage keeps one so too), so that later mounts need no hashing:
 * node:crypto alone costs ~2.5 ms to load.
 */
export function shortLink(linkDir: string, target: string): string {
  const nameFile = join(dirname(target), 'link');
  let name: string | undefined;
  try {
    name = readFileSync(nameFile, 'utf8');
    if (/^[0-9a-f]{20}$/.test(name) && readlinkSync(join(linkDir, name)) === target) return name;
  } catch { /* no record yet, or its link is gone: made below */ }
  const { createHash } = process.getBuiltinModule('node:crypto') as typeof import('node:crypto');
  name = createHash('sha256').update(target).digest('hex').slice(0, 20);
  const link = join(linkDir, name);
  let linked = false;
  try { linked = readlinkSync(link) === target; } catch { /* create it */ }
  if (!linked) {
    mkdirSync(linkDir, { recursive: true });
    const tmp = `${link}.${process.pid}`;
    symlinkSync(target, tmp);
    renameSync(tmp, link);
  }
  try { writeFileAtomic(nameFile, name); } catch { /* a read-only layer store: hashed each time */ }
  return name;
}

function writeFileAtomic(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

export function isMounted(path: string): boolean {
  const mountinfo = readFileSync('/proc/self/mountinfo', 'utf8');
  const esc = path.replace(/[ \t\n\\]/g, (c) => '\\' + c.charCodeAt(0).toString(8).padStart(3, '0'));
  return mountinfo.split('\n').some((l) => l.split(' ')[4] === esc);
}

// mountopt words that are mount(2) flags, not overlay options (containers/storage parses them so too)
const FLAG_WORDS: Record<string, number> = { ro: MS_RDONLY, nosuid: MS_NOSUID, nodev: MS_NODEV, noexec: MS_NOEXEC, noatime: 1024, nodiratime: 2048 };

/** Kernel overlay: its data string and the flags from mountopt; fuse-overlayfs takes all as -o. */
function options(lower: string, o: OverlayLayout, fuse: boolean): { data: string; flags: number } {
  const words = [`lowerdir=${lower}`, `upperdir=${o.upper}`, `workdir=${o.work}`];
  if (o.rootless && !fuse) words.push('userxattr');
  let flags = 0;
  for (const w of (o.mountOpt ?? '').split(',').filter(Boolean)) {
    if (!fuse && Object.hasOwn(FLAG_WORDS, w)) flags |= FLAG_WORDS[w];
    else words.push(w);
  }
  return { data: words.join(','), flags };
}

/** Mount the rootfs at o.merged (idempotent). */
export async function mountOverlay(o: OverlayLayout): Promise<void> {
  for (const d of [o.upper, o.work, o.merged]) mkdirSync(d, { recursive: true });
  if (isMounted(o.merged)) return;
  if (o.lowerDirs.length === 0) throw new TspodError('OVERLAY', 'mounting rootfs: the image has no layers');
  if (o.mountProgram) {
    if (!existsSync(o.mountProgram)) throw new TspodError('NO_MOUNT_PROGRAM', `overlay: can't stat program "${o.mountProgram}": no such file or directory`);
    return mountFuse(o.mountProgram, o);
  }
  const lower = o.lowerDirs.map((d) => shortLink(o.linkDir, d)).join(':');
  const cwd = process.cwd();
  let kernelError: unknown;
  // a volatile mount leaves this dir behind, and overlay refuses to mount over it again
  if (o.volatile) rmSync(join(o.work, 'incompat'), { recursive: true, force: true });
  try {
    process.chdir(o.linkDir); // relative lowerdir entries resolve against the caller's cwd
    const { data, flags } = options(lower, o, false);
    try {
      mount('overlay', o.merged, 'overlay', flags, o.volatile ? `${data},volatile` : data);
    } catch (err) {
      if (!o.volatile) throw err;
      mount('overlay', o.merged, 'overlay', flags, data); // a kernel before 5.10
    }
    return;
  } catch (err) {
    kernelError = err;
  } finally {
    process.chdir(cwd);
  }
  const fuse = ['/usr/bin/fuse-overlayfs', '/usr/local/bin/fuse-overlayfs'].find((p) => existsSync(p));
  if (!fuse || !existsSync('/dev/fuse')) throw new TspodError('OVERLAY', `mounting rootfs with overlay: ${errorMessage(kernelError)}`);
  await mountFuse(fuse, o, `kernel overlay: ${errorMessage(kernelError)}; `);
}

/** Mount with fuse-overlayfs (or another mount_program taking its options). */
function mountFuse(program: string, o: OverlayLayout, before = ''): Promise<void> {
  const absLower = o.lowerDirs.map((d) => join(o.linkDir, shortLink(o.linkDir, d))).join(':');
  return new Promise<void>((resolve, reject) => {
    execFile(program, ['-o', options(absLower, o, true).data, o.merged], (err, _out, stderr) => {
      if (err) reject(new TspodError('OVERLAY', `mounting rootfs: ${before}${program.split('/').pop()}: ${String(stderr).trim() || err.message}`));
      else resolve();
    });
  });
}

export function unmountOverlay(merged: string): void {
  if (!isMounted(merged)) return;
  try {
    umount(merged);
  } catch {
    umount(merged, MNT_DETACH);
  }
}
