import type { CommandModule } from '../types.ts';
import { openEngine } from './shared.ts';
import { eachTarget, selectTargets } from './targets.ts';
import type { ContainerEngine } from '../../lib/containers/engine.ts';
import { mergedDir } from './mount.ts';

interface UmountOptions { names?: string[]; all?: boolean; latest?: boolean; force?: boolean }

/** podman umount: one `tspod mount` less; the rootfs is unmounted at 0 unless the container runs. 0 also when it was not mounted. */
export function umountCommand(): CommandModule<UmountOptions> {
  return {
    command: 'umount [names..]',
    aliases: ['unmount'],
    describe: 'Unmount working container\'s root filesystem',
    builder: (y) => y.positional('names', { type: 'string', array: true })
      .option('all', { alias: 'a', type: 'boolean', describe: 'Umount all of the currently mounted containers' })
      .option('force', { alias: 'f', type: 'boolean', describe: 'Force the complete umount of the specified mounted containers' })
      .option('latest', { alias: 'l', type: 'boolean', describe: 'Act on the latest container podman is aware of' }),
    handler: async (o, io) => {
      const engine = await openEngine(o);
      let targets: string[];
      if (o.all) {
        targets = (await engine.list()).filter((c) => c.state.mountCount).map((c) => c.config.id);
      } else {
        targets = await selectTargets(engine, o);
      }
      return eachTarget(targets, io, async (ref) => {
        await umount(engine, ref, !!o.force);
        return ref;
      });
    },
  };
}

async function umount(engine: ContainerEngine, ref: string, force: boolean): Promise<void> {
  const id = engine.store.resolve(ref);
  await engine.store.withContainer(id, async (c) => {
    if (!c.state.mountCount) return;
    c.state.mountCount = force ? 0 : c.state.mountCount - 1;
    if (!c.state.mountCount && !['running', 'paused', 'initialized', 'stopping'].includes(c.state.status)) {
      const { unmountOverlay } = await import('../../lib/overlay/index.ts');
      unmountOverlay(mergedDir(engine, id));
      c.state.mounted = false;
    }
    engine.store.writeState(id, c.state);
  });
}
