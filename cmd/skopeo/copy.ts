// skopeo copy: copy an image between any two transports, checking the source against policy.json
// and optionally signing what is written (cmd/skopeo/copy.go).
import { writeFile } from 'node:fs/promises';
import type { CommandModule } from '../types.ts';
import { TspodError } from '../../lib/errors.ts';
import { imageFlags, policyFor, retryFlags, skopeoAction, systemContext, type SkopeoGlobalOptions, positionals } from './shared.ts';

export interface CopyOptions extends SkopeoGlobalOptions {
  source: string;
  destination: string;
  all?: boolean;
  multiArch?: string;
  format?: string;
  destCompressFormat?: string;
  destCompressLevel?: number;
  preserveDigests?: boolean;
  removeSignatures?: boolean;
  signBy?: string;
  signBySigstorePrivateKey?: string;
  signPassphraseFile?: string;
  signIdentity?: string;
  digestfile?: string;
  quiet?: boolean;
  retryTimes?: number;
  [k: string]: unknown;
}

export function copyCommand(): CommandModule<CopyOptions> {
  return {
    command: 'copy <source> <destination>',
    describe: 'Copy an IMAGE-NAME from one location to another',
    builder: (y) => {
      y = positionals(y, 'source', 'destination');
      y = imageFlags(y, 'src-', 'the source registry');
      y = imageFlags(y, 'dest-', 'the destination registry');
      y = retryFlags(y);
      return y
        .option('authfile', { type: 'string', describe: 'path of the authentication file for both sides' })
        .option('all', { alias: 'a', type: 'boolean', describe: 'Copy all images if SOURCE-IMAGE is a list' })
        .option('multi-arch', { type: 'string', describe: 'How to handle multi-architecture images (system, all, or index-only)' })
        .option('format', { alias: 'f', type: 'string', describe: 'MANIFEST TYPE (oci, v2s1, or v2s2) to use in the destination' })
        .option('dest-compress-format', { type: 'string', describe: 'FORMAT to use for the compression (gzip, zstd)' })
        .option('dest-compress-level', { type: 'number', describe: 'LEVEL to use for the compression' })
        .option('preserve-digests', { type: 'boolean', describe: 'Preserve digests of images and lists' })
        .option('remove-signatures', { type: 'boolean', describe: 'Do not copy signatures from SOURCE-IMAGE' })
        .option('sign-by', { type: 'string', describe: 'Sign the image using a GPG key with the specified FINGERPRINT' })
        .option('sign-by-sigstore-private-key', { type: 'string', describe: 'Sign the image using a sigstore private key at PATH' })
        .option('sign-passphrase-file', { type: 'string', describe: 'Read a passphrase for signing an image from PATH' })
        .option('sign-identity', { type: 'string', describe: 'Identity of signed image, must be a fully specified docker reference' })
        .option('digestfile', { type: 'string', describe: 'Write the digest of the pushed image to the specified file' })
        .option('quiet', { alias: 'q', type: 'boolean', describe: 'Suppress output information when copying images' })
        .example('$0 skopeo copy docker://quay.io/skopeo/stable:latest docker://registry.example.com/skopeo:latest', '');
    },
    handler: (opts, io) =>
      skopeoAction(opts, async () => {
        const { parseImageName } = await import('../../lib/transports/index.ts');
        const { copyImage } = await import('../../lib/copy/index.ts');
        const { createSigner, readPassphraseFile } = await import('../../lib/signature/signer.ts');
        const src = await parseImageName(opts.source);
        const dest = await parseImageName(opts.destination);
        let format: 'oci' | 'v2s2' | undefined;
        if (opts.format) {
          if (opts.format === 'oci' || opts.format === 'v2s2') format = opts.format;
          else if (opts.format === 'v2s1') throw new TspodError('INVALID_ARGUMENT', 'manifest type v2s1 is not supported by tspod');
          else throw new TspodError('INVALID_ARGUMENT', `unknown format "${opts.format}". Choose one of the supported formats: 'oci', 'v2s1', or 'v2s2'`);
        }
        let compression: 'gzip' | 'zstd' | undefined;
        if (opts.destCompressFormat) {
          if (opts.destCompressFormat !== 'gzip' && opts.destCompressFormat !== 'zstd') {
            throw new TspodError('INVALID_ARGUMENT', `unknown compression algorithm "${opts.destCompressFormat}"`);
          }
          compression = opts.destCompressFormat;
        }
        let multiArch: 'system' | 'all' | 'index-only' | undefined;
        if (opts.multiArch !== undefined) {
          if (!['system', 'all', 'index-only'].includes(opts.multiArch)) throw new TspodError('INVALID_ARGUMENT', `unknown multi-arch option "${opts.multiArch}". Choose one of the supported options: 'system', 'all', or 'index-only'`);
          if (opts.all) throw new TspodError('INVALID_ARGUMENT', 'cannot use --all and --multi-arch together');
          multiArch = opts.multiArch as typeof multiArch;
        }
        const passphrase = opts.signPassphraseFile ? await readPassphraseFile(opts.signPassphraseFile) : undefined;
        const sign = await createSigner({ signBy: opts.signBy, sigstorePrivateKey: opts.signBySigstorePrivateKey, passphrase, signIdentity: opts.signIdentity });
        if (opts.signIdentity && !sign) throw new TspodError('INVALID_ARGUMENT', 'cannot use --sign-identity without signing');
        const policy = await policyFor(opts);
        const res = await copyImage(src, dest, {
          srcCtx: systemContext(opts, 'src-', io.env),
          destCtx: systemContext(opts, 'dest-', io.env),
          all: opts.all,
          multiArch,
          format,
          compression,
          compressionLevel: opts.destCompressLevel,
          preserveDigests: opts.preserveDigests,
          retryTimes: opts.retryTimes,
          reportWriter: opts.quiet ? undefined : io.stdout,
          policy,
          sign,
          removeSignatures: opts.removeSignatures,
        });
        if (opts.digestfile) await writeFile(opts.digestfile, res.manifestDigest);
        return 0;
      }, true),
  };
}
