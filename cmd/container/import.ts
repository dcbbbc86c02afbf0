import type { CommandModule } from '../types.ts';
import { openEngine } from './shared.ts';
import { TspodError } from '../../lib/errors.ts';

interface ImportOptions { source: string; reference?: string; change?: string | string[]; message?: string; quiet?: boolean; arch?: string; os?: string }

export function importCommand(): CommandModule<ImportOptions> {
  return {
    command: 'import <source> [reference]',
    describe: 'Import a tarball to create a filesystem image',
    builder: (y) => y.positional('source', { type: 'string' }).positional('reference', { type: 'string' })
      .option('change', { alias: 'c', type: 'string', describe: 'Apply the following possible instructions to the created image (default []): CMD | ENTRYPOINT | ENV | EXPOSE | LABEL | ONBUILD | STOPSIGNAL | USER | VOLUME | WORKDIR' })
      .option('message', { alias: 'm', type: 'string', describe: 'Set commit message for imported image' })
      .option('quiet', { alias: 'q', type: 'boolean', describe: 'Suppress output' })
      .option('arch', { type: 'string', describe: 'Set the architecture of the imported container image' })
      .option('os', { type: 'string', describe: 'Set the OS of the imported container image' }),
    handler: async (o, io) => {
      const engine = await openEngine(o);
      const { importTarball } = await import('../../lib/containers/commit.ts');
      const { openStore } = await import('../../lib/storage/index.ts');
      const { createReadStream, existsSync } = await import('node:fs');
      const src = String(o.source) || '-';
      let input: NodeJS.ReadableStream;
      if (src === '-') input = io.stdin;
      else if (/^https?:\/\//.test(src)) {
        const { request } = await import('undici');
        const r = await request(src);
        if (r.statusCode >= 400) throw new TspodError('IMPORT', `importing ${src}: HTTP ${r.statusCode}`);
        input = r.body;
      } else {
        if (!existsSync(src)) throw new TspodError('NO_SUCH_PATH', `opening ${src}: no such file or directory`);
        input = createReadStream(src);
      }
      const store = await openStore({ graphRoot: engine.graphRoot, runRoot: engine.runRoot });
      if (!o.quiet) io.stderr.write('Getting image source signatures\nCopying blob\nWriting manifest to image destination\n');
      const id = await importTarball(store as never, input as never, { changes: ([] as string[]).concat(o.change ?? []), message: o.message, name: o.reference, arch: o.arch, os: o.os });
      io.stdout.write(`sha256:${id}\n`);
      return 0;
    },
  };
}
