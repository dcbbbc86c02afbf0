// skopeo delete: remove an image (registry: the manifest by digest; local transports: the image).
import type { CommandModule } from '../types.ts';
import { imageFlags, retryFlags, sharedBlobDirFlag, skopeoAction, systemContext, type SkopeoGlobalOptions, positionals } from './shared.ts';

export interface DeleteOptions extends SkopeoGlobalOptions {
  image: string;
  [k: string]: unknown;
}

export function deleteCommand(): CommandModule<DeleteOptions> {
  return {
    command: 'delete <image>',
    describe: 'Delete image IMAGE-NAME',
    builder: (y0) => {
      const y = positionals(y0, 'image');
      return retryFlags(sharedBlobDirFlag(imageFlags(y, ''), '')).example('$0 skopeo delete docker://registry.example.com/example/pause:latest', '');
    },
    handler: (opts, io) =>
      skopeoAction(opts, async () => {
        const { parseImageName } = await import('../../lib/transports/index.ts');
        const ref = await parseImageName(opts.image);
        await ref.deleteImage(systemContext(opts, '', io.env));
        return 0;
      }, true),
  };
}
