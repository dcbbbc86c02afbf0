// tspod image copy SRC DEST: skopeo copy for podman-style use (issue 3). Both sides are
// transport:reference names; a name without a transport is a registry image (docker://).
import type { CommandModule } from '../types.ts';
import { loadPolicyChecker, registryFlags, systemContext, type RegistryFlags } from './transfer.ts';

export interface ImageCopyOptions extends RegistryFlags {
  source: string;
  destination: string;
  all?: boolean;
  format?: string;
  compressionFormat?: string;
  compressionLevel?: number;
  compress?: boolean;
  preserveDigests?: boolean;
  removeSignatures?: boolean;
  quiet?: boolean;
}

export function imageCopyCommand(): CommandModule<ImageCopyOptions> {
  return {
    command: 'copy <source> <destination>',
    describe: 'Copy an image between registries, archives, directories and the local store',
    builder: (y) =>
      registryFlags(y)
        .positional('source', { type: 'string', describe: 'TRANSPORT:REFERENCE (docker://, oci:, oci-archive:, dir:, docker-archive:, containers-storage:)' })
        .positional('destination', { type: 'string', describe: 'TRANSPORT:REFERENCE' })
        .option('all', { alias: 'a', type: 'boolean', describe: 'Copy every image of a manifest list and the list itself' })
        .option('format', { alias: 'f', type: 'string', describe: 'Manifest type (oci, v2s2) to use in the destination' })
        .option('compression-format', { type: 'string', describe: 'compression format to use (gzip, zstd)' })
        .option('compression-level', { type: 'number', describe: 'compression level to use' })
        .option('compress', { type: 'boolean', describe: "Compress tarball image layers when copying to a directory using the 'dir' transport" })
        .option('preserve-digests', { type: 'boolean', describe: 'Refuse any change that would alter a digest' })
        .option('remove-signatures', { type: 'boolean', describe: 'Do not copy signatures' })
        .option('quiet', { alias: 'q', type: 'boolean', describe: 'Suppress progress output' })
        .example('$0 image copy docker://127.0.0.1:5000/busybox:latest oci:/tmp/busybox:latest', ''),
    handler: async (opts, io) => {
      const { copyFlagOptions } = await import('../../lib/copy/options.ts');
      const flags = await copyFlagOptions(opts);
      const { parseImageName } = await import('../../lib/transports/index.ts');
      const { copyImage } = await import('../../lib/copy/index.ts');
      const parse = (s: string) => parseImageName(s).catch((err) => (/unknown transport|expected colon/.test((err as Error).message) ? parseImageName(`docker://${s}`) : Promise.reject(err)));
      const ctx = systemContext(opts, io);
      const res = await copyImage(await parse(opts.source), await parse(opts.destination), {
        ...flags,
        srcCtx: ctx, destCtx: { ...ctx, dirForceCompress: opts.compress }, all: opts.all, policy: await loadPolicyChecker(io),
        preserveDigests: opts.preserveDigests, removeSignatures: opts.removeSignatures,
        retryTimes: ctx.retryTimes, retryDelayMs: ctx.retryDelayMs,
        reportWriter: opts.quiet ? undefined : io.stderr,
      });
      void res;
      return 0;
    },
  };
}
