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

type Entry = { digest: string; location: string };
/** Locations learnt in this process and not written yet (a source's, noted when its manifest is read). */
let pending: Entry[] = [];

/** Repositories ("host/repo") that are known to hold `digest`, most recent last. */
export async function knownLocations(digest: string): Promise<string[]> {
  // One read per process: a copy asks for every blob of the image.
  const path = blobCachePath();
  if (known?.path !== path) known = { path, data: load(path) };
  let list = (await known.data)[digest] ?? [];
  for (const e of pending) if (e.digest === digest) list = [...list.filter((l) => l !== e.location), e.location];
  return list;
}

/** Remember that `digest` exists in host/repo for this process's knownLocations; the next
 *  recordLocations writes it. No I/O: a source notes its blobs on the way to the first copy. */
export function noteLocations(entries: Entry[]): void {
  pending.push(...entries);
}

/** Record that `digest` exists in host/repo, with what was noted before. Best effort: errors are ignored. */
export async function recordLocations(entries: Entry[]): Promise<void> {
  const all = [...pending, ...entries];
  if (all.length === 0) return;
  const noted = pending.length;
  const path = blobCachePath();
  try {
    // Read again: keep what other processes wrote since. No lock: a concurrent writer may drop the
    // other's new entries, which only costs a later upload; the rename keeps the file whole. Skipping
    // the lock spares every docker copy the FFI load.
    const data = await load(path);
    let changed = false;
    for (const { digest, location } of all) {
      const cur = data[digest] ?? [];
      // already its most recent location: nothing to write (the digest's rank among the keys is not refreshed)
      if (cur[cur.length - 1] === location) continue;
      changed = true;
      const list = cur.filter((l) => l !== location);
      list.push(location);
      delete data[digest]; // re-insert so insertion order tracks recency
      data[digest] = list.slice(-MAX_LOCATIONS);
    }
    // what was read and recorded is what knownLocations answers from now on
    known = { path, data: Promise.resolve(data) };
    pending = pending.slice(noted);
    if (!changed) return;
    const keys = Object.keys(data);
    for (const k of keys.slice(0, Math.max(0, keys.length - MAX_DIGESTS))) delete data[k];
    await mkdir(join(path, '..'), { recursive: true });
    const tmp = tempName(join(path, '..'));
    await writeFile(tmp, JSON.stringify(data)); // no fsync: a cache lost in a crash costs uploads only
    await rename(tmp, path);
  } catch {
    // the cache is an optimisation only
  }
}
