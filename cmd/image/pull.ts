// tspod pull: podman-pull(1). Short names resolved through registries.conf, each candidate tried in
// order ("Trying to pull NAME..." on stderr), the image copied into containers-storage, its ID on stdout.
import type { CommandModule } from '../types.ts';
import { TspodError } from '../../lib/errors.ts';
import { loadPolicyChecker, registryFlags, storageReference, systemContext, type RegistryFlags } from './transfer.ts';

export interface PullOptions extends RegistryFlags {
  image: string[];
  platform?: string;
  arch?: string;
  os?: string;
  variant?: string;
  quiet?: boolean;
  allTags?: boolean;
}

const TRANSPORT_RE = /^(docker|dir|oci|oci-archive|docker-archive|containers-storage):/;

export function pullCommand(): CommandModule<PullOptions> {
  return {
    command: 'pull <image..>',
    describe: 'Pull an image from a registry',
    builder: (y) =>
      registryFlags(y)
        .positional('image', { type: 'string', array: true, describe: 'image name, optionally with a transport (docker://, dir:, oci:, oci-archive:, docker-archive:)' })
        .option('platform', { type: 'string', describe: 'Specify the platform for selecting the image (OS/ARCH[/VARIANT])' })
        .option('arch', { type: 'string', describe: 'Use ARCH instead of the architecture of the machine for choosing images' })
        .option('os', { type: 'string', describe: 'Use OS instead of the running OS for choosing images' })
        .option('variant', { type: 'string', describe: 'Use VARIANT instead of the running architecture variant for choosing images' })
        .option('quiet', { alias: 'q', type: 'boolean', describe: 'Suppress output information when pulling images' })
        .option('all-tags', { alias: 'a', type: 'boolean', describe: 'All tagged images in the repository will be pulled' })
        .example('$0 pull busybox', '')
        .example('$0 pull --arch arm64 127.0.0.1:5000/busybox:latest', ''),
    handler: async (opts, io) => {
      const ctx = systemContext(opts, io);
      if (opts.platform) {
        if (opts.arch || opts.os || opts.variant) throw new TspodError('INVALID_ARGUMENT', '--platform option can not be specified with --arch or --os');
        const [os, arch, variant] = opts.platform.split('/');
        Object.assign(ctx, { os: os || undefined, arch: arch || undefined, variant: variant || undefined });
      } else {
        Object.assign(ctx, { os: opts.os, arch: opts.arch, variant: opts.variant });
      }
      const { pullImage } = await import('../../lib/copy/pull.ts');
      const policy = await loadPolicyChecker(io);
      for (const image of opts.image) {
        if (opts.allTags && (TRANSPORT_RE.test(image) && !image.startsWith('docker://'))) {
          throw new TspodError('INVALID_ARGUMENT', '--all-tags requires a registry image');
        }
        const ids = await pullImage(image, {
          ctx, policy, allTags: opts.allTags, quiet: opts.quiet, stderr: io.stderr, stdin: io.stdin, stdout: io.stdout,
          storageReference,
        });
        const { eventSink, imageEvent } = await import('../../lib/events/index.ts');
        for (const id of ids) imageEvent(eventSink(opts), 'pull', image, id);
        for (const id of ids) io.stdout.write(id + '\n');
      }
      return 0;
    },
  };
}
