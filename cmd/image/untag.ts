// tspod untag / tspod image untag (podman-untag(1)): without names, removes all of them.
import type { CommandModule } from '../types.ts';
import { normalizeTarget, openImageStore } from './shared.ts';

interface UntagOptions { image: string; names?: string[] }

export function untagCommand(): CommandModule<UntagOptions> {
  return {
    command: 'untag <image> [names..]',
    describe: 'Remove a name from a local image',
    builder: (y) => y
      .positional('image', { type: 'string', describe: 'Image name or ID' })
      .positional('names', { type: 'string', array: true, describe: 'Names to remove (default: all)' })
      .example('$0 untag 0e3bbc2', '')
      .example('$0 untag httpd myregistryhost:5000/fedora/httpd:v2', ''),
    handler: async (opts) => {
      const store = await openImageStore(opts);
      const rec = await store.lookupImage(opts.image);
      const names = opts.names?.length ? await Promise.all(opts.names.map((n) => normalizeTarget(String(n)))) : rec.names;
      const { eventSink, imageEvent } = await import('../../lib/events/index.ts');
      for (const n of names) {
        await store.untagImage(rec.id, n);
        imageEvent(eventSink(opts), 'untag', n, rec.id);
      }
      return 0;
    },
  };
}
