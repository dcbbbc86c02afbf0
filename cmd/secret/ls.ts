// tspod secret ls (podman-secret-ls(1)): ID, NAME, DRIVER, CREATED, UPDATED; --filter name=/id=, -q, --noheading, --format.
import type { CommandModule } from '../types.ts';
import { TspodError } from '../../lib/errors.ts';
import { graphRootOf } from '../volume/shared.ts';
import { humanDuration } from '../container/shared.ts';

interface LsOptions { filter?: string[]; format?: string; noheading?: boolean; quiet?: boolean }

const DEFAULT = 'table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.CreatedAt}}\t{{.UpdatedAt}}';

export function secretLsCommand(): CommandModule<LsOptions> {
  return {
    command: 'ls',
    aliases: ['list'],
    describe: 'List secrets',
    builder: (y) => y
      .option('filter', { alias: 'f', type: 'string', array: true, nargs: 1, describe: 'Filter secret output' })
      .option('format', { type: 'string', describe: 'Format volume output using Go template' })
      .option('noheading', { type: 'boolean', describe: 'Do not print headers' })
      .option('quiet', { alias: 'q', type: 'boolean', describe: 'Print secret IDs only' })
      .example('$0 secret ls --filter name=mysecret', ''),
    handler: async (o, io) => {
      const { graphRoot } = await graphRootOf(o as never);
      const { listSecrets } = await import('../../lib/secrets/index.ts');
      let list = listSecrets(graphRoot);
      for (const f of o.filter ?? []) {
        const i = f.indexOf('=');
        const [k, v] = i < 0 ? [f, ''] : [f.slice(0, i), f.slice(i + 1)];
        if (k === 'name') list = list.filter((s) => s.name.includes(v));
        else if (k === 'id') list = list.filter((s) => s.id.startsWith(v));
        else throw new TspodError('USAGE', `invalid filter "${k}"`);
      }
      if (o.quiet) {
        io.stdout.write(list.map((s) => `${s.id}\n`).join(''));
        return 0;
      }
      const ago = (t: string) => `${humanDuration(Date.now() - Date.parse(t))} ago`;
      const rows = list.map((s) => ({ ID: s.id, Name: s.name, Driver: s.driver, CreatedAt: ago(s.createdAt), UpdatedAt: ago(s.updatedAt ?? s.createdAt) }));
      const { formatList } = await import('../shared/format.ts');
      const format = o.noheading ? (o.format ?? DEFAULT).replace(/^table /, '') : o.format;
      io.stdout.write(await formatList(format, rows, DEFAULT, { headers: { CreatedAt: 'CREATED', UpdatedAt: 'UPDATED' }, name: 'secrets' }));
      return 0;
    },
  };
}
