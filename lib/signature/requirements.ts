// Evaluation of one policy requirement (containers/image policy_eval_*.go). Returns undefined
// when the requirement accepts the image, else the reason it does not.
import { readFile } from 'node:fs/promises';
import { TspodError } from '../errors.ts';
import type { ImageReference } from '../transports/types.ts';
import { signatureFromBlob, type Signature } from './blob.ts';
import type { KeySource, PolicyRequirement } from './policy.ts';
import { verifySimple } from './simple.ts';
import { loadPublicKey, verifySigstore } from './sigstore.ts';

export type Material = () => Promise<{ manifest: Buffer; signatures: Buffer[] }>;

/** The key files or inline data a requirement names; a missing file is an error, not a rejection. */
export async function loadKeys(src: KeySource): Promise<{ data: Buffer; what: string }[]> {
  if (src.keyData !== undefined) return [{ data: Buffer.from(src.keyData, 'base64'), what: 'keyData' }];
  const paths = src.keyPaths ?? (src.keyPath ? [src.keyPath] : []);
  return Promise.all(
    paths.map(async (p) => {
      try {
        return { data: await readFile(p), what: p };
      } catch (e) {
        throw new TspodError('INVALID_KEY', `reading key file "${p}": ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`);
      }
    }),
  );
}

function summarize(reasons: string[], kind: string): string {
  if (reasons.length === 0) return 'A signature was required, but no signature exists';
  if (reasons.length === 1) return reasons[0];
  return `None of the ${kind} signatures were accepted, reasons: ${reasons.join('; ')}`;
}

function decodeAll(blobs: Buffer[]): { sigs: Signature[]; errors: string[] } {
  const sigs: Signature[] = [];
  const errors: string[] = [];
  for (const b of blobs) {
    try {
      sigs.push(signatureFromBlob(b));
    } catch (e) {
      errors.push((e as Error).message);
    }
  }
  return { sigs, errors };
}

function rejection(e: unknown): string {
  if (e instanceof TspodError && (e.code === 'SIGNATURE_REJECTED' || e.code === 'INVALID_SIGNATURE')) return e.message;
  throw e;
}

export async function evaluateRequirement(req: PolicyRequirement, ref: ImageReference, material: Material): Promise<string | undefined> {
  switch (req.type) {
    case 'insecureAcceptAnything':
      return undefined;
    case 'reject':
      return `Running image ${ref.transport.name}:${ref.stringWithinTransport()} is rejected by policy.`;
    case 'signedBy': {
      const keys = (await loadKeys(req)).map((k) => k.data);
      const { manifest, signatures } = await material();
      const { sigs, errors } = decodeAll(signatures);
      const reasons = [...errors];
      for (const s of sigs) {
        if (s.format !== 'simple-signing') continue;
        try {
          await verifySimple(s.data, { keys, manifest, imageReference: ref.dockerReference(), signedIdentity: req.signedIdentity });
          return undefined;
        } catch (e) {
          reasons.push(rejection(e));
        }
      }
      return summarize(reasons, 'GPG');
    }
    case 'sigstoreSigned': {
      const publicKeys = (await loadKeys(req)).map((k) => loadPublicKey(k.data, k.what));
      const { manifest, signatures } = await material();
      const { sigs, errors } = decodeAll(signatures);
      const reasons = [...errors];
      for (const s of sigs) {
        if (s.format !== 'sigstore-json') continue;
        try {
          verifySigstore(s, { publicKeys, manifest, imageReference: ref.dockerReference(), signedIdentity: req.signedIdentity });
          return undefined;
        } catch (e) {
          reasons.push(rejection(e));
        }
      }
      return summarize(reasons, 'sigstore');
    }
  }
}
