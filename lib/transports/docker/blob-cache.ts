// A small blob-info cache: which repositories of which registry a blob is known to be in, so a push
// can mount a layer from another repository instead of uploading it (containers/image's
// BlobInfoCache, reduced to what cross-repository mount needs). Kept under $XDG_CACHE_HOME/tspod
// (rootless) or /var/cache/tspod; losing it only costs uploads.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { homeDir } from '../../config/paths.ts';
import { rootlessUid } from '../../rootless/index.ts';
import { tempName } from '../fs-util.ts';

const MAX_DIGESTS = 5000;
const MAX_LOCATIONS = 8;

type CacheData = Record<string, string[]>; // digest -> ["host/repo", ...] most recent last

export function blobCachePath(): string {
  if (process.env.TSPOD_BLOB_INFO_CACHE) return process.env.TSPOD_BLOB_INFO_CACHE;
  const base = rootlessUid() === undefined ? '/var/cache/tspod' : join(process.env.XDG_CACHE_HOME || join(homeDir(), '.cache'), 'tspod');
  return join(base, 'blob-info-cache.json');
}

async function load(path: string): Promise<CacheData> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as CacheData;
  } catch {
    return {};
  }
}

let known: { path: string; data: Promise<CacheData> } | undefined;

/** Repositories ("host/repo") that are known to hold `digest`. */

export async function knownLocations(digest: string): Promise<string[]> {
  // One read per process: a copy asks for every blob of the image.
  const path = blobCachePath();
  if (known?.path !== path) known = { path, data: load(path) };
  return (await known.data)[digest] ?? [];
}

/** Record that `digest` exists in host/repo. Best effort: errors are ignored. */
export async function recordLocations(entries: { digest: string; location: string }[]): Promise<void> {
  if (entries.length === 0) return;
  const path = blobCachePath();
  known = undefined;
  try {
    await mkdir(join(path, '..'), { recursive: true });
    // No lock: a concurrent writer may drop the other's new entries, which only costs a later upload;
    // the rename keeps the file whole. Skipping the lock spares every docker copy the FFI load.
    {
      const data = await load(path);
      for (const { digest, location } of entries) {
        const list = (data[digest] ?? []).filter((l) => l !== location);
        list.push(location);
        delete data[digest]; // re-insert so insertion order tracks recency
        data[digest] = list.slice(-MAX_LOCATIONS);
      }
      const keys = Object.keys(data);
      for (const k of keys.slice(0, Math.max(0, keys.length - MAX_DIGESTS))) delete data[k];
      const tmp = tempName(join(path, '..'));
      await writeFile(tmp, JSON.stringify(data)); // no fsync: a cache lost in a crash costs uploads only
      await rename(tmp, path);
    }
  } catch {
    // the cache is an optimisation only
  }
}
