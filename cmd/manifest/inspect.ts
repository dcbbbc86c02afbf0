// tspod manifest inspect IMAGE: the manifest list (or, unlike podman 4, a single image's manifest)
// of an image in a registry, indented as podman prints it.
import type { CommandModule } from '../types.ts';
import { registryFlags, systemContext, type RegistryFlags } from '../image/transfer.ts';

export interface ManifestInspectOptions extends RegistryFlags {
  image: string;
}

export function manifestInspectCommand(): CommandModule<ManifestInspectOptions> {
  return {
    command: 'inspect <image>',
    describe: 'Display the contents of a manifest list or image index',
    builder: (y) =>
      registryFlags(y)
        .positional('image', { type: 'string', describe: 'image or manifest list name' })
        .example('$0 manifest inspect localhost/list', ''),
    handler: async (opts, io) => {
      const ctx = systemContext(opts, io);
      const { inspectManifest } = await import('../../lib/copy/inspect.ts');
      io.stdout.write(await inspectManifest(opts.image, ctx) + '\n');
      return 0;
    },
  };
}
