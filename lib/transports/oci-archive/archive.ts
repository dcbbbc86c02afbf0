import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readdir, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Descriptor } from '../../oci/types.ts';
import { tempName } from '../fs-util.ts';
import { TarIndex } from '../docker-archive/tar-index.ts';
import { OciLayoutSource, sharedBlobReader, type LayoutReader } from '../oci-layout/source.ts';
import { OciLayoutDestination } from '../oci-layout/destination.ts';
import type { BlobInfo, ImageDestination, ImageSource, LayerCompressionWish, PutBlobOptions, SystemContext } from '../types.ts';
import type { OciArchiveReference } from './transport.ts';

export async function openOciArchiveSource(ref: OciArchiveReference, ctx: SystemContext): Promise<ImageSource> {
  const tar = await TarIndex.open(ref.resolvedPath, ctx.tmpDir);
  const reader: LayoutReader = {
    where: ref.resolvedPath,
    readFile: (name) => tar.readFile(name),
    openFile: async (name, offset) => tar.openFile(name, offset),
  };
  try {
    // As containers/image: a shared blob directory applies to the archive's layout too.
    return await OciLayoutSource.open(ref, sharedBlobReader(reader, ctx.ociSharedBlobDir), ref.image, () => tar.close());
  } catch (err) {
    await tar.close();
    throw err;
  }
}

/** Write the directory `root` as a tar to `out` (entries in a stable order, mtime 0). */
export async function tarDirectory(root: string, out: NodeJS.WritableStream): Promise<void> {
  const ts = await import('tar-stream');
  // a CommonJS module: bundled, its exports sit on .default
  const makePack = ts.pack ?? (ts as unknown as { default: typeof ts }).default.pack;
  const pack = makePack();
  const done = pipeline(pack, out as any);
  const walk = async (rel: string): Promise<void> => {
    const names = (await readdir(join(root, rel))).sort();
    for (const n of names) {
      const r = rel ? `${rel}/${n}` : n;
      const st = await stat(join(root, r));
      if (st.isDirectory()) {
        pack.entry({ name: r + '/', type: 'directory', mode: 0o755, mtime: new Date(0) });
        await walk(r);
      } else {
        await new Promise<void>((resolve, reject) => {
          const entry = pack.entry({ name: r, size: st.size, mode: 0o644, mtime: new Date(0) }, (err) => (err ? reject(err) : resolve()));
          createReadStream(join(root, r)).on('error', reject).pipe(entry);
        });
      }
    }
  };
  try {
    await walk('');
    pack.finalize();
  } catch (err) {
    pack.destroy(err as Error);
  }
  await done;
}

export class OciArchiveDestination implements ImageDestination {
  private committed = false;
  private constructor(readonly reference: OciArchiveReference, private readonly dir: string, private readonly layout: OciLayoutDestination) {}

  static async open(ref: OciArchiveReference, ctx: SystemContext): Promise<OciArchiveDestination> {
    const dir = await mkdtemp(join(ctx.tmpDir ?? tmpdir(), 'tspod-oci-archive-'));
    const layout = await OciLayoutDestination.open(ref, dir, ref.image, ctx);
    return new OciArchiveDestination(ref, dir, layout);
  }

  supportedManifestMimeTypes(): string[] {
    return this.layout.supportedManifestMimeTypes();
  }
  desiredLayerCompression(): LayerCompressionWish {
    return this.layout.desiredLayerCompression();
  }
  acceptsForeignLayerURLs(): boolean {
    return true;
  }
  supportsManifestLists(): boolean {
    return true;
  }
  supportsSignatures(): boolean {
    return false;
  }
  tryReusingBlob(desc: Descriptor, opts: PutBlobOptions) {
    return this.layout.tryReusingBlob(desc);
  }
  putBlob(stream: Readable, info: BlobInfo, opts: PutBlobOptions) {
    return this.layout.putBlob(stream, info, opts);
  }
  putManifest(bytes: Buffer, mediaType: string, instanceDigest?: string) {
    return this.layout.putManifest(bytes, mediaType, instanceDigest);
  }
  putSignatures(signatures: Buffer[]) {
    return this.layout.putSignatures(signatures);
  }

  async commit(): Promise<void> {
    await this.layout.commit();
    const tmp = tempName(dirname(this.reference.resolvedPath));
    try {
      await tarDirectory(this.dir, createWriteStream(tmp, { flags: 'wx' }));
      await rename(tmp, this.reference.resolvedPath);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    this.committed = true;
  }

  async close(): Promise<void> {
    void this.committed;
    await rm(this.dir, { recursive: true, force: true });
  }
}
