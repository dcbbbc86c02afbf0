// A minimal synchronous tar (ustar + PAX + GNU long names) reader and header writer.
// Why not tar-stream here: its PAX decoder turns every value into a UTF-8 string, which destroys binary
// xattr values (security.capability), and a push parser with synchronous callbacks lets the extractor
// write each file with plain synchronous calls (the fast path measured in NATIVE-FACTS.md).
import { TspodError } from '../errors.ts';

export type TarType = 'file' | 'link' | 'symlink' | 'char' | 'block' | 'directory' | 'fifo';

export interface TarHeader {
  name: string;
  type: TarType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** Seconds since the epoch, fractional when a PAX header gave more precision. */
  mtime: number;
  atime?: number;
  linkname: string;
  uname: string;
  gname: string;
  devmajor: number;
  devminor: number;
  /** SCHILY.xattr.* PAX records, values as raw bytes. */
  xattrs: Map<string, Buffer>;
}

export interface TarHandler {
  /** A new entry; its data (size bytes) follows through data(), then end(). */
  entry(h: TarHeader): void;
  data(chunk: Buffer): void;
  end(): void;
}

const BLOCK = 512;

function badTar(msg: string): never {
  throw new TspodError('INVALID_LAYER', `invalid tar archive: ${msg}`);
}

function str(b: Buffer, off: number, len: number): string {
  const f = b.subarray(off, off + len);
  const z = f.indexOf(0);
  return f.toString('utf8', 0, z === -1 ? len : z);
}

function num(b: Buffer, off: number, len: number): number {
  const f = b.subarray(off, off + len);
  if (f[0] & 0x80) {
    // base-256 (GNU) for values that do not fit in octal
    let v = f[0] & 0x7f;
    for (let i = 1; i < len; i++) v = v * 256 + f[i];
    return v;
  }
  const s = str(b, off, len).trim();
  if (s === '') return 0;
  const v = parseInt(s, 8);
  if (Number.isNaN(v)) badTar(`bad numeric field "${s}"`);
  return v;
}

function checksumOk(b: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : b[i];
  return sum === num(b, 148, 8);
}

const TYPES: Record<string, TarType> = {
  '0': 'file', '\0': 'file', '7': 'file', '1': 'link', '2': 'symlink', '3': 'char', '4': 'block', '5': 'directory', '6': 'fifo',
};

function parsePax(buf: Buffer, into: Map<string, Buffer>): void {
  let off = 0;
  while (off < buf.length) {
    const sp = buf.indexOf(0x20, off);
    if (sp === -1) break;
    const len = parseInt(buf.toString('ascii', off, sp), 10);
    if (!len || off + len > buf.length) badTar('bad PAX record');
    const rec = buf.subarray(sp + 1, off + len - 1); // without the trailing newline
    const eq = rec.indexOf(0x3d);
    if (eq === -1) badTar('bad PAX record');
    into.set(rec.toString('utf8', 0, eq), Buffer.from(rec.subarray(eq + 1)));
    off += len;
  }
}

/** Push parser: write() chunks as they arrive; finish() at the end of input checks the archive was complete. */
export class TarParser {
  private head = Buffer.alloc(BLOCK);
  private headLen = 0;
  private remaining = 0; // data bytes left in the current entry
  private padding = 0;
  private meta: Buffer[] | undefined; // collecting a PAX or GNU long-name body
  private metaType = '';
  private inEntry = false;
  private done = false;
  private pax = new Map<string, Buffer>();
  private globalPax = new Map<string, Buffer>();
  private longName: string | undefined;
  private longLink: string | undefined;

  constructor(private handler: TarHandler) {}

  write(chunk: Buffer): void {
    let off = 0;
    while (off < chunk.length && !this.done) {
      if (this.remaining > 0) {
        const n = Math.min(this.remaining, chunk.length - off);
        const part = chunk.subarray(off, off + n);
        if (this.meta) this.meta.push(Buffer.from(part));
        else this.handler.data(part);
        this.remaining -= n;
        off += n;
        if (this.remaining === 0) this.endData();
        continue;
      }
      if (this.padding > 0) {
        const n = Math.min(this.padding, chunk.length - off);
        this.padding -= n;
        off += n;
        continue;
      }
      const n = Math.min(BLOCK - this.headLen, chunk.length - off);
      chunk.copy(this.head, this.headLen, off, off + n);
      this.headLen += n;
      off += n;
      if (this.headLen === BLOCK) {
        this.headLen = 0;
        this.header(this.head);
      }
    }
  }

