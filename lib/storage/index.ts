// The on-disk image store under graphRoot: content-addressed, crash-safe, shared by concurrent processes.
//
//   storage.lock                       flock held for every read-modify-write of images.json
//   gc.lock                            shared by writers while they add content; exclusive for garbage collection
//   images.json                        { images: ImageRecord[] }, replaced atomically (temp + rename)
//   images/<id>/manifest               the image's current manifest; manifest-<hex> for every digest it had
//   images/<id>/config.json
//   layers/<diffID-hex>/diff/          the extracted layer in overlay form
//   layers/<diffID-hex>/layer.json     LayerRecord; written last, a layer without it does not exist
//   blobs/sha256/<hex>                 the compressed layer blobs and configs, byte for byte as pulled
//   layers/.tmp-<pid>-<rand>, blobs/.tmp-<pid>-<rand>   work in progress; stale ones (dead pid) are removed
//
// A layer is extracted once: into a temp dir, then renamed into place; losing that race discards the copy.
// After kill -9 anywhere: temp names are garbage (cleaned on the next write), and records whose files are
// missing are ignored, so the store is always usable.
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { NotFoundError, TspodError, wrapError } from '../errors.ts';
import { sha256Digest, digestHex, isDigest, lazyCrypto } from '../oci/digest.ts';
import type { ImageConfig, Manifest } from '../oci/types.ts';
import { withLock, tryLock, acquireLock, type HeldLock } from '../lock/index.ts';

export interface ImageRecord {
  /** Config digest hex. */
  id: string;
  /** Manifest digest. */
  digest: string;
  /** Every manifest digest stored for this image (digest is one of them). */
  digests: string[];
  /** Full references, "docker.io/library/busybox:latest". */
  names: string[];
  /** Names the image had, most recent first (podman's NamesHistory). */
  namesHistory: string[];
  /** diffIDs, bottom to top. */
  layers: string[];
  created: string;
  /** Sum of the uncompressed layer sizes. */
  size: number;
  manifestMediaType: string;
}

export interface LayerRecord {
  diffID: string;
  /** Digest of the compressed blob this layer was extracted from (kept in blobs/). */
  compressedDigest: string;
  compressedSize: number;
  compressedMediaType?: string;
  uncompressedSize: number;
}

export interface OpenStoreOptions {
  graphRoot: string;
  runRoot: string;
}

export interface RemoveImageOptions {
  force?: boolean;
}

export interface RemoveImageReport {
  id: string;
  untagged: string[];
  deleted: boolean;
}

export class NoSuchImageError extends NotFoundError {
  constructor(name: string) {
    super('image', `${name}: image not known`);
  }
}

function tmpName(): string {
  return `.tmp-${process.pid}-${lazyCrypto().randomBytes(6).toString('hex')}`;
}

