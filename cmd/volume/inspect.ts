// tspod volume inspect (podman-volume-inspect(1)): a JSON array, or --format per volume.
import type { CommandModule } from '../types.ts';
import { TspodError } from '../../lib/errors.ts';
import { combined, formatEach, graphRootOf } from './shared.ts';

interface InspectOptions { names?: string[]; all?: boolean; format?: string }

export function volumeInspectCommand(): CommandModule<InspectOptions> {
  return {
    command: 'inspect [names..]',
    describe: 'Display detailed information on one or more volumes',
    builder: (y) => y
      .positional('names', { type: 'string', array: true })
      .option('all', { alias: 'a', type: 'boolean', describe: 'Inspect all volumes' })
      .option('format', { alias: 'f', type: 'string', default: 'json', describe: 'Format volume output using JSON or a Go template' })
      .example('$0 volume inspect --format "{{.Mountpoint}}" myvol', ''),
    handler: async (o, io) => {
      const names = o.names ?? [];
      if (!o.all && names.length === 0) throw new TspodError('USAGE', 'provide one or more volume names or use --all');
      if (o.all && names.length) throw new TspodError('USAGE', '--all and naming volumes cannot be used together');
      const { graphRoot } = await graphRootOf(o);
      const { listVolumes, getVolume, inspectVolume } = await import('../../lib/volumes/index.ts');
      const found = [];
      const errors: TspodError[] = [];
      for (const r of o.all ? await listVolumes(graphRoot) : []) found.push(inspectVolume(graphRoot, r));
      for (const n of names) {
        try {
          found.push(inspectVolume(graphRoot, await getVolume(n, graphRoot)));
        } catch (err) {
          if ((err as TspodError).code !== 'NO_SUCH_VOLUME') throw err;
          errors.push(new TspodError('NO_SUCH_VOLUME', `no such volume ${n}`));
        }
      }
      io.stdout.write(await formatEach(o.format ?? 'json', found));
      if (errors.length) {
        const e = combined(errors);
        throw new TspodError(e.code, `inspecting object: ${e.message}`);
      }
      return 0;
    },
  };
}
