// The copy flags several commands share (skopeo copy and sync, tspod push, tspod image copy), checked
// in one place and turned into CopyOptions: manifest format, layer compression, signing.
import { TspodError } from '../errors.ts';
import type { CopyOptions } from './index.ts';

export interface CopyFlags {
  /** --format: oci, v2s2, v2s1 (a signed Docker schema 1 manifest). */
  format?: string;
  /** --dest-compress-format / --compression-format: gzip, zstd. */
  compressionFormat?: string;
  compressionLevel?: number;
  signBy?: string;
  signBySigstorePrivateKey?: string;
  signPassphraseFile?: string;
  signIdentity?: string;
}

/** The manifest type of --format; podman's message has its own wording ("Choose on of"). */
export function parseManifestFormat(format: string | undefined, tool: 'skopeo' | 'podman' = 'skopeo'): 'oci' | 'v2s2' | 'v2s1' | undefined {
  if (format === undefined || format === '') return undefined;
  if (format === 'oci' || format === 'v2s2' || format === 'v2s1') return format;
  throw new TspodError('INVALID_ARGUMENT', `unknown format "${format}". Choose ${tool === 'podman' ? 'on' : 'one'} of the supported formats: 'oci', 'v2s1', or 'v2s2'`);
}

/** A compression algorithm by name (containers/image compression.AlgorithmByName). */
export function parseCompressionFormat(name: string | undefined): 'gzip' | 'zstd' | undefined {
  if (name === undefined || name === '') return undefined;
  if (name === 'gzip' || name === 'zstd') return name;
  throw new TspodError('INVALID_ARGUMENT', `cannot find compressor for "${name}"`);
}

/** Check the flags and give the CopyOptions they stand for. */
export async function copyFlagOptions(f: CopyFlags, tool: 'skopeo' | 'podman' = 'skopeo'): Promise<Pick<CopyOptions, 'format' | 'compression' | 'compressionLevel' | 'sign'>> {
  const format = parseManifestFormat(f.format, tool);
  const compression = parseCompressionFormat(f.compressionFormat);
  let sign: CopyOptions['sign'];
  if (f.signBy || f.signBySigstorePrivateKey || f.signIdentity) {
    const { createSigner, readPassphraseFile } = await import('../signature/signer.ts');
    const passphrase = f.signPassphraseFile ? await readPassphraseFile(f.signPassphraseFile) : undefined;
    sign = await createSigner({ signBy: f.signBy, sigstorePrivateKey: f.signBySigstorePrivateKey, passphrase, signIdentity: f.signIdentity });
    if (f.signIdentity && !sign) throw new TspodError('INVALID_ARGUMENT', 'cannot use --sign-identity without signing');
  }
  return { format, compression, compressionLevel: f.compressionLevel, sign };
}
