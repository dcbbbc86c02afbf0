import type { CommandModule } from '../types.ts';
import { openEngine } from './shared.ts';

export function diffCommand(): CommandModule<{ container: string; format?: string }> {
  return {
    command: 'diff <container>',
    describe: 'Inspect changes to the container\'s file systems',
    builder: (y) => y.positional('container', { type: 'string' })
      .option('format', { type: 'string', describe: 'Change the output format (json)' }),
    handler: async (o, io) => {
      const engine = await openEngine(o);
      const c = await engine.inspect(o.container);
      const { upperChanges } = await import('../../lib/containers/files.ts');
      // runc creates mount points for its own mounts; podman leaves those out too
      const hidden = new Set(['/dev', '/proc', '/sys', '/etc/hosts', '/etc/hostname', '/etc/resolv.conf', '/run/.containerenv', '/run/podman-init', '/etc/mtab']);
      let changes = upperChanges(engine.upperDir(c.config.id), c.config.layerDirs).filter((x) => !(hidden.has(x.path) && x.kind !== 'D'));
      // a /run only there to hold those mount points is no change either; /etc is (podman adds /etc/mtab: "C /etc")
      changes = changes.filter((x) => x.path !== '/run' || changes.some((y) => y.path.startsWith(x.path + '/')));
      if (o.format === 'json') {
        const group = (k: string) => changes.filter((x) => x.kind === k).map((x) => x.path);
        io.stdout.write(JSON.stringify({ changed: group('C'), added: group('A'), deleted: group('D') }, null, 4) + '\n');
      } else io.stdout.write(changes.map((x) => `${x.kind} ${x.path}\n`).join(''));
      return 0;
    },
  };
}
