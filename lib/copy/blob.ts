// The blob stream pieces of a copy: the one place digests are verified, and compression changes.
import { createHash } from 'node:crypto';
import { Duplex, PassThrough, Transform, type Readable } from 'node:stream';
import { createRequire } from 'node:module';
import { TspodError } from '../errors.ts';
import type { Compression } from '../oci/media-types.ts';

export class DigestMismatchError extends TspodError {
  /** `duringRead`: found at the end of a blob stream, worded as containers/image does for it. */
  constructor(expected: string, actual: string, duringRead = false) {
    super('DIGEST_MISMATCH', duringRead
      ? `happened during read: Digest did not match, expected ${expected}, got ${actual}`
      : `digest mismatch: expected ${expected}, got ${actual}`);
  }
}

/**
 * Pass bytes through while computing sha256 and size; at the end, error instead of ending when
 * they differ from the expected values, so a destination reading it discards what it received.
 * Without expectations it only measures (result() after the end).
 */
export class DigestingStream extends Transform {
  private readonly hash = createHash('sha256');
  private n = 0;
  private digest?: string;
  private failure?: Error;
  /** Called with each chunk's length (progress display); no 'data' listener, so no flowing-mode change. */
  onChunk?: (bytes: number) => void;
  constructor(private readonly expected?: { digest?: string; size?: number }, private readonly offset = 0) {
    super({ highWaterMark: 1 << 20 });
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null, data?: Buffer) => void): void {
    this.hash.update(chunk);
    this.n += chunk.length;
    this.onChunk?.(chunk.length);
    cb(null, chunk);
  }
  override _flush(cb: (err?: Error | null) => void): void {
    const digest = 'sha256:' + this.hash.digest('hex');
    const want = this.expected;
    if (want?.size !== undefined && want.size >= 0 && this.n + this.offset !== want.size) {
      this.failure = new TspodError('SIZE_MISMATCH', `blob size mismatch: expected ${want.size} bytes, got ${this.n + this.offset}`);
    } else if (want?.digest && want.digest.startsWith('sha256:') && this.offset === 0 && digest !== want.digest) {
      this.failure = new DigestMismatchError(want.digest, digest, true);
    }
    if (this.failure) {
      cb(this.failure);
      return;
    }
    this.digest = digest;
    cb();
  }
  /** Digest and size of what passed; throws the mismatch, or when the stream has not ended. */
  result(): { digest: string; size: number } {
    if (this.failure) throw this.failure;
    if (!this.digest) throw new TspodError('INTERNAL', 'blob stream did not complete');
    return { digest: this.digest, size: this.n };
  }
}

/** Compression of a stream judged from its first bytes. */
export function detectCompression(head: Buffer): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  return 'none';
}

// node:zlib and node:child_process load only for a compression change (~2 ms at start for every copy
// otherwise, child_process bringing net and dgram along)
const load = <T>(id: string): T => createRequire(import.meta.url)(id) as T;
const zlib = () => load<typeof import('node:zlib')>('node:zlib');

let zstdNapi: any | null | undefined;
function loadZstd(): any | null {
  if (zstdNapi === undefined) {
    try {
      zstdNapi = load('zstd-napi');
    } catch {
      zstdNapi = null;
    }
  }
  return zstdNapi;
}

/** A zstd command as a duplex stream (fallback when zstd-napi cannot load). */
function zstdCommand(args: string[]): Duplex {
  const { spawn } = load<typeof import('node:child_process')>('node:child_process');
  const child = spawn('zstd', [...args, '-q', '-c'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const d = Duplex.from({ writable: child.stdin, readable: child.stdout });
  child.on('error', (err) => d.destroy(new TspodError('ZSTD', `running zstd: ${err.message}`)));
  child.on('close', (code) => {
    if (code) d.destroy(new TspodError('ZSTD', `zstd exited with ${code}: ${stderr.trim()}`));
  });
  return d;
}

export function decompressor(c: Compression): Duplex {
  if (c === 'gzip') return zlib().createGunzip({ chunkSize: 1 << 20 });
  if (c === 'zstd') {
    const z = loadZstd();
    return z ? new z.DecompressStream() : zstdCommand(['-d']);
  }
  return new PassThrough();
}

export function compressor(c: Compression, level?: number): Duplex {
  if (c === 'gzip') {
    const { constants: zc, createGzip } = zlib();
    // Go's levels: -2 (Huffman only), -1 (default), 0-9; containers/image fails the blob on others.
    if (level !== undefined && (!Number.isInteger(level) || level < -2 || level > 9)) {
      throw new TspodError('INVALID_ARGUMENT', `writing blob: happened during read: gzip: invalid compression level: ${level}`);
    }
    if (level === -2) return createGzip({ level: zc.Z_DEFAULT_COMPRESSION, strategy: zc.Z_HUFFMAN_ONLY, chunkSize: 1 << 20 });
    // containers/image uses pgzip at its default level; zlib level 6 gives the same ratio.
    return createGzip({ level: level ?? zc.Z_DEFAULT_COMPRESSION, chunkSize: 1 << 20 });
  }
  if (c === 'zstd') {
    const z = loadZstd();
    return z ? new z.CompressStream({ compressionLevel: level ?? 3 }) : zstdCommand([`-${level ?? 3}`]);
  }
  return new PassThrough();
}

/** Read the first bytes of a stream without consuming them: returns them and a stream of everything. */
export async function peek(stream: Readable, n = 8): Promise<{ head: Buffer; stream: Readable }> {
  const chunks: Buffer[] = [];
  let len = 0;
  for (;;) {
    if (len >= n) break;
    const c = stream.read() as Buffer | null;
    if (c !== null) {
      chunks.push(c);
      len += c.length;
      continue;
    }
    if (stream.readableEnded) break;
    const more = await new Promise<boolean>((resolve, reject) => {
      const done = () => { cleanup(); resolve(true); };
      const end = () => { cleanup(); resolve(false); };
      const fail = (e: Error) => { cleanup(); reject(e); };
      const cleanup = () => { stream.off('readable', done); stream.off('end', end); stream.off('error', fail); };
      stream.on('readable', done);
      stream.on('end', end);
      stream.on('error', fail);
    });
    if (!more) break;
  }
  const head = Buffer.concat(chunks);
  if (head.length) stream.unshift(head);
  return { head: head.subarray(0, n), stream };
}
