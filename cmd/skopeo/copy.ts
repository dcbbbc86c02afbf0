// skopeo copy: copy an image between any two transports, checking the source against policy.json
// and optionally signing what is written (cmd/skopeo/copy.go).
import { writeFile } from 'node:fs/promises';
import type { CommandModule } from '../types.ts';
import { TspodError } from '../../lib/errors.ts';
import {
  imageDestFlags, imageFlags, policyFor, retryFlags, sharedBlobDirFlag, skopeoAction, systemContext, type SkopeoGlobalOptions, positionals,
} from './shared.ts';

export interface CopyOptions extends SkopeoGlobalOptions {
  source: string;
  destination: string;
  all?: boolean;
  multiArch?: string;
  format?: string;
  destCompressFormat?: string;
  destCompressLevel?: number;
  additionalTag?: string[];
  preserveDigests?: boolean;
  removeSignatures?: boolean;
  signBy?: string;
  signBySigstorePrivateKey?: string;
  signPassphraseFile?: string;
  signIdentity?: string;
  digestfile?: string;
  quiet?: boolean;
  retryTimes?: number;
  encryptionKey?: string[];
  encryptLayer?: string[];
  decryptionKey?: string[];
  [k: string]: unknown;
}

export function copyCommand(): CommandModule<CopyOptions> {
  return {
    command: 'copy <source> <destination>',
    describe: 'Copy an IMAGE-NAME from one location to another',
    builder: (y) => {
      y = positionals(y, 'source', 'destination');
      y = sharedBlobDirFlag(imageFlags(y, 'src-', 'the source registry'), 'src-');
      y = imageDestFlags(sharedBlobDirFlag(imageFlags(y, 'dest-', 'the destination registry'), 'dest-'));
      y = retryFlags(y);
      return y
        .option('authfile', { type: 'string', describe: 'path of the authentication file for both sides' })
        .option('additional-tag', { type: 'string', array: true, nargs: 1, describe: 'additional tags (supports docker-archive)' })
        .option('all', { alias: 'a', type: 'boolean', describe: 'Copy all images if SOURCE-IMAGE is a list' })
        .option('multi-arch', { type: 'string', describe: 'How to handle multi-architecture images (system, all, or index-only)' })
        .option('format', { alias: 'f', type: 'string', describe: 'MANIFEST TYPE (oci, v2s1, or v2s2) to use in the destination' })
        .option('preserve-digests', { type: 'boolean', describe: 'Preserve digests of images and lists' })
        .option('remove-signatures', { type: 'boolean', describe: 'Do not copy signatures from SOURCE-IMAGE' })
        .option('sign-by', { type: 'string', describe: 'Sign the image using a GPG key with the specified FINGERPRINT' })
        .option('sign-by-sigstore-private-key', { type: 'string', describe: 'Sign the image using a sigstore private key at PATH' })
        .option('sign-passphrase-file', { type: 'string', describe: 'Read a passphrase for signing an image from PATH' })
        .option('sign-identity', { type: 'string', describe: 'Identity of signed image, must be a fully specified docker reference' })
        .option('digestfile', { type: 'string', describe: 'Write the digest of the pushed image to the specified file' })
        .option('quiet', { alias: 'q', type: 'boolean', describe: 'Suppress output information when copying images' })
        .option('encryption-key', { type: 'string', array: true, nargs: 1, describe: '*Experimental* key with the encryption protocol to use needed to encrypt the image (e.g. jwe:/path/to/key.pem)' })
        .option('encrypt-layer', { type: 'string', array: true, nargs: 1, describe: '*Experimental* the 0-indexed layer indices, with support for negative indexing (e.g. 0 is the first layer, -1 is the last layer)' })
        .option('decryption-key', { type: 'string', array: true, nargs: 1, describe: '*Experimental* key needed to decrypt the image' })
        .example('$0 skopeo copy docker://quay.io/skopeo/stable:latest docker://registry.example.com/skopeo:latest', '');
    },
    handler: (opts, io) =>
      skopeoAction(opts, async () => {
        const { parseImageName } = await import('../../lib/transports/index.ts');
        const { copyImage } = await import('../../lib/copy/index.ts');
        const { copyFlagOptions } = await import('../../lib/copy/options.ts');
        const src = await parseImageName(opts.source);
        const dest = await parseImageName(opts.destination);
        let multiArch: 'system' | 'all' | 'index-only' | undefined;
        if (opts.multiArch !== undefined) {
          if (!['system', 'all', 'index-only'].includes(opts.multiArch)) throw new TspodError('INVALID_ARGUMENT', `unknown multi-arch option "${opts.multiArch}". Choose one of the supported options: 'system', 'all', or 'index-only'`);
          if (opts.all) throw new TspodError('INVALID_ARGUMENT', 'cannot use --all and --multi-arch together');
          multiArch = opts.multiArch as typeof multiArch;
        }
        const destCtx = systemContext(opts, 'dest-', io.env);
        if (opts.additionalTag?.length) destCtx.dockerArchiveAdditionalTags = await additionalTags(opts.additionalTag);
        const flags = await copyFlagOptions({ ...opts, compressionFormat: opts.destCompressFormat, compressionLevel: opts.destCompressLevel });
        const { layerCryptoFromFlags } = await import('../../lib/encryption/index.ts');
        const crypto = layerCryptoFromFlags(opts);
        // --insecure-policy accepts anything: the policy code (and tweetnacl, ~3 ms) is not loaded
        const policy = opts.insecurePolicy ? undefined : await policyFor(opts);
        const res = await copyImage(src, dest, {
          ...flags,
          srcCtx: systemContext(opts, 'src-', io.env),
          destCtx,
          all: opts.all,
          multiArch,
          preserveDigests: opts.preserveDigests,
          retryTimes: opts.retryTimes,
          reportWriter: opts.quiet ? undefined : io.stdout,
          policy,
          removeSignatures: opts.removeSignatures,
          crypto,
        });
        if (opts.digestfile) await writeFile(opts.digestfile, res.manifestDigest);
        return 0;
      }, true),
  };
}

/** --additional-tag values as "host/repo:tag" (skopeo accepts only tagged references). */
async function additionalTags(values: string[]): Promise<string[]> {
  const { parseNamed } = await import('../../lib/reference/parse.ts');
  return values.map((v) => {
    let named;
    try {
      named = parseNamed(v);
    } catch (e) {
      const why = /lowercase/.test((e as Error).message) ? ': repository name must be lowercase' : '';
      throw new TspodError('INVALID_ARGUMENT', `error parsing additional-tag '${v}': invalid reference format${why}`);
    }
    if (!named.tag) throw new TspodError('INVALID_ARGUMENT', `additional-tag '${v}' must be a tagged reference`);
    return `${named.name}:${named.tag}`;
  });
}
