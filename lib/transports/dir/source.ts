import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { TspodError } from '../../errors.ts';
import { digestHex } from '../../oci/digest.ts';
import type { Descriptor } from '../../oci/types.ts';
import { guessManifestMediaType } from '../../copy/manifest.ts';
import type { ImageSource, ManifestBytes } from '../types.ts';
import type { DirReference } from './transport.ts';

export function manifestPath(dir: string, instanceDigest?: string): string {
  return join(dir, instanceDigest ? `${digestHex(instanceDigest)}.manifest.json` : 'manifest.json');
}

export function signaturePath(dir: string, index: number, instanceDigest?: string): string {
  return join(dir, instanceDigest ? `${digestHex(instanceDigest)}.signature-${index + 1}` : `signature-${index + 1}`);
}

export function blobPath(dir: string, digest: string): string {
  return join(dir, digestHex(digest));
}

export class DirImageSource implements ImageSource {
  private constructor(readonly reference: DirReference) {}

  static async open(ref: DirReference): Promise<DirImageSource> {
    return new DirImageSource(ref);
  }

  async getManifest(instanceDigest?: string): Promise<ManifestBytes> {
    const p = manifestPath(this.reference.resolvedPath, instanceDigest);
    let bytes: Buffer;
    try {
      bytes = await readFile(p);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new TspodError('NO_SUCH_FILE', `reading manifest ${p}: no such file`, { exitCode: 125 });
      }
      throw err;
    }
    return { bytes, mediaType: guessManifestMediaType(bytes) };
  }

  async getBlob(desc: Descriptor, offset = 0) {
    const p = blobPath(this.reference.resolvedPath, desc.digest);
    let size: number;
    try {
      size = (await stat(p)).size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new TspodError('BLOB_UNKNOWN', `reading blob ${desc.digest}: no such file ${p}`);
      throw err;
    }
    return { stream: createReadStream(p, { start: offset, highWaterMark: 1 << 20 }), size };
  }

  async getSignatures(instanceDigest?: string): Promise<Buffer[]> {
    const out: Buffer[] = [];
    for (let i = 0; ; i++) {
      try {
        out.push(await readFile(signaturePath(this.reference.resolvedPath, i, instanceDigest)));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return out;
        throw err;
      }
    }
  }

  async close(): Promise<void> {}
}
