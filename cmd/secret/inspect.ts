// tspod secret inspect (podman-secret-inspect(1)): a JSON array (4-space indent), --format per secret, --pretty.
import type { CommandModule } from '../types.ts';
import { TspodError } from '../../lib/errors.ts';
import { combined, graphRootOf } from '../volume/shared.ts';

interface InspectOptions { names?: string[]; format?: string; pretty?: boolean }

export function secretInspectCommand(): CommandModule<InspectOptions> {
  return {
    command: 'inspect [names..]',
    describe: 'Inspect a secret',
    builder: (y) => y
      .positional('names', { type: 'string', array: true })
      .option('format', { alias: 'f', type: 'string', describe: 'Format inspect output using Go template' })
      .option('pretty', { type: 'boolean', describe: 'Print inspect output in human-readable format' })
      .example('$0 secret inspect --format "{{.Spec.Name}}" mysecret', ''),
    handler: async (o, io) => {
      const names = o.names ?? [];
      if (names.length === 0) throw new TspodError('USAGE', 'requires at least 1 arg(s), only received 0');
      const { graphRoot } = await graphRootOf(o as never);
      const { lookupSecret, inspectSecret } = await import('../../lib/secrets/index.ts');
      const found: ReturnType<typeof lookupSecret>[] = [];
      const errors: TspodError[] = [];
      for (const n of names) {
        try { found.push(lookupSecret(graphRoot, n)); } catch (err) {
          if (!(err instanceof TspodError)) throw err;
          errors.push(err);
        }
      }
      if (o.pretty) {
        const t = (s: string) => s.replace('T', ' ').replace(/Z$/, ' +0000 UTC');
        for (const s of found) io.stdout.write(`ID:              ${s.id}\nName:              ${s.name}\nDriver:            ${s.driver}\nCreated at:        ${t(s.createdAt)}\nUpdated at:        ${t(s.updatedAt ?? s.createdAt)}\n`);
      } else if (o.format && o.format !== 'json') {
        const { formatOutput } = await import('../shared/format.ts');
        for (const s of found) io.stdout.write(await formatOutput(o.format, inspectSecret(s)));
      } else {
        io.stdout.write(JSON.stringify(found.map(inspectSecret), null, 4) + '\n');
      }
      if (errors.length) {
        const e = combined(errors);
        throw new TspodError(e.code, `inspecting secret: ${e.message}`);
      }
      return 0;
    },
  };
}
