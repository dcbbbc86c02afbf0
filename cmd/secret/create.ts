// tspod secret create NAME FILE|- (podman-secret-create(1)): prints the new secret's ID.
import type { CommandModule } from '../types.ts';
import { TspodError } from '../../lib/errors.ts';
import { graphRootOf, keyValues } from '../volume/shared.ts';

interface CreateOptions { name?: string; file?: string; driver?: string; driverOpts?: string[]; env?: boolean; label?: string[] }

export function secretCreateCommand(): CommandModule<CreateOptions> {
  return {
    command: 'create [name] [file]',
    describe: 'Create a new secret',
    builder: (y) => y
      .positional('name', { type: 'string' })
      .positional('file', { type: 'string', describe: 'a file, or - for standard input' })
      .option('driver', { alias: 'd', type: 'string', default: 'file', describe: 'Specify secret driver' })
      .option('driver-opts', { type: 'string', array: true, nargs: 1, describe: 'Specify driver specific options' })
      .option('env', { type: 'boolean', describe: 'Read secret data from environment variable' })
      .option('label', { alias: 'l', type: 'string', array: true, nargs: 1, describe: 'Specify labels on the secret' })
      .example('printf s3cr3t | $0 secret create mysecret -', ''),
    handler: async (o, io) => {
      // yargs hands a lone "-" over as ""
      const args = [o.name, o.file].filter((a) => a !== undefined).map((a) => (a === '' ? '-' : String(a)));
      if (args.length !== 2) throw new TspodError('USAGE', `accepts 2 arg(s), received ${args.length}`);
      const [name, file] = args;
      let data: Buffer;
      if (o.env) {
        const v = io.env[file];
        if (v === undefined) throw new TspodError('INVALID_SECRET', `cannot create store secret data: environment variable ${file} is not set`);
        data = Buffer.from(v);
      } else if (file === '-') {
        const chunks: Buffer[] = [];
        for await (const c of io.stdin) chunks.push(Buffer.from(c));
        data = Buffer.concat(chunks);
      } else {
        const { readFileSync } = await import('node:fs');
        try { data = readFileSync(file); } catch (err) {
          throw new TspodError('NO_SUCH_FILE', `open ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`);
        }
      }
      const { graphRoot } = await graphRootOf(o as never);
      const { createSecret } = await import('../../lib/secrets/index.ts');
      const id = await createSecret(graphRoot, name, data, { driver: o.driver, labels: keyValues(o.label, 'label') });
      io.stdout.write(`${id}\n`);
      return 0;
    },
  };
}
