// Reads an OCI layout through a LayoutReader, so that oci: (a directory) and oci-archive: (a tar
// read in place) share this code.
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { TspodError } from '../../errors.ts';
import { parseDigest } from '../../oci/digest.ts';
import type { Descriptor, Index } from '../../oci/types.ts';
import { guessManifestMediaType } from '../../copy/manifest.ts';
import type { ImageReference, ImageSource, ManifestBytes } from '../types.ts';
import { REF_NAME_ANNOTATION } from './transport.ts';

export interface LayoutReader {
  /** Human-readable location for messages. */
  readonly where: string;
  readFile(name: string): Promise<Buffer | undefined>;
  openFile(name: string, offset: number): Promise<{ stream: Readable; size: number } | undefined>;
}

export function dirLayoutReader(root: string): LayoutReader {
  const enoent = (err: unknown) => {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  };
  return {
    where: root,
    readFile: (name) => readFile(join(root, name)).catch(enoent),
    openFile: async (name, offset) => {
      const p = join(root, name);
      const st = await stat(p).catch(enoent);
      if (!st) return undefined;
      return { stream: createReadStream(p, { start: offset, highWaterMark: 1 << 20 }), size: st.size };
    },
  };
}

export function blobName(digest: string): string {
  const { algorithm, hex } = parseDigest(digest);
  return `blobs/${algorithm}/${hex}`;
}

/**
 * A reader that takes blobs (manifests included) from a shared blob directory, DIR/<alg>/<hex>, and
 * everything else (index.json) from `reader`, as containers/image with OCISharedBlobDirPath.
 */
export function sharedBlobReader(reader: LayoutReader, sharedBlobDir: string | undefined): LayoutReader {
  if (!sharedBlobDir) return reader;
  const shared = dirLayoutReader(sharedBlobDir);
  const pick = (name: string) => (name.startsWith('blobs/') ? { r: shared, n: name.slice('blobs/'.length) } : { r: reader, n: name });
  return {
    where: reader.where,
    readFile: (name) => {
      const { r, n } = pick(name);
      return r.readFile(n);
    },
    openFile: (name, offset) => {
      const { r, n } = pick(name);
      return r.openFile(n, offset);
    },
  };
}

export async function readIndex(reader: LayoutReader): Promise<Index> {
  const bytes = await reader.readFile('index.json');
  if (!bytes) throw new TspodError('NO_SUCH_FILE', `${reader.where}: not an OCI layout: index.json missing`);
  try {
    return JSON.parse(bytes.toString('utf8')) as Index;
  } catch (err) {
    throw new TspodError('INVALID_LAYOUT', `${reader.where}/index.json: ${(err as Error).message}`);
  }
}

/** The index.json entry for a ref name ('' = the only one), as containers/image getManifestDescriptor. */
export function findDescriptor(index: Index, image: string, where: string): Descriptor {
  const ms = index.manifests ?? [];
  if (!image) {
    if (ms.length === 1) return ms[0];
    if (ms.length === 0) throw new TspodError('NO_SUCH_IMAGE', `no descriptors found in ${where}`);
    throw new TspodError('AMBIGUOUS_IMAGE', `more than one image in oci, choose an image`);
  }
  const d = ms.find((m) => m.annotations?.[REF_NAME_ANNOTATION] === image);
  if (!d) throw new TspodError('NO_SUCH_IMAGE', `no descriptor found for reference "${image}"`);
  return d;
}

export class OciLayoutSource implements ImageSource {
  private constructor(readonly reference: ImageReference, private readonly reader: LayoutReader, private readonly desc: Descriptor, private readonly onClose?: () => Promise<void>) {}

  static async open(ref: ImageReference, reader: LayoutReader, image: string, onClose?: () => Promise<void>): Promise<OciLayoutSource> {
    const index = await readIndex(reader);
    return new OciLayoutSource(ref, reader, findDescriptor(index, image, reader.where), onClose);
  }

  async getManifest(instanceDigest?: string): Promise<ManifestBytes> {
    const digest = instanceDigest ?? this.desc.digest;
    const bytes = await this.reader.readFile(blobName(digest));
    if (!bytes) throw new TspodError('BLOB_UNKNOWN', `reading manifest ${digest} in ${this.reader.where}: blob missing`);
    const mediaType = !instanceDigest && this.desc.mediaType ? this.desc.mediaType : guessManifestMediaType(bytes);
    return { bytes, mediaType };
  }

  async getBlob(desc: Descriptor, offset = 0) {
    const f = await this.reader.openFile(blobName(desc.digest), offset);
    if (!f) throw new TspodError('BLOB_UNKNOWN', `reading blob ${desc.digest} in ${this.reader.where}: blob missing`);
    return f;
  }

  async getSignatures(): Promise<Buffer[]> {
    return [];
  }

  async close(): Promise<void> {
    await this.onClose?.();
  }
}
