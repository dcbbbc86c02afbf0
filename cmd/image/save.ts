// tspod save: podman-save(1). docker-archive (several images in one archive), oci-archive, oci-dir,
// docker-dir; to -o FILE or, when stdout is not a terminal, to stdout.
import type { CommandModule } from '../types.ts';
import { TspodError } from '../../lib/errors.ts';
import { filteredWriter } from './transfer.ts';

export interface SaveOptions {
  image: string[];
  output?: string;
  format: string;
  compress?: boolean;
  quiet?: boolean;
  multiImageArchive?: boolean;
}

const FORMATS = ['docker-archive', 'oci-archive', 'oci-dir', 'docker-dir'];

export function saveCommand(): CommandModule<SaveOptions> {
  return {
    command: 'save <image..>',
    describe: 'Save image(s) to an archive',
    builder: (y) =>
      y
        .positional('image', { type: 'string', array: true, describe: 'image names or IDs' })
        .option('output', { alias: 'o', type: 'string', describe: 'Write to a specified file (default: stdout, which must be redirected)' })
        .option('format', { type: 'string', default: 'docker-archive', describe: 'Save image to oci-archive, oci-dir (directory with oci manifest type), docker-archive, docker-dir (directory with v2s2 manifest type)' })
        .option('compress', { type: 'boolean', describe: 'Compress tarball image layers when saving to a directory using the \'dir\' transport' })
        .option('multi-image-archive', { alias: 'm', type: 'boolean', describe: 'Interpret additional arguments as images not tags and create a multi-image-archive (only for docker-archive)' })
        .option('quiet', { alias: 'q', type: 'boolean', describe: 'Suppress the output' })
        .example('$0 save --quiet -o myimage.tar imageID', '')
        .example('$0 save --format docker-dir -o ubuntu-dir ubuntu', '')
        .example('$0 save > alpine-all.tar alpine:latest', ''),
    handler: async (opts, io) => {
      if (!FORMATS.includes(opts.format)) throw new TspodError('INVALID_ARGUMENT', `unsupported format "${opts.format}"`);
      const dirFormat = opts.format === 'oci-dir' || opts.format === 'docker-dir';
      if (opts.compress && !dirFormat) throw new TspodError('INVALID_ARGUMENT', '--compress can only be set when --format is either \'oci-dir\' or \'docker-dir\'');
      if (opts.image.length > 1 && opts.format !== 'docker-archive') {
        throw new TspodError('INVALID_ARGUMENT', '--multi-image-archive can only be used together with --format=docker-archive');
      }
      let output = opts.output;
      if (!output) {
        if (dirFormat) throw new TspodError('INVALID_ARGUMENT', `--output is required for --format ${opts.format}`);
        if (io.stdout.isTTY) throw new TspodError('INVALID_ARGUMENT', 'refusing to save to terminal. Use -o flag or redirect');
      }
      const { saveImages } = await import('../../lib/copy/save.ts');
      const { openImageStore } = await import('./shared.ts');
      const store = await openImageStore(opts);
      const images = [];
      for (const name of opts.image) {
        const rec = await store.lookupImage(name);
        images.push({ id: rec.id, name: pickName(name, rec.id, rec.names) });
      }
      const report = opts.quiet ? undefined : filteredWriter(io.stderr, /^Getting image source signatures$/);
      await saveImages(images, {
        format: opts.format as 'docker-archive', output: output ?? io.stdout, compress: opts.compress, reportWriter: report,
        ctx: { storeRoot: opts.root, storeRunRoot: opts.runroot, tmpDir: opts.tmpdir },
      });
      return 0;
    },
  };
}

/** The name to record in the archive for what the user typed: none for an ID, else the matching full name. */
export function pickName(input: string, id: string, names: string[]): string | undefined {
  const bare = input.replace(/^sha256:/, '');
  if (/^[a-f0-9]{3,64}$/.test(bare) && id.startsWith(bare)) return undefined;
  const withTag = /:[^/]+$/.test(input) || input.includes('@') ? input : `${input}:latest`;
  return names.find((n) => n === withTag) ?? names.find((n) => n.endsWith('/' + withTag)) ?? names[0];
}
