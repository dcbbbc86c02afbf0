// Tar generation from a layer directory in overlay "diff" form (a container's upper dir), the reverse of
// extract.ts: char 0:0 devices become ".wh.NAME" entries and opaque directories get a ".wh..wh..opq" entry.
// Entries are sorted by name so the same tree always gives the same tar (and diffID).
import { closeSync, lstatSync, openSync, readSync, readdirSync, readlinkSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { isRootless } from '../rootless/index.ts';
import { lgetxattr } from '../native/libc.ts';
import { opaqueXattr } from './extract.ts';
import { dataPadding, encodeHeader, endOfArchive, type TarHeader, type TarType } from './tar.ts';

export interface DiffOptions {
  /** Which opaque xattr to look for (user.* rootless, trusted.* rootful). Default isRootless(). */
  rootless?: boolean;
  /** The owners to write for the owners on disk (a container with a user namespace of its own: its ids). */
  idMap?: (uid: number, gid: number) => [number, number];
}

const S_IFMT = 0o170000, S_IFCHR = 0o020000, S_IFBLK = 0o060000;

function major(rdev: number): number {
  return Number(((BigInt(rdev) >> 8n) & 0xfffn) | ((BigInt(rdev) >> 32n) & ~0xfffn));
}
function minor(rdev: number): number {
  return Number((BigInt(rdev) & 0xffn) | ((BigInt(rdev) >> 12n) & ~0xffn));
}

function isWhiteout(st: Stats): boolean {
  return (st.mode & S_IFMT) === S_IFCHR && st.rdev === 0;
}

function header(name: string, type: TarType, st: Stats, extra: Partial<TarHeader> = {}): TarHeader {
  return {
    name, type, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, size: 0, mtime: Math.floor(st.mtimeMs / 1000),
    linkname: '', uname: '', gname: '', devmajor: 0, devminor: 0, xattrs: new Map(), ...extra,
  };
}

function capability(path: string): Map<string, Buffer> {
  const m = new Map<string, Buffer>();
  const cap = lgetxattr(path, 'security.capability');
  if (cap) m.set('security.capability', cap);
  return m;
}

/** The layer directory as an uncompressed tar stream. */
export function layerTar(dir: string, opts: DiffOptions = {}): Readable {
  return Readable.from(generateTar(dir, opts), { objectMode: false });
}

export async function* generateTar(dir: string, opts: DiffOptions = {}): AsyncGenerator<Buffer> {
  const opaque = opaqueXattr(opts.rootless ?? isRootless());
  const seen = new Map<string, string>(); // "dev:ino" -> first path, for hardlinks
  const rootSt = lstatSync(dir);
  if (lgetxattr(dir, opaque)?.toString() === 'y') yield encodeHeader(header('.wh..wh..opq', 'file', rootSt, { mode: 0 }));

  async function* walk(rel: string): AsyncGenerator<Buffer> {
    const abs = rel === '' ? dir : join(dir, rel);
    for (const name of readdirSync(abs).sort()) {
      const r = rel === '' ? name : `${rel}/${name}`;
      const p = join(dir, r);
      const st = lstatSync(p);
      if (opts.idMap) [st.uid, st.gid] = opts.idMap(st.uid, st.gid);
      if (st.isDirectory()) {
        yield encodeHeader(header(`${r}/`, 'directory', st, { xattrs: capability(p) }));
        if (lgetxattr(p, opaque)?.toString() === 'y') yield encodeHeader(header(`${r}/.wh..wh..opq`, 'file', st, { mode: 0 }));
        yield* walk(r);
      } else if (isWhiteout(st)) {
        yield encodeHeader(header(rel === '' ? `.wh.${name}` : `${rel}/.wh.${name}`, 'file', st, { mode: 0 }));
      } else if (st.isSymbolicLink()) {
        yield encodeHeader(header(r, 'symlink', st, { linkname: readlinkSync(p) }));
      } else if (st.isFile()) {
        const key = `${st.dev}:${st.ino}`;
        const first = st.nlink > 1 ? seen.get(key) : undefined;
        if (first !== undefined) {
          yield encodeHeader(header(r, 'link', st, { linkname: first }));
          continue;
        }
        if (st.nlink > 1) seen.set(key, r);
        yield encodeHeader(header(r, 'file', st, { size: st.size, xattrs: capability(p) }));
        const fd = openSync(p, 'r');
        try {
          let left = st.size;
          while (left > 0) {
            const buf = Buffer.allocUnsafe(Math.min(left, 1 << 20));
            const n = readSync(fd, buf, 0, buf.length, null);
            if (n === 0) throw new Error(`file \`${p}\` shrank while being read`);
            left -= n;
            yield buf.subarray(0, n);
          }
        } finally {
          closeSync(fd);
        }
        yield dataPadding(st.size);
      } else if ((st.mode & S_IFMT) === S_IFCHR || (st.mode & S_IFMT) === S_IFBLK) {
        const type = (st.mode & S_IFMT) === S_IFCHR ? 'char' : 'block';
        yield encodeHeader(header(r, type, st, { devmajor: major(st.rdev), devminor: minor(st.rdev) }));
      } else if (st.isFIFO()) {
        yield encodeHeader(header(r, 'fifo', st));
      }
      // sockets are not archived (as tar does)
    }
  }
  yield* walk('');
  yield endOfArchive();
}
