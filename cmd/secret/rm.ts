// tspod secret rm (podman-secret-rm(1)): prints each removed secret's ID; -a removes all.
import type { CommandModule } from '../types.ts';
import { TspodError } from '../../lib/errors.ts';
import { combined, graphRootOf } from '../volume/shared.ts';

interface RmOptions { names?: string[]; all?: boolean }

export function secretRmCommand(): CommandModule<RmOptions> {
  return {
    command: 'rm [names..]',
    aliases: ['remove'],
    describe: 'Remove one or more secrets',
    builder: (y) => y
      .positional('names', { type: 'string', array: true })
      .option('all', { alias: 'a', type: 'boolean', describe: 'Remove all secrets' })
      .example('$0 secret rm mysecret', ''),
    handler: async (o, io) => {
      const names = o.names ?? [];
      if ((names.length === 0) === !o.all) throw new TspodError('USAGE', '`tspod secret rm` requires one argument, or the --all flag');
      const { graphRoot } = await graphRootOf(o as never);
      const { listSecrets, removeSecret } = await import('../../lib/secrets/index.ts');
      const refs = o.all ? listSecrets(graphRoot).map((s) => s.id) : names;
      const errors: TspodError[] = [];
      for (const r of refs) {
        try { io.stdout.write(`${await removeSecret(graphRoot, r)}\n`); } catch (err) {
          if (!(err instanceof TspodError)) throw err;
          errors.push(err);
        }
      }
      if (errors.length) throw combined(errors);
      return 0;
    },
  };
}
