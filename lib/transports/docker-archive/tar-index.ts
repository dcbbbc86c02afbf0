// Random access to a tar file: one pass over the headers (seeking past contents) gives each entry's
// offset and size, so blobs are streamed straight out of the archive without extracting it.
// Used by docker-archive: and oci-archive: sources. A compressed archive is decompressed to a temp
// file first (podman load accepts gzip/zstd compressed archives).
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { TspodError } from '../../errors.ts';
import { decompressor, detectCompression } from '../../copy/blob.ts';

export interface TarEntry {
  name: string;
  offset: number;
  size: number;
  type: string; // '0' file, '2' symlink, '1' hardlink, '5' dir
  linkname: string;
}

function cstr(b: Buffer, start: number, len: number): string {
  const s = b.subarray(start, start + len);
  const z = s.indexOf(0);
  return s.subarray(0, z < 0 ? s.length : z).toString('utf8');
}

function octal(b: Buffer, start: number, len: number): number {
  if (b[start] & 0x80) {
    // base-256 (GNU) for sizes >= 8 GiB
    let v = 0;
    for (let i = start + 1; i < start + len; i++) v = v * 256 + b[i];
    return v;
  }
  const s = cstr(b, start, len).trim();
  return s ? parseInt(s, 8) : 0;
}

function parsePax(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < data.length) {
    const sp = data.indexOf(0x20, i);
    if (sp < 0) break;
    const len = parseInt(data.subarray(i, sp).toString(), 10);
    if (!len) break;
    const rec = data.subarray(sp + 1, i + len - 1).toString('utf8');
    const eq = rec.indexOf('=');
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    i += len;
  }
  return out;
}

function clean(name: string): string {
  const n = posix.normalize(name.replace(/^\.\//, '')).replace(/\/$/, '');
  return n === '.' ? '' : n;
}

export class TarIndex {
  private constructor(readonly path: string, readonly entries: Map<string, TarEntry>, private readonly cleanup?: () => Promise<void>) {}

  /** Index the tar at `path` (decompressing it to a temp file first if it is compressed). */
  static async open(path: string, tmpDir?: string): Promise<TarIndex> {
    let fh: FileHandle;
    try {
      fh = await open(path, 'r');
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'ENOENT') throw new TspodError('NO_SUCH_FILE', `opening ${path}: no such file or directory`);
      throw err;
    }
    let cleanup: (() => Promise<void>) | undefined;
    try {
      const head = Buffer.alloc(8);
      await fh.read(head, 0, 8, 0);
      const c = detectCompression(head);
      if (c !== 'none') {
        await fh.close();
        const dir = await mkdtemp(join(tmpDir ?? tmpdir(), 'tspod-archive-'));
        cleanup = () => rm(dir, { recursive: true, force: true });
        const plain = join(dir, 'archive.tar');
        await pipeline(createReadStream(path), decompressor(c), createWriteStream(plain));
        path = plain;
        fh = await open(path, 'r');
      }
      const entries = await indexEntries(fh, path);
      return new TarIndex(path, entries, cleanup);
    } catch (err) {
      await cleanup?.();
      throw err;
    } finally {
      await fh.close().catch(() => {});
    }
  }

  /** Follow symlinks (relative to the entry's directory) to a regular file entry. */
  resolve(name: string): TarEntry | undefined {
    let n = clean(name);
    for (let hops = 0; hops < 16; hops++) {
      const e = this.entries.get(n);
      if (!e) return undefined;
      if (e.type === '2') n = clean(posix.join(posix.dirname(n), e.linkname));
      else if (e.type === '1') n = clean(e.linkname);
      else return e;
    }
    return undefined;
  }

  async readFile(name: string): Promise<Buffer | undefined> {
    const e = this.resolve(name);
    if (!e) return undefined;
    const fh = await open(this.path, 'r');
    try {
      const b = Buffer.alloc(e.size);
      await fh.read(b, 0, e.size, e.offset);
      return b;
    } finally {
      await fh.close();
    }
  }

  openFile(name: string, offset = 0): { stream: Readable; size: number } | undefined {
    const e = this.resolve(name);
    if (!e) return undefined;
    if (e.size === 0) {
      return { stream: createReadStream(this.path, { start: 1, end: 0 }), size: 0 };
    }
    return { stream: createReadStream(this.path, { start: e.offset + offset, end: e.offset + e.size - 1, highWaterMark: 1 << 20 }), size: e.size };
  }

  async close(): Promise<void> {
    await this.cleanup?.();
  }
}

async function indexEntries(fh: FileHandle, path: string): Promise<Map<string, TarEntry>> {
  const entries = new Map<string, TarEntry>();
  const hdr = Buffer.alloc(512);
  let pos = 0;
  let longName: string | undefined;
  let longLink: string | undefined;
  let pax: Record<string, string> = {};
  for (;;) {
    const { bytesRead } = await fh.read(hdr, 0, 512, pos);
    if (bytesRead < 512) break;
    if (hdr.every((b) => b === 0)) break;
    const magic = cstr(hdr, 257, 6);
    let name = cstr(hdr, 0, 100);
    if (magic.startsWith('ustar')) {
      const prefix = cstr(hdr, 345, 155);
      if (prefix) name = `${prefix}/${name}`;
    }
    let size = octal(hdr, 124, 12);
    const type = String.fromCharCode(hdr[156] || 0x30);
    const linkname = cstr(hdr, 157, 100);
    const dataStart = pos + 512;
    if (pax.size) size = Number(pax.size);
    const next = dataStart + Math.ceil(size / 512) * 512;
    if (type === 'L' || type === 'K' || type === 'x' || type === 'g') {
      const data = Buffer.alloc(size);
      await fh.read(data, 0, size, dataStart);
      if (type === 'L') longName = cstr(data, 0, size);
      else if (type === 'K') longLink = cstr(data, 0, size);
      else if (type === 'x') pax = parsePax(data);
      pos = next;
      continue;
    }
    const entry: TarEntry = {
      name: clean(pax.path ?? longName ?? name),
      offset: dataStart,
      size: type === '0' || type === '\0' || type === '7' ? size : 0,
      type: type === '\0' || type === '7' ? '0' : type,
      linkname: pax.linkpath ?? longLink ?? linkname,
    };
    entries.set(entry.name, entry);
    longName = longLink = undefined;
    pax = {};
    pos = next;
  }
  if (entries.size === 0) throw new TspodError('INVALID_ARCHIVE', `${path}: not a tar archive or empty`);
  return entries;
}
