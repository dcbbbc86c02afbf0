// Writes blobs under temp names renamed to their digest as they complete; the manifest, signatures
// and version file only in commit(). commit() also removes what an earlier image left in the
// directory (containers/image empties it when opening; we wait so that a failed copy changes nothing).
// close() without commit() removes the blobs this destination added.
import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { TspodError } from '../../errors.ts';
import { digestHex } from '../../oci/digest.ts';
import type { Descriptor } from '../../oci/types.ts';
import { writeFileAtomic, writeStreamHashed } from '../fs-util.ts';
import type { BlobInfo, ImageDestination, LayerCompressionWish, PutBlobOptions, SystemContext } from '../types.ts';
import { DIR_VERSION, type DirReference } from './transport.ts';
import { blobPath, manifestPath, signaturePath } from './source.ts';

async function listDir(p: string): Promise<string[] | undefined> {
  try {
    return await readdir(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function checkIsImageDir(dir: string, entries: string[]): Promise<void> {
  if (entries.length === 0) return;
  let version: string | undefined;
  try {
    version = await readFile(join(dir, 'version'), 'utf8');
  } catch {
    version = undefined;
  }
  if (version !== DIR_VERSION) {
    throw new TspodError('NOT_IMAGE_DIR', `${dir}: not a containers image directory, don't want to overwrite important data`);
  }
}

export class DirImageDestination implements ImageDestination {
  private readonly dir: string;
  private readonly written = new Set<string>(); // file names this destination created or reused
  private readonly created = new Set<string>(); // file names that did not exist before (for close())
  private readonly files = new Map<string, Buffer>(); // manifests and signatures, written at commit
  private committed = false;

  private constructor(readonly reference: DirReference, private readonly createdDir: boolean, private readonly compression: LayerCompressionWish) {
    this.dir = reference.resolvedPath;
  }

  static async open(ref: DirReference, ctx: SystemContext = {}): Promise<DirImageDestination> {
    if (ctx.dirForceCompress && ctx.dirForceDecompress) {
      throw new TspodError('INVALID_ARGUMENT', `initializing destination dir:${ref.path}: Cannot compress and decompress at the same time`);
    }
    const entries = await listDir(ref.resolvedPath);
    if (entries) await checkIsImageDir(ref.resolvedPath, entries);
    else await mkdir(ref.resolvedPath, { recursive: true });
    const compression = ctx.dirForceCompress ? 'compress' : ctx.dirForceDecompress ? 'decompress' : 'preserve';
    return new DirImageDestination(ref, entries === undefined, compression);
  }

  supportedManifestMimeTypes(): string[] {
    return [];
  }
  desiredLayerCompression(): LayerCompressionWish {
    return this.compression;
  }
  acceptsForeignLayerURLs(): boolean {
    return false;
  }
  supportsManifestLists(): boolean {
    return true;
  }
  supportsSignatures(): boolean {
    return true;
  }

  async tryReusingBlob(desc: Descriptor): Promise<Descriptor | undefined> {
    const p = blobPath(this.dir, desc.digest);
    try {
      const st = await stat(p);
      if (desc.size >= 0 && st.size !== desc.size) return undefined;
      this.written.add(digestHex(desc.digest));
      return { ...desc, size: st.size };
    } catch {
      return undefined;
    }
  }

  async putBlob(stream: Readable, info: BlobInfo, _opts: PutBlobOptions): Promise<Descriptor> {
    const { tmp, digest, size } = await writeStreamHashed(this.dir, stream, info.digest?.startsWith('sha256:') ? info.digest : undefined);
    const name = digestHex(digest);
    const existed = await stat(join(this.dir, name)).then(() => true, () => false);
    await rename(tmp, join(this.dir, name));
    this.written.add(name);
    if (!existed) this.created.add(name);
    return { mediaType: info.mediaType ?? '', digest, size };
  }

  async putManifest(bytes: Buffer, _mediaType: string, instanceDigest?: string): Promise<void> {
    this.files.set(manifestPath('', instanceDigest), bytes);
  }

  async putSignatures(signatures: Buffer[], instanceDigest?: string): Promise<void> {
    signatures.forEach((s, i) => this.files.set(signaturePath('', i, instanceDigest), s));
  }

  async commit(): Promise<void> {
    if (!this.files.has('manifest.json')) throw new TspodError('INTERNAL', 'dir: commit without a manifest');
    const keep = new Set([...this.written, ...this.files.keys(), 'version']);
    for (const name of (await listDir(this.dir)) ?? []) {
      if (!keep.has(name)) await rm(join(this.dir, name), { recursive: true, force: true });
    }
    for (const [name, data] of this.files) await writeFileAtomic(join(this.dir, name), data);
    await writeFileAtomic(join(this.dir, 'version'), DIR_VERSION);
    this.committed = true;
  }

  async close(): Promise<void> {
    if (this.committed) return;
    for (const name of this.created) await rm(join(this.dir, name), { force: true });
    if (this.createdDir) await rm(this.dir, { recursive: true, force: true });
  }
}

/** Remove the image in a dir: directory (only a directory that holds one). */
export async function deleteDirImage(ref: DirReference): Promise<void> {
  const entries = await listDir(ref.resolvedPath);
  if (!entries) throw new TspodError('NO_SUCH_IMAGE', `${ref.resolvedPath}: no such directory`);
  await checkIsImageDir(ref.resolvedPath, entries);
  await rm(ref.resolvedPath, { recursive: true, force: true });
}
