// tspod image inspect (podman-image-inspect(1)): podman's JSON (5-space indent) or a Go template.
import type { CommandModule } from '../types.ts';
import { TspodError } from '../../lib/errors.ts';
import { openImageStore } from './shared.ts';

interface InspectOptions { images: string[]; format?: string }

export function inspectCommand(): CommandModule<InspectOptions> {
  return {
    command: 'inspect <images..>',
    describe: 'Display the configuration of an image',
    builder: (y) => y
      .positional('images', { type: 'string', array: true, describe: 'Image names or IDs' })
      .option('format', { alias: 'f', type: 'string', default: 'json', describe: 'Format the output to a Go template or json' })
      .example('$0 image inspect alpine', '')
      .example("$0 image inspect --format '{{.Id}} {{.Size}}' alpine", ''),
    handler: async (opts, io) => {
      const store = await openImageStore(opts);
      const { inspectImage } = await import('../../lib/storage/report.ts');
      const out: Record<string, unknown>[] = [];
      const errors: string[] = [];
      for (const name of opts.images.map(String)) {
        const rec = await store.findImage(name);
        if (!rec) errors.push(`${name}: image not known`);
        else out.push(await inspectImage(store, rec));
      }
      const format = opts.format ?? 'json';
      if (format === 'json') io.stdout.write(JSON.stringify(out, null, 5) + '\n');
      else {
        const { renderTemplate } = await import('../../lib/template/index.ts');
        const tmpl = format.replace(/^table\s*/, '').replace(/\\t/g, '\t').replace(/\\n/g, '\n');
        for (const o of out) {
          const s = renderTemplate(tmpl, o);
          io.stdout.write(s.endsWith('\n') ? s : s + '\n');
        }
      }
      if (errors.length) throw new TspodError('NO_SUCH_IMAGE', `inspecting object: ${errors.join('; ')}`);
      return 0;
    },
  };
}
