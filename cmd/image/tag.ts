// tspod tag / tspod image tag (podman-tag(1)).
import type { CommandModule } from '../types.ts';
import { normalizeTarget, openImageStore } from './shared.ts';

interface TagOptions { image: string; names: string[] }

export function tagCommand(): CommandModule<TagOptions> {
  return {
    command: 'tag <image> <names..>',
    describe: 'Add an additional name to a local image',
    builder: (y) => y
      .positional('image', { type: 'string', describe: 'Image name or ID' })
      .positional('names', { type: 'string', array: true, describe: 'New names' })
      .example('$0 tag 0e3bbc2 fedora:latest', '')
      .example('$0 tag httpd myregistryhost:5000/fedora/httpd:v2', ''),
    handler: async (opts) => {
      const store = await openImageStore(opts);
      const rec = await store.lookupImage(opts.image);
      const { eventSink, imageEvent } = await import('../../lib/events/index.ts');
      for (const n of opts.names) {
        const name = await normalizeTarget(String(n));
        await store.tagImage(rec.id, name);
        imageEvent(eventSink(opts), 'tag', name, rec.id);
      }
      return 0;
    },
  };
}
