import type { CommandModule } from '../types.ts';
import { openEngine } from './shared.ts';
import { TspodError } from '../../lib/errors.ts';

interface CommitCliOptions { container: string; image?: string; author?: string; message?: string; change?: string | string[]; pause?: boolean; quiet?: boolean; format?: string }

export function commitCommand(): CommandModule<CommitCliOptions> {
  return {
    command: 'commit <container> [image]',
    describe: 'Create new image based on the changed container',
    builder: (y) => y.positional('container', { type: 'string' }).positional('image', { type: 'string' })
      .option('author', { alias: 'a', type: 'string', describe: 'Set the author for the image committed' })
      .option('message', { alias: 'm', type: 'string', describe: 'Set commit message for imported image' })
      .option('change', { alias: 'c', type: 'string', describe: 'Apply the following possible instructions to the created image (default []): CMD | ENTRYPOINT | ENV | EXPOSE | LABEL | ONBUILD | STOPSIGNAL | USER | VOLUME | WORKDIR' })
      .option('pause', { alias: 'p', type: 'boolean', default: false, describe: 'Pause container during commit' })
      .option('quiet', { alias: 'q', type: 'boolean', describe: 'Suppress output' })
      .option('format', { alias: 'f', type: 'string', default: 'oci', describe: '`format` of the image manifest and metadata' }),
    handler: async (o, io) => {
      const { commitContainer, imageFormat } = await import('../../lib/containers/commit.ts');
      const engine = await openEngine(o);
      const c = await engine.inspect(o.container);
      // in podman's order: the container, then the format, then a message the format cannot hold
      const format = imageFormat(o.format);
      if (o.message && format !== 'docker') throw new TspodError('USAGE', 'messages are only compatible with the docker image format (-f docker)');
      const { openStore } = await import('../../lib/storage/index.ts');
      const store = await openStore({ graphRoot: engine.graphRoot, runRoot: engine.runRoot });
      const paused = !!o.pause && c.state.status === 'running' && await engine.pause(c.config.id, false).then(() => true, () => false);
      let id: string;
      try {
        if (!o.quiet) io.stderr.write('Getting image source signatures\n');
        const cfg = c.config;
        id = await commitContainer(store as never, {
          base: await store.imageConfig(cfg.imageId), upperDir: engine.upperDir(cfg.id), rootless: engine.rootless, userns: cfg.userns,
          containerConfig: { env: cfg.env, cmd: cfg.cmd, entrypoint: cfg.entrypoint, workingDir: cfg.workingDir, user: cfg.user, labels: cfg.labels, stopSignal: cfg.stopSignal, createCommand: cfg.createCommand, exposedPorts: cfg.exposedPorts, ports: cfg.ports },
          changes: ([] as string[]).concat(o.change ?? []), author: o.author, message: o.message, name: o.image, format,
          progress: o.quiet ? undefined : (line) => io.stderr.write(`${line}\n`),
        });
      } finally {
        if (paused) await engine.pause(c.config.id, true).catch(() => {});
      }
      io.stdout.write(`${id}\n`);
      return 0;
    },
  };
}
