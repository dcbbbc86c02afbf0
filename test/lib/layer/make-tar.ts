// Builds small tar archives in memory for layer tests (uses lib/layer/tar.ts's writer).
import { encodeHeader, dataPadding, endOfArchive, type TarHeader, type TarType } from '../../../lib/layer/tar.ts';

export interface TestEntry {
  name: string;
  type?: TarType;
  content?: string | Buffer;
  linkname?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: number;
  devmajor?: number;
  devminor?: number;
  xattrs?: Record<string, Buffer | string>;
}

export function makeTar(entries: TestEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const body = e.content === undefined ? Buffer.alloc(0) : Buffer.from(e.content);
    const type = e.type ?? 'file';
    const h: TarHeader = {
      name: e.name, type, mode: e.mode ?? (type === 'directory' ? 0o755 : 0o644), uid: e.uid ?? 0, gid: e.gid ?? 0,
      size: type === 'file' ? body.length : 0, mtime: e.mtime ?? 1_600_000_000, linkname: e.linkname ?? '', uname: '', gname: '',
      devmajor: e.devmajor ?? 0, devminor: e.devminor ?? 0,
      xattrs: new Map(Object.entries(e.xattrs ?? {}).map(([k, v]) => [k, Buffer.from(v)])),
    };
    parts.push(encodeHeader(h));
    if (type === 'file') parts.push(body, dataPadding(body.length));
  }
  parts.push(endOfArchive());
  return Buffer.concat(parts);
}