  finish(): void {
    if (!this.done && (this.inEntry || this.meta || this.remaining > 0 || this.headLen > 0)) badTar('unexpected end of archive');
  }

  private endData(): void {
    if (this.meta) {
      const body = Buffer.concat(this.meta);
      this.meta = undefined;
      if (this.metaType === 'x') parsePax(body, this.pax);
      else if (this.metaType === 'g') parsePax(body, this.globalPax);
      else if (this.metaType === 'L') this.longName = str(body, 0, body.length);
      else if (this.metaType === 'K') this.longLink = str(body, 0, body.length);
    } else {
      this.inEntry = false;
      this.handler.end();
    }
  }

  private header(b: Buffer): void {
    if (b.every((x) => x === 0)) {
      // end-of-archive marker; whatever follows (second zero block, compressor padding) is ignored
      this.done = true;
      return;
    }
    if (!checksumOk(b)) badTar('header checksum mismatch');
    const typeflag = String.fromCharCode(b[156]);
    const size = num(b, 124, 12);
    this.padding = (BLOCK - (size % BLOCK)) % BLOCK;
    if (typeflag === 'x' || typeflag === 'g' || typeflag === 'L' || typeflag === 'K') {
      if (size > 16 << 20) badTar('metadata entry too large');
      this.meta = [];
      this.metaType = typeflag;
      this.remaining = size;
      if (size === 0) this.endData();
      return;
    }
    const type = TYPES[typeflag];
    if (!type) {
      throw new TspodError('INVALID_LAYER', `unsupported tar entry type '${typeflag}' for "${str(b, 0, 100)}"`);
    }
    const pax = new Map([...this.globalPax, ...this.pax]);
    this.pax = new Map();
    let name = str(b, 0, 100);
    const magic = b.toString('ascii', 257, 263);
    if (magic === 'ustar\0') {
      const prefix = str(b, 345, 155);
      if (prefix) name = `${prefix}/${name}`;
    }
    if (this.longName !== undefined) name = this.longName;
    let linkname = str(b, 157, 100);
    if (this.longLink !== undefined) linkname = this.longLink;
    this.longName = this.longLink = undefined;
    const h: TarHeader = {
      name, type, linkname,
      mode: num(b, 100, 8) & 0o7777,
      uid: num(b, 108, 8),
      gid: num(b, 116, 8),
      size: type === 'file' ? size : 0,
      mtime: num(b, 136, 12),
      uname: str(b, 265, 32),
      gname: str(b, 297, 32),
      devmajor: num(b, 329, 8),
      devminor: num(b, 337, 8),
      xattrs: new Map(),
    };
    for (const [k, v] of pax) {
      const s = () => v.toString('utf8');
      if (k === 'path') h.name = s();
      else if (k === 'linkpath') h.linkname = s();
      else if (k === 'size' && type === 'file') h.size = Number(s());
      else if (k === 'uid') h.uid = Number(s());
      else if (k === 'gid') h.gid = Number(s());
      else if (k === 'mtime') h.mtime = Number(s());
      else if (k === 'atime') h.atime = Number(s());
      else if (k === 'uname') h.uname = s();
      else if (k === 'gname') h.gname = s();
      else if (k.startsWith('SCHILY.xattr.')) h.xattrs.set(k.slice('SCHILY.xattr.'.length), v);
    }
    if (type === 'file') this.padding = (BLOCK - (h.size % BLOCK)) % BLOCK;
    else this.padding = (BLOCK - (size % BLOCK)) % BLOCK; // bodies of other types are skipped
    this.inEntry = true;
    this.handler.entry(h);
    this.remaining = type === 'file' ? h.size : 0;
    if (type !== 'file' && size > 0) {
      // a link or device with a body: skip it as padding
      this.padding += size;
    }
    if (this.remaining === 0) {
      this.inEntry = false;
      this.handler.end();
    }
  }
}

