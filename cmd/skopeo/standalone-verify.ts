// skopeo standalone-verify: check a simple signature of a local manifest file against the user's
// keyring (or --public-key-file) and the expected reference and key fingerprints.
import { readFile } from 'node:fs/promises';
import type { CommandModule } from '../types.ts';
import { TspodError } from '../../lib/errors.ts';
import { skopeoAction, type SkopeoGlobalOptions, positionals } from './shared.ts';

export interface StandaloneVerifyOptions extends SkopeoGlobalOptions {
  manifest: string;
  dockerReference: string;
  fingerprints: string;
  signature: string;
  publicKeyFile?: string;
}

async function read(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (e) {
    throw new TspodError('INVALID_ARGUMENT', `reading ${path}: ${(e as Error).message}`);
  }
}

export function standaloneVerifyCommand(): CommandModule<StandaloneVerifyOptions> {
  return {
    command: 'standalone-verify <manifest> <docker-reference> <fingerprints> <signature>',
    describe: 'Verify a signature using local files',
    builder: (y0) => {
      const y = positionals(y0, 'manifest', 'docker-reference', 'fingerprints', 'signature');
      return y
        .option('public-key-file', { type: 'string', describe: 'File containing public keys. If not specified, will use local GPG keys.' })
        .example('$0 skopeo standalone-verify manifest.json registry.example.com/app:1 FINGERPRINT app.sig', '');
    },
    handler: (opts, io) =>
      skopeoAction(opts, async () => {
        const { gpgVerifyIn, gpgVerifyWithKeys } = await import('../../lib/signature/gpg.ts');
        const { parsePayload, manifestMatchesDigest, SIMPLE_SIGNING_TYPE } = await import('../../lib/signature/payload.ts');
        const { parseDockerRef, dockerRefString } = await import('../../lib/signature/identity.ts');
        const manifest = await read(opts.manifest);
        const sig = await read(opts.signature);
        const wanted = opts.fingerprints.split(',').map((f) => f.trim().toUpperCase());
        if (wanted.includes('ANY') && !opts.publicKeyFile) throw new TspodError('INVALID_ARGUMENT', 'cannot use any fingerprint without a public key file');
        const v = opts.publicKeyFile ? await gpgVerifyWithKeys(sig, [await read(opts.publicKeyFile)]) : await gpgVerifyIn(io.env.GNUPGHOME, sig);
        if (!wanted.includes('ANY') && !wanted.includes(v.primaryFingerprint) && !wanted.includes(v.fingerprint)) {
          throw new TspodError('SIGNATURE_REJECTED', `Error verifying signature: Signature by ${v.fingerprint} does not match expected fingerprints [${wanted.join(' ')}]`);
        }
        const claims = parsePayload(v.payload, SIMPLE_SIGNING_TYPE);
        if (!manifestMatchesDigest(manifest, claims.manifestDigest)) {
          throw new TspodError('SIGNATURE_REJECTED', `Error verifying signature: Signature for docker-manifest-digest "${claims.manifestDigest}" does not match the manifest`);
        }
        if (dockerRefString(parseDockerRef(claims.dockerReference)) !== dockerRefString(parseDockerRef(opts.dockerReference))) {
          throw new TspodError('SIGNATURE_REJECTED', `Error verifying signature: Docker reference "${claims.dockerReference}" does not match "${opts.dockerReference}"`);
        }
        io.stdout.write(`Signature verified using fingerprint ${v.primaryFingerprint}, digest ${claims.manifestDigest}\n`);
        return 0;
      }),
  };
}
