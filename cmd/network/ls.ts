// tspod network ls (podman-network-ls(1)).
import type { CommandModule } from '../types.ts';
import { graphRootOf } from '../volume/shared.ts';
import { defaultNetworkName, filterNetworks, networkRow } from './shared.ts';

interface LsOptions { filter?: string[]; format?: string; noTrunc?: boolean; noheading?: boolean; quiet?: boolean }

export function networkLsCommand(): CommandModule<LsOptions> {
  return {
    command: 'ls',
    aliases: ['list'],
    describe: 'List networks',
    builder: (y) => y
      .option('filter', { alias: 'f', type: 'string', array: true, nargs: 1, describe: "Provide filter values (e.g. 'name=podman')" })
      .option('format', { type: 'string', describe: 'Pretty-print networks to JSON or using a Go template' })
      .option('no-trunc', { type: 'boolean', describe: 'Do not truncate the network ID' })
      .option('noheading', { type: 'boolean', describe: 'Do not print headers' })
      .option('quiet', { alias: 'q', type: 'boolean', describe: 'Display only names' })
      .example('$0 network ls --filter driver=bridge', ''),
    handler: async (o, io) => {
      const { graphRoot } = await graphRootOf(o);
      const { listNetworks } = await import('../../lib/netns/networks.ts');
      const nets = await filterNetworks(graphRoot, await listNetworks(graphRoot), o.filter, await defaultNetworkName());
      if (o.quiet) {
        io.stdout.write(nets.map((n) => `${n.name}\n`).join(''));
        return 0;
      }
      const { formatList, isJsonFormat } = await import('../shared/format.ts');
      if (isJsonFormat(o.format)) {
        io.stdout.write(JSON.stringify(nets, null, 2) + '\n');
        return 0;
      }
      let format = o.format;
      if (o.noheading) format = (format ?? '{{.ID}}\t{{.Name}}\t{{.Driver}}').replace(/^table /, '');
      const rows = nets.map((n) => networkRow(n, !!o.noTrunc));
      io.stdout.write(await formatList(format, rows, 'table {{.ID}}\t{{.Name}}\t{{.Driver}}', { headers: { ID: 'NETWORK ID' }, name: 'networks' }));
      return 0;
    },
  };
}
