// tspod rmi / tspod image rm (podman-rmi(1)).
// Exit status as podman: 0 ok, 1 an image did not exist (and nothing worse), 2 an image is in use, 125 other.
import type { CommandModule } from '../types.ts';
import { TspodError } from '../../lib/errors.ts';
import { combinedError, openImageStore } from './shared.ts';

interface RmOptions { images?: string[]; all?: boolean; force?: boolean; ignore?: boolean; noPrune?: boolean }

export function rmCommand(name = 'rm'): CommandModule<RmOptions> {
  return {
    command: `${name} [images..]`,
    aliases: name === 'rm' ? ['remove'] : [],
    describe: 'Remove one or more images from local storage',
    builder: (y) => y
      .positional('images', { type: 'string', array: true, describe: 'Image names or IDs' })
      .option('all', { alias: 'a', type: 'boolean', describe: 'Remove all images' })
      .option('force', { alias: 'f', type: 'boolean', describe: 'Force Removal of the image' })
      .option('ignore', { alias: 'i', type: 'boolean', describe: 'Ignore errors if a specified image does not exist' })
      .option('no-prune', { type: 'boolean', describe: 'Do not remove dangling images' })
      .example('$0 rmi imageID', '')
      .example('$0 rmi --force alpine', ''),
    handler: async (opts, io) => {
      const names = (opts.images ?? []).map(String);
      if (opts.all && names.length) throw new TspodError('USAGE', 'when using the --all switch, you may not pass any images names or IDs');
      if (!opts.all && !names.length) throw new TspodError('USAGE', 'image name or ID must be specified');
      const store = await openImageStore(opts);
      const { eventSink, imageEvent } = await import('../../lib/events/index.ts');
      const errors: TspodError[] = [];
      const targets = opts.all ? (await store.listImages()).map((r) => r.id) : names;
      for (const input of targets) {
        try {
          const rec = await store.findImage(input);
          if (!rec) {
            if (opts.force || opts.ignore) continue;
            throw new TspodError('NO_SUCH_IMAGE', `${input}: image not known`, { exitCode: 1 });
          }
          const byId = rec.id.startsWith(input.replace(/^sha256:/, ''));
          if (!byId && !opts.all && rec.names.length > 1) {
            // a name of an image with several names: only that name goes
            const { findImageIn } = await import('../../lib/storage/lookup.ts');
            const name = rec.names.find((n) => findImageIn([{ ...rec, names: [n] }], input)) ?? rec.names[0];
            await store.untagImage(rec.id, name);
            imageEvent(eventSink(opts), 'untag', name, rec.id);
            imageEvent(eventSink(opts), 'remove', input, rec.id); // podman 4.3 says so too
            io.stdout.write(`Untagged: ${name}\n`);
            continue;
          }
          if (byId && !opts.all && rec.names.length > 1 && !opts.force) {
            throw new TspodError('IMAGE_MULTIPLE_NAMES',
              `unable to delete image "${rec.id}" by ID with more than one tag ([${rec.names.join(' ')}]): please force removal`);
          }
          const users = store.containersUsing(rec.id);
          if (users.length && opts.force) {
            // podman rmi --force removes the containers using the image first
            const { openEngine } = await import('../container/shared.ts');
            const engine = await openEngine(opts);
            for (const c of users) await engine.remove(c, { force: true });
          }
          const report = await store.removeImage(rec.id, { force: opts.force });
          for (const n of report.untagged) imageEvent(eventSink(opts), 'untag', n, rec.id);
          imageEvent(eventSink(opts), 'remove', input, rec.id);
          for (const n of report.untagged) io.stdout.write(`Untagged: ${n}\n`);
          io.stdout.write(`Deleted: ${report.id}\n`);
        } catch (err) {
          if (!(err instanceof TspodError)) throw err;
          errors.push(err);
        }
      }
      if (errors.length) throw combinedError(errors);
      return 0;
    },
  };
}
