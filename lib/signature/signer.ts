// The `sign` hook lib/copy calls after writing a manifest: GPG simple signing (--sign-by) and/or a
// sigstore signature (--sign-by-sigstore-private-key). Keys and passphrases are checked when the
// signer is created, before any blob is copied, so a wrong passphrase fails fast.
import { readFile } from 'node:fs/promises';
import { TspodError } from '../errors.ts';
import { signatureToBlob } from './blob.ts';
import { parseDockerRef, dockerRefString } from './identity.ts';

export interface SignerOptions {
  /** GPG key fingerprint (skopeo --sign-by). */
  signBy?: string;
  /** Path of a cosign encrypted private key (skopeo --sign-by-sigstore-private-key). */
  sigstorePrivateKey?: string;
  /** The passphrase (first line of --sign-passphrase-file). */
  passphrase?: string;
  /** Identity to sign instead of the destination's docker reference (--sign-identity). */
  signIdentity?: string;
  gnupgHome?: string;
}

export type Signer = (manifest: Buffer, dockerRef?: string) => Promise<Buffer[]>;

/** skopeo's passphrase files: the first line, without its line ending. */
export async function readPassphraseFile(path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new TspodError('INVALID_ARGUMENT', `reading passphrase file "${path}": ${(e as Error).message}`);
  }
  return text.split('\n')[0].replace(/\r$/, '');
}

export async function createSigner(opts: SignerOptions): Promise<Signer | undefined> {
  if (!opts.signBy && !opts.sigstorePrivateKey) return undefined;
  if (opts.signBy && opts.sigstorePrivateKey && opts.passphrase !== undefined) {
    throw new TspodError('INVALID_ARGUMENT', 'Only one of --sign-by and --sign-by-sigstore-private-key can be used with --sign-passphrase-file');
  }
  let identity: string | undefined;
  if (opts.signIdentity) {
    const r = parseDockerRef(opts.signIdentity);
    if (!r.tag && !r.digest) throw new TspodError('INVALID_ARGUMENT', `--sign-identity "${opts.signIdentity}" must be a tagged or digested reference`);
    identity = dockerRefString(r);
  }
  let sigstoreKey: import('node:crypto').KeyObject | undefined;
  if (opts.sigstorePrivateKey) {
    const { loadSigstorePrivateKey } = await import('./sigstore.ts');
    let text: string;
    try {
      text = await readFile(opts.sigstorePrivateKey, 'utf8');
    } catch (e) {
      throw new TspodError('INVALID_KEY', `reading private key "${opts.sigstorePrivateKey}": ${(e as Error).message}`);
    }
    if (opts.passphrase === undefined) throw new TspodError('INVALID_ARGUMENT', 'a passphrase is needed for the sigstore private key: use --sign-passphrase-file');
    sigstoreKey = await loadSigstorePrivateKey(text, Buffer.from(opts.passphrase));
  }
  return async (manifest, dockerRef) => {
    const ref = identity ?? (dockerRef ? dockerRefString(parseDockerRef(dockerRef)) : undefined);
    if (!ref) throw new TspodError('INVALID_ARGUMENT', 'cannot determine canonical Docker reference for the destination: use --sign-identity');
    const out: Buffer[] = [];
    if (opts.signBy) {
      const { signSimple } = await import('./simple.ts');
      out.push(await signSimple(manifest, ref, opts.signBy, { homeDir: opts.gnupgHome, passphrase: opts.sigstorePrivateKey ? undefined : opts.passphrase }));
    }
    if (sigstoreKey) {
      const { signSigstore } = await import('./sigstore.ts');
      out.push(signatureToBlob(signSigstore(manifest, ref, sigstoreKey)));
    }
    return out;
  };
}
