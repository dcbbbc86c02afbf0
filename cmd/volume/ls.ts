// tspod volume ls (podman-volume-ls(1)).
import type { CommandModule } from '../types.ts';
import { graphRootOf } from './shared.ts';

interface LsOptions { filter?: string[]; format?: string; noheading?: boolean; quiet?: boolean }

export function volumeLsCommand(): CommandModule<LsOptions> {
  return {
    command: 'ls',
    aliases: ['list'],
    describe: 'List volumes',
    builder: (y) => y
      .option('filter', { alias: 'f', type: 'string', array: true, nargs: 1, describe: 'Filter volume output' })
      .option('format', { type: 'string', describe: 'Format volume output using JSON or a Go template' })
      .option('noheading', { alias: 'n', type: 'boolean', describe: 'Do not print headers' })
      .option('quiet', { alias: 'q', type: 'boolean', describe: 'Print volume output in quiet mode' })
      .example('$0 volume ls --filter label=app=web', ''),
    handler: async (o, io) => {
      const { graphRoot } = await graphRootOf(o);
      const { listVolumes, filterVolumes, parseFilters, inspectVolume } = await import('../../lib/volumes/index.ts');
      const vols = filterVolumes(graphRoot, await listVolumes(graphRoot), parseFilters(o.filter));
      if (o.quiet) {
        io.stdout.write(vols.map((v) => `${v.name}\n`).join(''));
        return 0;
      }
      const { formatList } = await import('../shared/format.ts');
      let format = o.format;
      if (o.noheading) format = (format ?? '{{.Driver}}\t{{.Name}}').replace(/^table /, '');
      io.stdout.write(await formatList(format, vols.map((v) => inspectVolume(graphRoot, v)), 'table {{.Driver}}\t{{.Name}}', { headers: { Name: 'VOLUME NAME' }, name: 'volumes' }));
      return 0;
    },
  };
}
