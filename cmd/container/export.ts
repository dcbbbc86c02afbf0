import type { CommandModule } from '../types.ts';
import { openEngine } from './shared.ts';
import { TspodError } from '../../lib/errors.ts';

export function exportCommand(): CommandModule<{ container: string; output?: string }> {
  return {
    command: 'export <container>',
    describe: 'Export container\'s filesystem contents as a tar archive',
    builder: (y) => y.positional('container', { type: 'string' })
      .option('output', { alias: 'o', type: 'string', describe: 'Write to a specified file (default: stdout, which must be redirected)' }),
    handler: async (o, io) => {
      if (!o.output && (io.stdout as NodeJS.WriteStream).isTTY) throw new TspodError('USAGE', 'refusing to export to terminal. Use -o flag or redirect');
      const engine = await openEngine(o);
      const { tarDirectory } = await import('../../lib/containers/files.ts');
      await engine.withRootfs(o.container, (rootfs) => tarDirectory(rootfs, ['.'], o.output, io.stdout));
      return 0;
    },
  };
}
