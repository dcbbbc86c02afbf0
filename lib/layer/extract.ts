// Streaming layer extraction into a directory in overlay "diff" form.
// The compressed bytes are hashed as they are read (the digest is checked at the end: on a mismatch the
// caller discards the directory, nothing is committed), decompressed (gzip, zstd or none, detected from the
// magic bytes), hashed again for the diffID, parsed as tar and written with synchronous calls.
// Safety: nothing is ever written outside dest. Entry names with ".." are refused, absolute names are made
// relative, every parent directory is checked with lstat (a symlink as parent is refused) and hardlink
// targets must be inside the tree.
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import {
  closeSync, constants, fchmodSync, fchownSync, linkSync, lchownSync, lstatSync, lutimesSync, mkdirSync, openSync,
  rmSync, symlinkSync, chmodSync, writeSync, type Stats,
} from 'node:fs';
import { join } from 'node:path';
import { Duplex, Readable, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { TspodError } from '../errors.ts';
import { isRootless, inUserNamespace } from '../rootless/index.ts';
import { S_IFBLK, S_IFCHR, S_IFIFO, lsetxattr, mknod } from '../native/libc.ts';
import { TarParser, type TarHeader } from './tar.ts';

export type LayerCompression = 'gzip' | 'zstd' | 'none';

export interface ExtractOptions {
  /** Digest the input bytes must hash to ("sha256:..."); checked after the last byte. */
  expectedDigest?: string;
  /** diffID the uncompressed tar must hash to. */
  expectedDiffID?: string;
  /** Rootless: opaque dirs get user.overlay.opaque, trusted.* xattrs and device nodes are skipped. Default isRootless(). */
  rootless?: boolean;
  /** Ignore EPERM from lchown (rootless without a user namespace). Default: rootless and not in tspod's userns. */
  ignoreChownErrors?: boolean;
  /** Also write the input bytes, unchanged, to this file (the store keeps the compressed blob). */
  blobFile?: string;
  /** Description of the layer for error messages. */
  what?: string;
}

export interface ExtractResult {
  /** sha256 of the input bytes. */
  digest: string;
  /** sha256 of the uncompressed tar. */
  diffID: string;
  size: number;
  uncompressedSize: number;
  compression: LayerCompression;
}

export function opaqueXattr(rootless: boolean): string {
  return rootless ? 'user.overlay.opaque' : 'trusted.overlay.opaque';
}

export function detectCompression(head: Buffer): LayerCompression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  return 'none';
}

function escape(what: string, entry: string, why: string): never {
  throw new TspodError('LAYER_ESCAPE', `${what}: refusing entry "${entry}": ${why}`);
}

/** "a/./b//c" -> "a/b/c", "/etc/x" -> "etc/x"; ".." anywhere is refused. '' is the layer root. */
export function cleanEntryPath(name: string, what = 'extracting layer'): string {
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) escape(what, name, 'path contains ".." and would point outside the layer directory');
  return parts.join('/');
}

function zstdStream(): Duplex {
  try {
    const require = createRequire(import.meta.url);
    const { DecompressStream } = require('zstd-napi');
    return new DecompressStream();
  } catch {
    // the zstd command as a fallback when the native module is unavailable
    const child = spawn('zstd', ['-dc'], { stdio: ['pipe', 'pipe', 'inherit'] });
    const d = Duplex.from({ writable: child.stdin, readable: child.stdout });
    child.on('close', (code) => { if (code) d.destroy(new Error(`zstd -dc exited with status ${code}`)); });
    child.on('error', (e) => d.destroy(e));
    return d;
  }
}