/** Write a file atomically: temp name in the same directory, then rename. */
export function writeFileAtomic(path: string, data: Buffer | string): void {
  const tmp = join(path, '..', tmpName());
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/**
 * Replace an image's names the way containers/storage SetNames does, which podman's output shows: each
 * name, in order, is moved to the front of the names history (so the last one ends up first).
 */
function setNames(rec: ImageRecord, names: string[]): void {
  rec.names = names;
  for (const n of names) rec.namesHistory = [n, ...rec.namesHistory.filter((h) => h !== n)];
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function openStore(opts: OpenStoreOptions): Promise<Store> {
  const s = new Store(opts.graphRoot, opts.runRoot);
  try {
    for (const d of ['images', 'layers', 'blobs/sha256', 'containers']) mkdirSync(join(s.graphRoot, d), { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new TspodError('STORAGE', `creating the store in \`${opts.graphRoot}\`: ${(err as Error).message}`, { cause: err });
  }
  return s;
}

export class Store {
  constructor(readonly graphRoot: string, readonly runRoot: string) {}

  private get lockPath(): string {
    return join(this.graphRoot, 'storage.lock');
  }

  /** Run fn holding the store lock (exclusive): for read-modify-write of images.json. */
  withLock<T>(fn: () => Promise<T> | T): Promise<T> {
    return withLock(this.lockPath, fn);
  }

  /** Writers hold this (shared) while adding content not yet referenced by an image, so GC leaves it alone. */
  holdContent(): Promise<HeldLock> {
    return acquireLock(join(this.graphRoot, 'gc.lock'), { shared: true });
  }

  // ---- images ----

  private readRecords(): ImageRecord[] {
    return readJson<{ images: ImageRecord[] }>(join(this.graphRoot, 'images.json'))?.images ?? [];
  }

  private writeRecords(images: ImageRecord[]): void {
    writeFileAtomic(join(this.graphRoot, 'images.json'), JSON.stringify({ images }, null, 1));
  }

  /** Whether an image's files are all present (a record left by a crash may point to missing ones). */
  private complete(r: ImageRecord, layerOk: Map<string, boolean>, root: string): boolean {
    if (!existsSync(`${root}/images/${r.id}/manifest`)) return false;
    return r.layers.every((l) => {
      let ok = layerOk.get(l);
      if (ok === undefined) layerOk.set(l, (ok = existsSync(`${root}/layers/${digestHex(l)}/layer.json`)));
      return ok;
    });
  }

  async listImages(): Promise<ImageRecord[]> {
    // Images share base layers: check each layer once. Paths as template strings: path.join, run
    // cold, cost `tspod images` ~0.1 ms a path (lib/containers/store.ts has the figures).
    const layerOk = new Map<string, boolean>();
    const root = resolve(this.graphRoot);
    return this.readRecords().filter((r) => this.complete(r, layerOk, root));
  }

  /** The image for a name, full or short name, ID, ID prefix or digest reference; undefined if none. */
  async findImage(name: string): Promise<ImageRecord | undefined> {
    const { findImageIn } = await import('./lookup.ts');
    return findImageIn(await this.listImages(), name);
  }

  async lookupImage(name: string): Promise<ImageRecord> {
    const r = await this.findImage(name);
    if (!r) throw new NoSuchImageError(name);
    return r;
  }

  /** The image's latest manifest, or the one with this digest. */
  async imageManifest(id: string, digest?: string): Promise<{ bytes: Buffer; mediaType: string; digest: string }> {
    const rec = this.readRecords().find((r) => r.id === id);
    if (!rec) throw new NoSuchImageError(id);
    const file = digest ? `manifest-${digestHex(digest)}` : 'manifest';
    try {
      const bytes = readFileSync(join(this.graphRoot, 'images', id, file));
      let mediaType = rec.manifestMediaType;
      if (digest) mediaType = (JSON.parse(bytes.toString('utf8')) as { mediaType?: string }).mediaType ?? mediaType;
      return { bytes, mediaType, digest: digest ?? sha256Digest(bytes) };
    } catch (err) {
      throw new TspodError('STORAGE', `reading manifest of image ${id}: ${(err as Error).message}`, { cause: err });
    }
  }

  async imageConfig(id: string): Promise<ImageConfig> {
    try {
      return JSON.parse(readFileSync(join(this.graphRoot, 'images', id, 'config.json'), 'utf8'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new NoSuchImageError(id);
      throw new TspodError('STORAGE', `reading config of image ${id}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Bytes of the image's stored metadata files (config and manifests), part of podman's image size. */
  imageMetadataSize(id: string): number {
    let n = 0;
    const dir = join(this.graphRoot, 'images', id);
    try {
      for (const f of readdirSync(dir)) if (!f.startsWith('.')) n += statSync(join(dir, f)).size;
    } catch {
      /* gone meanwhile */
    }
    return n;
  }

  /** Signatures stored with the manifest of this digest (simple signing blobs). */
  imageSignatures(id: string, digest: string): Buffer[] {
    const list = readJson<string[]>(join(this.graphRoot, 'images', id, `signatures-${digestHex(digest)}`)) ?? [];
    return list.map((b) => Buffer.from(b, 'base64'));
  }

  /** Raw config bytes (their sha256 is the image ID). */
  imageConfigBytes(id: string): Buffer {
    return readFileSync(join(this.graphRoot, 'images', id, 'config.json'));
  }

  /**
   * Record an image: manifest and config files, then the record, under the lock. Names move from any other
   * image to this one (the other image may be left without names: dangling), as podman does.
   * `aliasDigests`: other digests the image is known by (the manifest list it was chosen from, a digested
   * reference it was pulled by); the manifest is kept under those too, so NAME@LISTDIGEST finds the image.
   * They come before the manifest's own digest, as containers/image stores the top-level list first: a
   * new image's Digest is the list's, as podman shows after pulling a multi-arch tag.
   */
  async addImage(opts: { manifest: Buffer; manifestMediaType: string; config: Buffer; names: string[]; signatures?: Buffer[]; aliasDigests?: string[] }): Promise<ImageRecord> {
    const manifest = JSON.parse(opts.manifest.toString('utf8')) as Manifest;
    const config = JSON.parse(opts.config.toString('utf8')) as ImageConfig;
    const id = digestHex(sha256Digest(opts.config));
    const digest = sha256Digest(opts.manifest);
    const layers = config.rootfs?.diff_ids ?? [];
    let size = 0;
    for (const l of layers) {
      const info = this.layerInfo(l);
      if (!info) throw new TspodError('STORAGE', `storing image ${id}: layer ${l} is not in the store`);
      size += info.uncompressedSize;
    }
    void manifest;
    const dir = join(this.graphRoot, 'images', id);
    return this.withLock(() => {
      // files first, record last: a crash in between leaves an unreferenced directory that GC removes
      mkdirSync(dir, { recursive: true });
      writeFileAtomic(join(dir, 'config.json'), opts.config);
      writeFileAtomic(join(dir, `manifest-${digestHex(digest)}`), opts.manifest);
      writeFileAtomic(join(dir, 'manifest'), opts.manifest);
      const aliases = (opts.aliasDigests ?? []).filter((d) => d !== digest && /^sha256:[a-f0-9]{64}$/.test(d));
      for (const d of aliases) writeFileAtomic(join(dir, `manifest-${digestHex(d)}`), opts.manifest);
      if (opts.signatures?.length) {
        writeFileAtomic(join(dir, `signatures-${digestHex(digest)}`), JSON.stringify(opts.signatures.map((b) => b.toString('base64'))));
      }
      const records = this.readRecords();
      for (const l of layers) {
        // a concurrent rmi may have collected it between our check and the lock
        if (!this.layerInfo(l)) throw new TspodError('STORAGE', `storing image ${id}: layer ${l} was removed concurrently`);
      }
      const names = [...new Set(opts.names)];
      for (const r of records) if (r.id !== id && r.names.some((n) => names.includes(n))) setNames(r, r.names.filter((n) => !names.includes(n)));
      let rec = records.find((r) => r.id === id);
      const known = [...new Set([...aliases, digest])];
      if (!rec) {
        rec = {
          id, digest: known[0], digests: [...known], names: [], namesHistory: [], layers, created: config.created ?? new Date(0).toISOString(),
          size, manifestMediaType: opts.manifestMediaType,
        };
        records.push(rec);
      }
      // as containers/storage: Digest stays the first manifest's, "manifest" (and its type) is the latest;
      // the stored name moves to the front of the names
      rec.manifestMediaType = opts.manifestMediaType;
      for (const d of known) if (!rec.digests.includes(d)) rec.digests.push(d);
      setNames(rec, [...names, ...rec.names.filter((x) => !names.includes(x))]);
      this.writeRecords(records);
      return { ...rec };
    });
  }

  /** Add a name (full reference) to an image, taking it from whichever image had it. */
  async tagImage(id: string, name: string): Promise<void> {
    await this.withLock(() => {
      const records = this.readRecords();
      const rec = records.find((r) => r.id === id);
      if (!rec) throw new NoSuchImageError(id);
      for (const r of records) if (r !== rec && r.names.includes(name)) setNames(r, r.names.filter((n) => n !== name));
      setNames(rec, rec.names.includes(name) ? rec.names : [...rec.names, name]);
      this.writeRecords(records);
    });
  }

  /** Remove a name from an image; throws TAG_NOT_KNOWN when the image does not have it. */
  async untagImage(id: string, name: string): Promise<void> {
    await this.withLock(() => {
      const records = this.readRecords();
      const rec = records.find((r) => r.id === id);
      if (!rec) throw new NoSuchImageError(id);
      if (!rec.names.includes(name)) throw new TspodError('TAG_NOT_KNOWN', `${name}: tag not known`);
      setNames(rec, rec.names.filter((n) => n !== name));
      this.writeRecords(records);
    });
  }

  /** IDs of containers (lib/containers' ${graphRoot}/containers/<id>/config.json) using the image. */
  containersUsing(imageId: string): string[] {
    return this.containerUsage().get(imageId) ?? [];
  }

  /** Image ID -> IDs of the containers using it, read once per call. */
  containerUsage(): Map<string, string[]> {
    const dir = join(this.graphRoot, 'containers');
    const out = new Map<string, string[]>();
    let ids: string[] = [];
    try {
      ids = readdirSync(dir);
    } catch {
      return out;
    }
    for (const c of ids) {
      const cfg = readJson<{ id?: string; imageId?: string }>(join(dir, c, 'config.json'));
      if (!cfg?.imageId) continue;
      out.set(cfg.imageId, [...(out.get(cfg.imageId) ?? []), cfg.id ?? c]);
    }
    return out;
  }

  /** Delete an image and the layers and blobs nobody else uses. Refuses an image a container uses unless force. */
  async removeImage(id: string, opts: RemoveImageOptions = {}): Promise<RemoveImageReport> {
    const report = await this.withLock(() => {
      const records = this.readRecords();
      const rec = records.find((r) => r.id === id);
      if (!rec) throw new NoSuchImageError(id);
      const users = this.containersUsing(id);
      if (users.length && !opts.force) {
        throw new TspodError(
          'IMAGE_IN_USE',
          `image used by ${users[0]}: image is in use by a container: consider listing external containers and force-removing image`,
          { exitCode: 2 },
        );
      }
      this.writeRecords(records.filter((r) => r !== rec));
      rmSync(join(this.graphRoot, 'images', id), { recursive: true, force: true });
      return { id, untagged: rec.names, deleted: true };
    });
    await this.collectGarbage();
    return report;
  }

  /**
   * Remove layers and blobs no image references (nor containers of a removed image). Skipped when a writer
   * holds gc.lock: what it is adding would look unreferenced. Returns the number of items removed.
   */
  async collectGarbage(): Promise<number> {
    const gc = tryLock(join(this.graphRoot, 'gc.lock'));
    if (!gc) return 0;
    try {
      return await this.withLock(() => {
        this.cleanTemp();
        const records = this.readRecords();
        const liveLayers = new Set<string>();
        const liveBlobs = new Set<string>();
        for (const r of records) {
          r.layers.forEach((l) => liveLayers.add(digestHex(l)));
          liveBlobs.add(r.id);
          for (const d of r.digests) {
            const m = readJson<Manifest>(join(this.graphRoot, 'images', r.id, `manifest-${digestHex(d)}`));
            m?.layers?.forEach((l) => isDigest(l.digest) && liveBlobs.add(digestHex(l.digest)));
          }
        }
        // a container whose image was force-removed still needs its layers: keep everything then
        for (const c of this.containerImageIds()) if (!records.some((r) => r.id === c)) return 0;
        let n = 0;
        for (const id of readdirSync(join(this.graphRoot, 'images'))) {
          if (id.startsWith('.') || records.some((r) => r.id === id)) continue;
          this.removeDir(join(this.graphRoot, 'images', id), join(this.graphRoot, 'images'));
          n++;
        }
        for (const hex of readdirSync(join(this.graphRoot, 'layers'))) {
          if (hex.startsWith('.') || liveLayers.has(hex)) continue;
          const info = readJson<LayerRecord>(join(this.graphRoot, 'layers', hex, 'layer.json'));
          if (info && liveBlobs.has(digestHex(info.compressedDigest))) liveBlobs.delete(digestHex(info.compressedDigest));
          this.removeDir(join(this.graphRoot, 'layers', hex), join(this.graphRoot, 'layers'));
          // and its copies with owners shifted for user namespaces (lib/containers/userns.ts mappedLayerDirs)
          let mapped: string[] = [];
          try { mapped = readdirSync(join(this.graphRoot, 'idmapped')); } catch { /* none made */ }
          for (const k of mapped) rmSync(join(this.graphRoot, 'idmapped', k, `${hex}-diff`), { recursive: true, force: true });
          n++;
        }
        // blobs of live layers stay: they are what push/save send
        for (const hex of liveLayers) {
          const info = readJson<LayerRecord>(join(this.graphRoot, 'layers', hex, 'layer.json'));
          if (info) liveBlobs.add(digestHex(info.compressedDigest));
        }
        for (const hex of readdirSync(join(this.graphRoot, 'blobs', 'sha256'))) {
          if (hex.startsWith('.') || liveBlobs.has(hex)) continue;
          rmSync(join(this.graphRoot, 'blobs', 'sha256', hex), { force: true });
          n++;
        }
        return n;
      });
    } finally {
      gc.release();
    }
  }

  private containerImageIds(): string[] {
    const dir = join(this.graphRoot, 'containers');
    const out: string[] = [];
    try {
      for (const c of readdirSync(dir)) {
        const id = readJson<{ imageId?: string }>(join(dir, c, 'config.json'))?.imageId;
        if (id) out.push(id);
      }
    } catch {
      /* no containers */
    }
    return out;
  }

  /** Rename first so a crash mid-delete leaves only a temp name behind. */
  private removeDir(path: string, parent: string): void {
    const tmp = join(parent, tmpName());
    try {
      renameSync(path, tmp);
    } catch {
      return;
    }
    rmSync(tmp, { recursive: true, force: true });
  }

  /** Remove temp files and dirs left by dead processes. */
  cleanTemp(): void {
    for (const dir of [join(this.graphRoot, 'layers'), join(this.graphRoot, 'blobs', 'sha256'), join(this.graphRoot)]) {
      let names: string[] = [];
      try {
        names = readdirSync(dir);
      } catch {
        continue;
      }
      for (const n of names) {
        const m = /^\.tmp-(\d+)-/.exec(n);
        if (m && !pidAlive(Number(m[1]))) rmSync(join(dir, n), { recursive: true, force: true });
      }
    }
    for (const id of readdirSync(join(this.graphRoot, 'images'))) {
      const m = /^\.tmp-(\d+)-/.exec(id);
      if (m) {
        if (!pidAlive(Number(m[1]))) rmSync(join(this.graphRoot, 'images', id), { recursive: true, force: true });
        continue;
      }
      for (const n of readdirSync(join(this.graphRoot, 'images', id))) {
        const m = /^\.tmp-(\d+)-/.exec(n);
        if (m && !pidAlive(Number(m[1]))) rmSync(join(this.graphRoot, 'images', id, n), { force: true });
      }
    }
  }

  // ---- layers and blobs ----

  private layerPath(diffID: string): string {
    return join(this.graphRoot, 'layers', digestHex(diffID));
  }

  /** The extracted layer directory (overlay diff form). */
  layerDir(diffID: string): string {
    return join(this.layerPath(diffID), 'diff');
  }

  layerInfo(diffID: string): LayerRecord | undefined {
    return readJson<LayerRecord>(join(this.layerPath(diffID), 'layer.json'));
  }

  /** A stored layer extracted from the blob with this compressed digest. */
  layerByCompressedDigest(digest: string): LayerRecord | undefined {
    for (const hex of readdirSync(join(this.graphRoot, 'layers'))) {
      if (hex.startsWith('.')) continue;
      const info = readJson<LayerRecord>(join(this.graphRoot, 'layers', hex, 'layer.json'));
      if (info?.compressedDigest === digest) return info;
    }
    return undefined;
  }

  /** Path of a stored blob (compressed layer or config), or undefined. */
  blobPath(digest: string): string | undefined {
    if (!isDigest(digest)) return undefined;
    const p = join(this.graphRoot, 'blobs', 'sha256', digestHex(digest));
    if (existsSync(p)) return p;
    if (existsSync(join(this.graphRoot, 'images', digestHex(digest), 'config.json'))) return join(this.graphRoot, 'images', digestHex(digest), 'config.json');
    return undefined;
  }

  /** Store a small blob (a config) content-addressed. Returns its digest. */
  putBlobBytes(bytes: Buffer, expectedDigest?: string): string {
    const digest = sha256Digest(bytes);
    if (expectedDigest && expectedDigest !== digest) {
      throw new TspodError('DIGEST_MISMATCH', `storing blob: digest mismatch: expected ${expectedDigest}, got ${digest}`);
    }
    const p = join(this.graphRoot, 'blobs', 'sha256', digestHex(digest));
    if (!existsSync(p)) writeFileAtomic(p, bytes);
    return digest;
  }

  /**
   * Extract a layer blob into the store while it streams in, keeping the compressed bytes in blobs/.
   * The blob digest (when given) is verified before anything becomes visible.
   */
  async putLayer(stream: Readable, opts: { expectedDigest?: string; mediaType?: string; what?: string } = {}): Promise<LayerRecord> {
    const { extractLayer } = await import('../layer/extract.ts');
    const layers = join(this.graphRoot, 'layers');
    const tmp = join(layers, tmpName());
    const blobTmp = join(this.graphRoot, 'blobs', 'sha256', tmpName());
    try {
      mkdirSync(tmp);
      const r = await extractLayer(stream, join(tmp, 'diff'), { expectedDigest: opts.expectedDigest, blobFile: blobTmp, what: opts.what });
      const info: LayerRecord = {
        diffID: r.diffID, compressedDigest: r.digest, compressedSize: r.size, compressedMediaType: opts.mediaType, uncompressedSize: r.uncompressedSize,
      };
      const blob = join(this.graphRoot, 'blobs', 'sha256', digestHex(r.digest));
      if (existsSync(blob)) rmSync(blobTmp, { force: true });
      else renameSync(blobTmp, blob);
      const existing = this.layerInfo(r.diffID);
      if (existing) {
        rmSync(tmp, { recursive: true, force: true });
        return existing;
      }
      writeFileSync(join(tmp, 'layer.json'), JSON.stringify(info));
      try {
        renameSync(tmp, this.layerPath(r.diffID));
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
        // another process extracted the same layer first: use theirs
        const theirs = this.layerInfo(r.diffID);
        if (theirs) {
          rmSync(tmp, { recursive: true, force: true });
          return theirs;
        }
        // a damaged directory without layer.json is in the way (not something tspod leaves): replace it
        this.removeDir(this.layerPath(r.diffID), layers);
        renameSync(tmp, this.layerPath(r.diffID));
      }
      return info;
    } catch (err) {
      rmSync(tmp, { recursive: true, force: true });
      rmSync(blobTmp, { force: true });
      if (err instanceof TspodError) throw err;
      throw wrapError(opts.what ?? 'storing layer', err);
    }
  }

  /**
   * Store a directory in overlay diff form (a container's upper dir) as a new gzip layer, for commit:
   * the tar is generated (whiteouts back to .wh. entries), compressed, kept as a blob and extracted.
   */
  async putLayerFromDirectory(dir: string, opts: { rootless?: boolean; idMap?: (uid: number, gid: number) => [number, number] } = {}): Promise<LayerRecord> {
    const { layerTar } = await import('../layer/diff.ts');
    const { createGzip } = await import('node:zlib');
    const { OCI_LAYER_GZIP } = await import('../oci/media-types.ts');
    const gz = layerTar(dir, { rootless: opts.rootless, idMap: opts.idMap }).pipe(createGzip());
    return this.putLayer(gz, { mediaType: OCI_LAYER_GZIP, what: `storing the changes of \`${dir}\`` });
  }

  /** Sizes of everything in the store (for info / system df). */
  diskUsage(): number {
    let total = 0;
    const walk = (p: string) => {
      const st = statSync(p, { throwIfNoEntry: false });
      if (!st) return;
      if (st.isDirectory()) for (const n of readdirSync(p)) walk(join(p, n));
      else total += st.size;
    };
    walk(join(this.graphRoot, 'blobs'));
    return total;
  }
}
