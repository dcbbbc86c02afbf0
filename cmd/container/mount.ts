import type { CommandModule, Io } from '../types.ts';
import { openEngine } from './shared.ts';
import { eachTarget, selectTargets } from './targets.ts';
import { TspodError } from '../../lib/errors.ts';
import type { ContainerEngine } from '../../lib/containers/engine.ts';
import type { Container } from '../../lib/containers/types.ts';

interface MountOptions { names?: string[]; all?: boolean; latest?: boolean; format?: string; notruncate?: boolean }

/** The rootfs of a container (ContainerEngine's overlay layout). */
export function mergedDir(engine: ContainerEngine, id: string): string {
  return `${engine.store.containerDir(id)}/overlay/merged`;
}

/** Mounted now: by `tspod mount` or because it runs. */
function isMountedNow(c: Container): boolean {
  return !!c.state.mountCount || ['running', 'paused', 'initialized', 'stopping'].includes(c.state.status);
}

/**
 * podman mount: mount the rootfs and print where; it stays mounted (a counter, as podman's) until as
 * many `umount`s. Without a name, the mounted containers. Rootless, podman refuses unless run inside
 * `podman unshare` (a mount made in a namespace the command entered itself would be useless to the caller):
 * the launcher says with _TSPOD_NS_ENTERED that this process entered the namespace itself.
 */
export function mountCommand(): CommandModule<MountOptions> {
  return {
    command: 'mount [names..]',
    describe: 'Mount a working container\'s root filesystem',
    builder: (y) => y.positional('names', { type: 'string', array: true })
      .option('all', { alias: 'a', type: 'boolean', describe: 'Mount all containers' })
      .option('format', { type: 'string', describe: 'Print the mounted containers in specified format (json)' })
      .option('latest', { alias: 'l', type: 'boolean', describe: 'Act on the latest container podman is aware of' })
      .option('notruncate', { type: 'boolean', describe: 'Do not truncate output' }),
    handler: async (o, io) => {
      if (o.latest && o.names?.length) throw new TspodError('USAGE', '--latest and containers cannot be used together');
      const engine = await openEngine(o);
      if (engine.rootless && process.env._TSPOD_NS_ENTERED === '1') {
        throw new TspodError('ROOTLESS_MOUNT', 'cannot run command "tspod mount" in rootless mode, must execute `tspod unshare` first');
      }
      if (o.format !== undefined && o.format !== 'json') throw new TspodError('USAGE', `unknown --format argument: "${o.format}"`);
      if (!o.names?.length && !o.all && !o.latest) return listMounted(engine, o, io);
      // the mount point of each, also with --all and --latest (podman 4.3)
      return eachTarget(await selectTargets(engine, o), io, (ref) => mount(engine, ref));
    },
  };
}

async function mount(engine: ContainerEngine, ref: string): Promise<string> {
  const id = engine.store.resolve(ref);
  return engine.store.withContainer(id, async (c) => {
    await engine.mountRootfs(c.config); // nothing to do when already mounted
    c.state.mountCount = (c.state.mountCount ?? 0) + 1;
    c.state.mounted = true;
    engine.store.writeState(id, c.state);
    return mergedDir(engine, id);
  });
}

async function listMounted(engine: ContainerEngine, o: MountOptions, io: Io): Promise<number> {
  const list = (await engine.list()).filter(isMountedNow)
    .sort((a, b) => Date.parse(a.config.created) - Date.parse(b.config.created));
  if (o.format === 'json') {
    // podman 4.3 indents its JSON by one space here
    const rows = list.map((c) => ({ id: c.config.id, Names: c.config.names, mountpoint: mergedDir(engine, c.config.id) }));
    io.stdout.write(`${JSON.stringify(rows, null, 1)}\n`);
    return 0;
  }
  for (const c of list) io.stdout.write(`${o.notruncate ? c.config.id : c.config.id.slice(0, 12)}  ${mergedDir(engine, c.config.id)}\n`);
  return 0;
}