/** Extract one layer from input into dest (created if missing; should be empty). */
export async function extractLayer(input: Readable, dest: string, opts: ExtractOptions = {}): Promise<ExtractResult> {
  const what = opts.what ?? 'extracting layer';
  const rootless = opts.rootless ?? isRootless();
  const ignoreChown = opts.ignoreChownErrors ?? (rootless && !inUserNamespace());
  mkdirSync(dest, { recursive: true });
  const hash = createHash('sha256');
  const diffHash = createHash('sha256');
  let size = 0, usize = 0;
  const blobFd = opts.blobFile ? openSync(opts.blobFile, 'w', 0o644) : undefined;
  const writer = new TreeWriter(dest, rootless, ignoreChown, what);
  const parser = new TarParser(writer);
  let compression: LayerCompression = 'none';
  try {
    const iter = input[Symbol.asyncIterator]();
    let first = await iter.next();
    while (!first.done && first.value.length < 4) {
      // a tiny first chunk: join with the next one for magic detection
      const more = await iter.next();
      if (more.done) break;
      first = { done: false, value: Buffer.concat([first.value, more.value]) };
    }
    const head: Buffer = first.done ? Buffer.alloc(0) : first.value;
    compression = detectCompression(head);
    async function* compressed(): AsyncGenerator<Buffer> {
      let chunk: IteratorResult<Buffer> = first;
      while (!chunk.done) {
        const c: Buffer = chunk.value;
        hash.update(c);
        size += c.length;
        if (blobFd !== undefined) writeSync(blobFd, c);
        yield c;
        chunk = await iter.next();
      }
    }
    let tarStream: AsyncIterable<Buffer>;
    if (compression === 'none') tarStream = compressed();
    else {
      const dec = compression === 'gzip' ? createGunzip({ chunkSize: 256 * 1024 }) : zstdStream();
      tarStream = pipeline(Readable.from(compressed(), { objectMode: false }), dec as any, () => {}) as unknown as AsyncIterable<Buffer>;
    }
    for await (const c of tarStream) {
      if (compression !== 'none') diffHash.update(c); // uncompressed: the diffID is the digest, hash once
      usize += c.length;
      parser.write(c);
    }
    parser.finish();
    writer.finishDirs();
  } catch (err) {
    writer.abort();
    input.destroy();
    if (err instanceof TspodError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC') throw new TspodError('DISK_FULL', `${what}: no space left on device`, { cause: err });
    throw new TspodError('INVALID_LAYER', `${what}: ${(err as Error).message}`, { cause: err });
  } finally {
    if (blobFd !== undefined) closeSync(blobFd);
  }
  const digest = 'sha256:' + hash.digest('hex');
  const diffID = compression === 'none' ? digest : 'sha256:' + diffHash.digest('hex');
  if (opts.expectedDigest && opts.expectedDigest !== digest) {
    throw new TspodError('DIGEST_MISMATCH', `${what}: digest mismatch: expected ${opts.expectedDigest}, got ${digest}`);
  }
  if (opts.expectedDiffID && opts.expectedDiffID !== diffID) {
    throw new TspodError('DIGEST_MISMATCH', `${what}: diffID mismatch: expected ${opts.expectedDiffID}, got ${diffID}`);
  }
  return { digest, diffID, size, uncompressedSize: usize, compression };
}

function errnoOf(err: unknown): number | undefined {
  const c = (err as any)?.cause;
  return typeof c?.errno === 'number' ? c.errno : undefined;
}

const EPERM = 1, EINVAL = 22, ENOTSUP = 95;

/** Writes tar entries under root with synchronous calls. */
class TreeWriter {
  /** Relative directories known to be real directories inside the tree. */
  private dirs = new Set<string>(['']);
  private dirMeta = new Map<string, TarHeader>();
  private fd: number | undefined;
  private cur: { path: string; h: TarHeader } | undefined;

  constructor(private root: string, private rootless: boolean, private ignoreChown: boolean, private what: string) {}

  entry(h: TarHeader): void {
    const rel = cleanEntryPath(h.name, this.what);
    const slash = rel.lastIndexOf('/');
    const parent = slash === -1 ? '' : rel.slice(0, slash);
    const base = slash === -1 ? rel : rel.slice(slash + 1);
    if (base.startsWith('.wh.')) return this.whiteout(h.name, parent, base);
    if (rel === '') {
      if (h.type === 'directory') this.dirMeta.set('', h);
      return;
    }
    this.ensureDir(parent, h.name);
    const path = join(this.root, rel);
    const existing = lstatOrUndefined(path);
    if (existing && !(existing.isDirectory() && h.type === 'directory')) this.remove(rel, existing);
    switch (h.type) {
      case 'directory':
        if (!existing?.isDirectory()) mkdirSync(path, 0o700);
        this.dirs.add(rel);
        this.chown(path, h);
        this.dirMeta.set(rel, h);
        return;
      case 'file':
        this.fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
        this.cur = { path, h };
        return;
      case 'symlink':
        symlinkSync(h.linkname, path);
        this.chown(path, h);
        this.xattrs(path, h);
        this.times(path, h);
        return;
      case 'link': {
        const target = cleanEntryPath(h.linkname, this.what);
        if (target === '') escape(this.what, h.name, 'hardlink to the layer root');
        const st = this.checkInside(target, h.name);
        if (st.isDirectory()) escape(this.what, h.name, `hardlink to directory "${h.linkname}"`);
        if (target !== rel) linkSync(join(this.root, target), path);
        return;
      }
      case 'char':
      case 'block':
        // device nodes cannot be created in a user namespace (containers/storage skips them as well)
        if (this.rootless) return;
        mknod(path, (h.type === 'char' ? S_IFCHR : S_IFBLK) | h.mode, h.devmajor, h.devminor);
        this.meta(path, h);
        return;
      case 'fifo':
        mknod(path, S_IFIFO | h.mode);
        this.meta(path, h);
        return;
    }
  }

  data(chunk: Buffer): void {
    if (this.fd !== undefined) writeSync(this.fd, chunk);
  }

  end(): void {
    if (this.fd === undefined || !this.cur) return;
    const { path, h } = this.cur;
    try {
      try {
        fchownSync(this.fd, h.uid, h.gid);
      } catch (err) {
        if (!this.ignoreChown) throw this.chownError(err, h);
      }
      fchmodSync(this.fd, h.mode);
    } finally {
      closeSync(this.fd);
      this.fd = undefined;
      this.cur = undefined;
    }
    this.xattrs(path, h);
    this.times(path, h);
  }

  /** Directory modes and times last: adding children changes a directory's mtime. */
  finishDirs(): void {
    const entries = [...this.dirMeta].sort(([a], [b]) => b.length - a.length);
    for (const [rel, h] of entries) {
      const path = rel === '' ? this.root : join(this.root, rel);
      if (!lstatOrUndefined(path)?.isDirectory()) continue;
      if (rel === '') this.chown(path, h);
      chmodSync(path, h.mode);
      this.xattrs(path, h);
      this.times(path, h);
    }
  }

  abort(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private whiteout(name: string, parent: string, base: string): void {
    this.ensureDir(parent, name);
    if (base === '.wh..wh..opq') {
      lsetxattr(parent === '' ? this.root : join(this.root, parent), opaqueXattr(this.rootless), Buffer.from('y'));
      return;
    }
    if (base.startsWith('.wh..wh.')) return; // aufs metadata (.wh..wh.plnk, .wh..wh.aufs)
    const target = base.slice(4);
    if (target === '' || target === '.' || target === '..') escape(this.what, name, 'invalid whiteout name');
    const rel = parent === '' ? target : `${parent}/${target}`;
    const path = join(this.root, rel);
    const existing = lstatOrUndefined(path);
    if (existing) this.remove(rel, existing);
    mknod(path, S_IFCHR, 0, 0);
  }

  /** Make rel a real directory inside the tree, creating missing components; a symlink on the way is refused. */
  private ensureDir(rel: string, entry: string): void {
    if (this.dirs.has(rel)) return;
    let acc = '';
    for (const comp of rel.split('/')) {
      acc = acc ? `${acc}/${comp}` : comp;
      if (this.dirs.has(acc)) continue;
      const path = join(this.root, acc);
      const st = lstatOrUndefined(path);
      if (!st) mkdirSync(path, 0o755);
      else if (st.isSymbolicLink()) escape(this.what, entry, `parent "${acc}" is a symbolic link`);
      else if (!st.isDirectory()) escape(this.what, entry, `parent "${acc}" is not a directory`);
      this.dirs.add(acc);
    }
  }

  /** lstat every component of a path that must already exist inside the tree (hardlink targets). */
  private checkInside(rel: string, entry: string): Stats {
    const comps = rel.split('/');
    let acc = '';
    for (let i = 0; i < comps.length; i++) {
      acc = acc ? `${acc}/${comps[i]}` : comps[i];
      const st = lstatOrUndefined(join(this.root, acc));
      if (!st) escape(this.what, entry, `hardlink target "${rel}" does not exist in the layer`);
      if (i === comps.length - 1) return st;
      if (st.isSymbolicLink()) escape(this.what, entry, `hardlink target "${rel}" goes through symbolic link "${acc}"`);
      if (!st.isDirectory()) escape(this.what, entry, `hardlink target "${rel}": "${acc}" is not a directory`);
    }
    throw new Error('unreachable');
  }

  private remove(rel: string, st: Stats): void {
    rmSync(join(this.root, rel), { recursive: st.isDirectory(), force: true });
    if (st.isDirectory()) {
      // forget everything cached below it
      for (const d of this.dirs) if (d === rel || d.startsWith(rel + '/')) this.dirs.delete(d);
      for (const d of this.dirMeta.keys()) if (d === rel || d.startsWith(rel + '/')) this.dirMeta.delete(d);
    }
  }

  private meta(path: string, h: TarHeader): void {
    this.chown(path, h);
    chmodSync(path, h.mode);
    this.xattrs(path, h);
    this.times(path, h);
  }

  private chown(path: string, h: TarHeader): void {
    try {
      lchownSync(path, h.uid, h.gid);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (!(this.ignoreChown && (code === 'EPERM' || code === 'EINVAL'))) throw this.chownError(err, h);
    }
  }

  private chownError(err: unknown, h: TarHeader): unknown {
    if ((err as NodeJS.ErrnoException).code !== 'EINVAL') return err;
    return new TspodError('INSUFFICIENT_IDS',
      `${this.what}: entry "${h.name}": cannot set owner ${h.uid}:${h.gid}: potentially insufficient UIDs or GIDs available in user namespace`,
      { hint: 'Check the ranges for your user in /etc/subuid and /etc/subgid (at least 65536 ids each).', cause: err });
  }

  private xattrs(path: string, h: TarHeader): void {
    for (const [name, value] of h.xattrs) {
      // overlay's own attributes from a tar could redirect lookups: never take them from a layer
      if (name.startsWith('trusted.overlay.') || name.startsWith('user.overlay.')) continue;
      if (this.rootless && name.startsWith('trusted.')) continue;
      try {
        lsetxattr(path, name, value);
      } catch (err) {
        const e = errnoOf(err);
        if (e === ENOTSUP) continue;
        // security.capability in a user namespace needs a mapped root; skip as containers/storage does
        if (this.rootless && (e === EPERM || e === EINVAL)) continue;
        throw err;
      }
    }
  }

  private times(path: string, h: TarHeader): void {
    lutimesSync(path, h.atime ?? h.mtime, h.mtime);
  }
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
