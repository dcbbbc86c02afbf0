// tspod image exists (podman-image-exists(1)): exit 0 when the image is in local storage, 1 when not.
import type { CommandModule } from '../types.ts';
import { openImageStore } from './shared.ts';

interface ExistsOptions { image: string }

export function existsCommand(): CommandModule<ExistsOptions> {
  return {
    command: 'exists <image>',
    describe: 'Check if an image exists in local storage',
    builder: (y) => y.positional('image', { type: 'string', describe: 'Image name or ID' }).example('$0 image exists busybox', ''),
    handler: async (opts) => {
      const store = await openImageStore(opts);
      return (await store.findImage(opts.image)) ? 0 : 1;
    },
  };
}
