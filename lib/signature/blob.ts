// The on-disk/in-transit form of one signature, byte-compatible with containers/image
// internal/signature: simple-signing blobs are the raw OpenPGP message (recognised by the first
// packet byte); every other format is "\0" + format name + "\n" + data. Sigstore data is JSON
// {mimeType, payload: base64, annotations}. dir: and containers-storage: store exactly these bytes.
import { TspodError } from '../errors.ts';

export const SIGSTORE_MIME = 'application/vnd.dev.cosign.simplesigning.v1+json';
export const SIGSTORE_SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';

export type Signature =
  | { format: 'simple-signing'; data: Buffer }
  | { format: 'sigstore-json'; mimeType: string; payload: Buffer; annotations: Record<string, string> };

// First bytes of an OpenPGP message: compressed data, one-pass signature or signature packets.
const OPENPGP_FIRST = new Set([0xa0, 0xa1, 0xa2, 0xa3, 0xc8, 0x90, 0x91, 0x92, 0x3d, 0xc4, 0x88, 0x89, 0x8a, 0x8b, 0xc2]);

export function signatureFromBlob(blob: Buffer): Signature {
  if (blob.length === 0) throw new TspodError('INVALID_SIGNATURE', 'empty signature blob');
  if (OPENPGP_FIRST.has(blob[0])) return { format: 'simple-signing', data: blob };
  if (blob[0] !== 0) throw new TspodError('INVALID_SIGNATURE', 'unrecognized signature format');
  const nl = blob.indexOf(0x0a);
  if (nl < 0) throw new TspodError('INVALID_SIGNATURE', 'invalid signature format, missing newline');
  const format = blob.subarray(1, nl).toString('utf8');
  const chunk = blob.subarray(nl + 1);
  if (format === 'simple-signing') return { format, data: Buffer.from(chunk) };
  if (format === 'sigstore-json') {
    let j: { mimeType?: unknown; payload?: unknown; annotations?: unknown };
    try {
      j = JSON.parse(chunk.toString('utf8'));
    } catch (e) {
      throw new TspodError('INVALID_SIGNATURE', `parsing sigstore signature: ${(e as Error).message}`);
    }
    if (typeof j.mimeType !== 'string' || typeof j.payload !== 'string') {
      throw new TspodError('INVALID_SIGNATURE', 'invalid sigstore signature: missing mimeType or payload');
    }
    const annotations = (j.annotations && typeof j.annotations === 'object' ? j.annotations : {}) as Record<string, string>;
    return { format, mimeType: j.mimeType, payload: Buffer.from(j.payload, 'base64'), annotations };
  }
  throw new TspodError('INVALID_SIGNATURE', `unrecognized signature format "${format}"`);
}

export function signatureToBlob(sig: Signature): Buffer {
  if (sig.format === 'simple-signing') return Buffer.from(sig.data);
  const json = JSON.stringify({ mimeType: sig.mimeType, payload: sig.payload.toString('base64'), annotations: sig.annotations });
  return Buffer.concat([Buffer.from('\0sigstore-json\n'), Buffer.from(json)]);
}
