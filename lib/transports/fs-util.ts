// Small file helpers shared by the file-based transports (dir:, oci:, the archives).
// Every write goes to a temp name in the same directory and is renamed into place.
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';

export function tempName(dir: string, prefix = '.tmp-'): string {
  return join(dir, `${prefix}${process.pid}-${randomBytes(6).toString('hex')}`);
}

/** Write a file atomically (temp file + fsync + rename). */
export async function writeFileAtomic(path: string, data: Buffer | string, mode = 0o644): Promise<void> {
  const tmp = tempName(dirname(path));
  try {
    const fh = await open(tmp, 'wx', mode);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/**
 * Stream into `dir` under a temp name while hashing; returns the sha256 digest and size and the temp
 * path. The caller renames it into place (or removes it). On a stream error nothing is left behind.
 * With `knownDigest` (a digest lib/copy's verifying stream guarantees: it errors before the end on a
 * mismatch) the bytes are not hashed a second time.
 */
export async function writeStreamHashed(dir: string, stream: Readable, knownDigest?: string): Promise<{ tmp: string; digest: string; size: number }> {
  await mkdir(dir, { recursive: true });
  const tmp = tempName(dir);
  const hash = knownDigest ? undefined : createHash('sha256');
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash?.update(chunk);
      size += chunk.length;
      cb(null, chunk);
    },
  });
  const out = createWriteStream(tmp, { flags: 'wx', highWaterMark: 1 << 20 });
  try {
    // with the digest known, no stage in between: each one costs every chunk a JS round trip
    if (knownDigest) await pipeline(stream, out);
    else await pipeline(stream, tap, out);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  return { tmp, digest: hash ? 'sha256:' + hash.digest('hex') : knownDigest!, size: knownDigest ? out.bytesWritten : size };
}

/** Hold an exclusive flock on a directory (or file) for the duration of fn. */
export async function withDirLock<T>(path: string, fn: () => Promise<T>): Promise<T> {
  const { flock, LOCK_EX, LOCK_UN } = await import('../native/libc.ts');
  const fh = await open(path, 'r');
  try {
    await flock(fh.fd, LOCK_EX);
    try {
      return await fn();
    } finally {
      await flock(fh.fd, LOCK_UN).catch(() => {});
    }
  } finally {
    await fh.close();
  }
}

export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(value));
}

export { writeFile };
