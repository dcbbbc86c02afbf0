// tspod load: podman-load(1). From -i FILE or stdin (spooled to a temp file: archives are read by
// random access); prints "Loaded image: NAME" per name on stdout.
import type { CommandModule } from '../types.ts';
import { TspodError } from '../../lib/errors.ts';
import { storageReference } from './transfer.ts';

export interface LoadOptions {
  input?: string;
  quiet?: boolean;
}

export function loadCommand(): CommandModule<LoadOptions> {
  return {
    command: 'load',
    describe: 'Load image(s) from a tar archive',
    builder: (y) =>
      y
        .option('input', { alias: 'i', type: 'string', describe: 'Read from specified archive file (default: stdin)' })
        .option('quiet', { alias: 'q', type: 'boolean', describe: 'Suppress the output' })
        .example('$0 load -i fedora.tar', '')
        .example('cat fedora.tar | $0 load', ''),
    handler: async (opts, io) => {
      const { loadImages } = await import('../../lib/copy/save.ts');
      const { mkdtemp, rm } = await import('node:fs/promises');
      const { createWriteStream } = await import('node:fs');
      const { tmpdir } = await import('node:os');
      const { join } = await import('node:path');
      const { pipeline } = await import('node:stream/promises');
      let path = opts.input;
      let spool: string | undefined;
      try {
        if (!path) {
          if (io.stdin.isTTY) throw new TspodError('INVALID_ARGUMENT', 'cannot read from terminal, use command-line redirection or the --input flag');
          spool = await mkdtemp(join(opts.tmpdir ?? tmpdir(), 'tspod-load-'));
          path = join(spool, 'input.tar');
          await pipeline(io.stdin, createWriteStream(path));
        }
        const names = await loadImages(path, {
          ctx: { storeRoot: opts.root, storeRunRoot: opts.runroot, tmpDir: opts.tmpdir },
          reportWriter: opts.quiet ? undefined : io.stderr,
          storageReference,
        });
        io.stdout.write(names.map((n) => `Loaded image: ${n}\n`).join(''));
      } finally {
        if (spool) await rm(spool, { recursive: true, force: true });
      }
      return 0;
    },
  };
}