// ---- writing ----

function octal(buf: Buffer, off: number, len: number, v: number): boolean {
  const s = Math.floor(v).toString(8);
  if (s.length > len - 1) return false;
  buf.write(s.padStart(len - 1, '0') + '\0', off, len, 'ascii');
  return true;
}

function paxRecord(key: string, value: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`), value, Buffer.from('\n')]);
  let len = body.length + 1;
  while (String(len).length + body.length !== len) len = String(len).length + body.length;
  return Buffer.concat([Buffer.from(String(len)), body]);
}

const TYPEFLAG: Record<TarType, string> = { file: '0', link: '1', symlink: '2', char: '3', block: '4', directory: '5', fifo: '6' };

function rawHeader(name: string, typeflag: string, h: Omit<TarHeader, 'name' | 'type' | 'xattrs'>): Buffer {
  const b = Buffer.alloc(BLOCK);
  b.write(name, 0, 100, 'utf8');
  octal(b, 100, 8, h.mode);
  octal(b, 108, 8, h.uid);
  octal(b, 116, 8, h.gid);
  octal(b, 124, 12, h.size);
  octal(b, 136, 12, h.mtime);
  b.write(typeflag, 156, 1, 'ascii');
  b.write(h.linkname, 157, 100, 'utf8');
  b.write('ustar\x0000', 257, 8, 'ascii');
  b.write(h.uname, 265, 32, 'utf8');
  b.write(h.gname, 297, 32, 'utf8');
  octal(b, 329, 8, h.devmajor);
  octal(b, 337, 8, h.devminor);
  b.fill(32, 148, 156);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += b[i];
  b.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'ascii');
  return b;
}

function pad(n: number): Buffer {
  return Buffer.alloc((BLOCK - (n % BLOCK)) % BLOCK);
}

/** Header block(s) for one entry: a PAX header first when a field does not fit ustar or xattrs are present. */
export function encodeHeader(h: TarHeader): Buffer {
  const records: Buffer[] = [];
  const nameBytes = Buffer.byteLength(h.name);
  if (nameBytes > 99 || /[^\x20-\x7e]/.test(h.name)) records.push(paxRecord('path', Buffer.from(h.name)));
  if (Buffer.byteLength(h.linkname) > 99 || /[^\x20-\x7e]/.test(h.linkname)) records.push(paxRecord('linkpath', Buffer.from(h.linkname)));
  if (h.size >= 8 ** 11) records.push(paxRecord('size', Buffer.from(String(h.size))));
  if (h.uid >= 8 ** 7) records.push(paxRecord('uid', Buffer.from(String(h.uid))));
  if (h.gid >= 8 ** 7) records.push(paxRecord('gid', Buffer.from(String(h.gid))));
  if (h.mtime !== Math.floor(h.mtime)) records.push(paxRecord('mtime', Buffer.from(h.mtime.toFixed(9).replace(/0+$/, ''))));
  for (const [k, v] of [...h.xattrs].sort(([a], [b]) => (a < b ? -1 : 1))) records.push(paxRecord(`SCHILY.xattr.${k}`, v));
  const fit = (v: number, max: number) => (v < max ? v : 0);
  const base = {
    ...h,
    uid: fit(h.uid, 8 ** 7), gid: fit(h.gid, 8 ** 7), size: fit(h.size, 8 ** 11),
    linkname: Buffer.byteLength(h.linkname) > 99 ? '' : h.linkname,
  };
  const main = rawHeader(nameBytes > 99 ? h.name.slice(0, 99) : h.name, TYPEFLAG[h.type], base);
  if (records.length === 0) return main;
  const body = Buffer.concat(records);
  const ph = rawHeader(`PaxHeaders/${h.name}`.slice(0, 99), 'x', { ...base, size: body.length, linkname: '', mode: 0o644 });
  return Buffer.concat([ph, body, pad(body.length), main]);
}

/** Padding after size bytes of file data. */
export function dataPadding(size: number): Buffer {
  return pad(size);
}

/** The end-of-archive marker: two zero blocks. */
export function endOfArchive(): Buffer {
  return Buffer.alloc(2 * BLOCK);
}
