// tspod volume rm (podman-volume-rm(1)): 1 when a volume does not exist, 2 when one is in use
// (with --force the containers using it are removed first, as podman does).
import type { CommandModule, GlobalOptions } from '../types.ts';
import { TspodError } from '../../lib/errors.ts';
import { combined, graphRootOf } from './shared.ts';

interface RmOptions { names?: string[]; all?: boolean; force?: boolean; time?: number }

export function volumeRmCommand(): CommandModule<RmOptions> {
  return {
    command: 'rm [names..]',
    aliases: ['remove'],
    describe: 'Remove one or more volumes',
    builder: (y) => y
      .positional('names', { type: 'string', array: true })
      .option('all', { alias: 'a', type: 'boolean', describe: 'Remove all volumes' })
      .option('force', { alias: 'f', type: 'boolean', describe: 'Remove a volume by force, even if it is being used by a container' })
      .option('time', { alias: 't', type: 'number', default: 10, describe: 'Seconds to wait for running containers to stop before killing the container' })
      .example('$0 volume rm myvol', '').example('$0 volume rm --force --all', ''),
    handler: async (o, io) => {
      const names = o.names ?? [];
      if (!o.all && names.length === 0) throw new TspodError('USAGE', 'choose either one or more volumes or all');
      if (o.all && names.length) throw new TspodError('USAGE', 'choose either one or more volumes or all');
      const { graphRoot } = await graphRootOf(o);
      const { listVolumes, removeVolume, volumeUsers } = await import('../../lib/volumes/index.ts');
      const { eventSink, volumeEvent } = await import('../../lib/events/index.ts');
      const targets = o.all ? (await listVolumes(graphRoot)).map((v) => v.name) : names;
      const errors: TspodError[] = [];
      for (const name of targets) {
        try {
          if (o.force) await removeUsers(o, volumeUsers(graphRoot, name));
          await removeVolume(name, { graphRoot, force: o.force });
          volumeEvent(eventSink(o), 'remove', name);
          io.stdout.write(`${name}\n`);
        } catch (err) {
          if (!(err instanceof TspodError)) throw err;
          if (o.all && err.code === 'VOLUME_IN_USE') continue; // podman --all skips volumes in use
          errors.push(err);
        }
      }
      if (errors.length) throw combined(errors);
      return 0;
    },
  };
}

/** Remove the containers that use a volume (rm -f), through the container engine. */
async function removeUsers(o: RmOptions & GlobalOptions, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  const { openEngine } = await import('../container/shared.ts');
  const engine = await openEngine(o);
  for (const id of ids) await engine.remove(id, { force: true, timeout: o.time });
}
