// tspod push IMAGE [DESTINATION]: podman-push(1). DESTINATION defaults to IMAGE's name in its
// registry; without a transport it is a docker:// reference.
import type { CommandModule } from '../types.ts';
import { loadPolicyChecker, registryFlags, systemContext, type RegistryFlags } from './transfer.ts';

export interface PushOptions extends RegistryFlags {
  image: string;
  destination?: string;
  quiet?: boolean;
  format?: string;
  compressionFormat?: string;
  compressionLevel?: number;
  compress?: boolean;
  removeSignatures?: boolean;
  signBy?: string;
  signBySigstorePrivateKey?: string;
  signPassphraseFile?: string;
  digestfile?: string;
}

export function pushCommand(): CommandModule<PushOptions> {
  return {
    command: 'push <image> [destination]',
    describe: 'Push an image to a specified destination',
    builder: (y) =>
      registryFlags(y)
        .positional('image', { type: 'string', describe: 'local image name or ID' })
        .positional('destination', { type: 'string', describe: 'destination, docker://NAME by default; any transport (dir:, oci:, oci-archive:, docker-archive:)' })
        .option('quiet', { alias: 'q', type: 'boolean', describe: 'Suppress output information when pushing images' })
        .option('format', { alias: 'f', type: 'string', describe: 'Manifest type (oci, v2s2, or v2s1) to use in the destination (default is manifest type of source, with fallbacks)' })
        .option('compression-format', { type: 'string', describe: 'compression format to use (gzip, zstd)' })
        .option('compression-level', { type: 'number', describe: 'compression level to use' })
        .option('compress', { type: 'boolean', describe: "Compress tarball image layers when pushing to a directory using the 'dir' transport. (default is same compression type as source)" })
        .option('remove-signatures', { type: 'boolean', describe: 'Discard any pre-existing signatures in the image' })
        .option('sign-by', { type: 'string', describe: 'Add a signature at the destination using the specified key' })
        .option('sign-by-sigstore-private-key', { type: 'string', describe: 'Sign the image using a sigstore private key at PATH' })
        .option('sign-passphrase-file', { type: 'string', describe: 'Read a passphrase for signing an image from PATH' })
        .option('digestfile', { type: 'string', describe: 'Write the digest of the pushed image to the specified file' })
        .example('$0 push 127.0.0.1:5000/busybox:latest', '')
        .example('$0 push busybox oci-archive:/tmp/busybox.tar', ''),
    handler: async (opts, io) => {
      const ctx = systemContext(opts, io);
      const { copyFlagOptions } = await import('../../lib/copy/options.ts');
      const flags = await copyFlagOptions(opts, 'podman');
      const { parseImageName } = await import('../../lib/transports/index.ts');
      const { copyImage } = await import('../../lib/copy/index.ts');
      const { openImageStore } = await import('./shared.ts');
      const store = await openImageStore(opts);
      const rec = await store.lookupImage(opts.image);
      const src = await parseImageName(`containers-storage:@${rec.id}`);
      let destName = opts.destination;
      if (!destName) {
        const { parseNamed, withDefaultTag } = await import('../../lib/reference/parse.ts');
        let full: string;
        try {
          full = withDefaultTag(parseNamed(opts.image)).toString();
        } catch {
          full = rec.names[0];
        }
        // "busybox" pushes the local image's own name when it has one of that repository
        const own = rec.names.find((n) => n === full) ?? (rec.names.length === 1 && !opts.image.includes('/') ? rec.names[0] : full);
        destName = `docker://${own}`;
      }
      // As podman: a destination that does not parse as transport:reference is a registry name.
      const dest = await parseImageName(destName).catch(() => parseImageName(`docker://${destName}`));
      const res = await copyImage(src, dest, {
        ...flags,
        srcCtx: ctx, destCtx: { ...ctx, dirForceCompress: opts.compress }, policy: await loadPolicyChecker(io),
        removeSignatures: opts.removeSignatures,
        retryTimes: ctx.retryTimes, retryDelayMs: ctx.retryDelayMs,
        reportWriter: opts.quiet ? undefined : io.stderr,
      });
      const { eventSink, imageEvent } = await import('../../lib/events/index.ts');
      imageEvent(eventSink(opts), 'push', opts.destination ?? opts.image, rec.id);
      if (opts.digestfile) {
        const { writeFile } = await import('node:fs/promises');
        await writeFile(opts.digestfile, res.manifestDigest);
      }
      return 0;
    },
  };
}
