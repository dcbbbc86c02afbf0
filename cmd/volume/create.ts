// tspod volume create (podman-volume-create(1)): prints the new volume's name.
import type { CommandModule } from '../types.ts';
import { graphRootOf, keyValues } from './shared.ts';

interface CreateOptions { name?: string; driver?: string; label?: string[]; opt?: string[]; ignore?: boolean }

export function volumeCreateCommand(): CommandModule<CreateOptions> {
  return {
    command: 'create [name]',
    describe: 'Create a new volume',
    builder: (y) => y
      .positional('name', { type: 'string', describe: 'Volume name (random when omitted)' })
      .option('driver', { type: 'string', default: 'local', describe: 'Specify volume driver name' })
      .option('label', { alias: 'l', type: 'string', array: true, nargs: 1, describe: 'Set metadata for a volume' })
      .option('opt', { alias: 'o', type: 'string', array: true, nargs: 1, describe: 'Set driver specific options' })
      .option('ignore', { type: 'boolean', describe: "Don't fail if volume already exists" })
      .example('$0 volume create myvol', '').example('$0 volume create --label foo=bar myvol', ''),
    handler: async (o, io) => {
      const { graphRoot } = await graphRootOf(o);
      const { createVolume } = await import('../../lib/volumes/index.ts');
      const v = await createVolume({
        graphRoot, name: o.name, driver: o.driver, labels: keyValues(o.label, 'label'), options: keyValues(o.opt, 'option'), ignoreExisting: o.ignore,
      });
      const { eventSink, volumeEvent } = await import('../../lib/events/index.ts');
      volumeEvent(eventSink(o), 'create', v.name);
      io.stdout.write(`${v.name}\n`);
      return 0;
    },
  };
}
