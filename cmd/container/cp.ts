import type { CommandModule } from '../types.ts';
import { openEngine } from './shared.ts';
import { TspodError } from '../../lib/errors.ts';

/** "ctr:/path" -> {container, path}; a host path has no container part (podman's rule: a colon before any slash). */
function parseLoc(s: string): { container?: string; path: string } {
  const i = s.indexOf(':');
  if (i > 0 && !s.slice(0, i).includes('/')) return { container: s.slice(0, i), path: s.slice(i + 1) };
  return { path: s };
}

export function cpCommand(): CommandModule<{ src: string; dest: string; archive?: boolean }> {
  return {
    command: 'cp <src> <dest>',
    describe: 'Copy files/folders between a container and the local filesystem',
    builder: (y) => y.positional('src', { type: 'string' }).positional('dest', { type: 'string' })
      .option('archive', { alias: 'a', type: 'boolean', default: true, describe: 'Chown copied files to the primary uid/gid of the destination container' }),
    handler: async (o, io) => {
      const engine = await openEngine(o);
      const { copyPath, tarDirectory, untarInto } = await import('../../lib/containers/files.ts');
      const { existsSync, statSync } = await import('node:fs');
      const { dirname, basename, resolve, join } = await import('node:path');
      // yargs hands a lone "-" over as an empty string
      const src = parseLoc(String(o.src) || '-'), dst = parseLoc(String(o.dest) || '-');
      if (!src.container && !dst.container) throw new TspodError('USAGE', 'copying between host paths is not supported: SRC or DEST must be CONTAINER:PATH');
      const inside = (rootfs: string, p: string) => join(rootfs, resolve('/', p));
      const intoDir = async (from: string, to: string) => {
        if (existsSync(to) && statSync(to).isDirectory()) await copyPath(dirname(from), basename(from), to);
        else await copyPath(dirname(from), basename(from), dirname(to), basename(to));
      };
      if (src.container && dst.container) {
        // container to container, as podman: both root filesystems at once (one lock if it is the same one)
        const same = engine.store.resolve(src.container) === engine.store.resolve(dst.container);
        await engine.withRootfs(src.container, async (srcRoot) => {
          const from = inside(srcRoot, src.path);
          if (!existsSync(from)) throw new TspodError('NO_SUCH_PATH', `"${src.path}" could not be found on container ${src.container}: no such file or directory`);
          if (same) return intoDir(from, inside(srcRoot, dst.path));
          await engine.withRootfs(dst.container!, (dstRoot) => intoDir(from, inside(dstRoot, dst.path)));
        });
      } else if (src.container) {
        await engine.withRootfs(src.container, async (rootfs, c) => {
          const from = inside(rootfs, src.path);
          // out of a container with its own user namespace: tspod's own ids, not the shifted ones (podman)
          const owner = c.config.userns ? await (await import('../../lib/containers/userns.ts')).copyOwner(c.config, rootfs, false) : undefined;
          if (!existsSync(from)) throw new TspodError('NO_SUCH_PATH', `"${src.path}" could not be found on container ${src.container}: no such file or directory`);
          if (dst.path === '-') return tarDirectory(dirname(from), [basename(from)], undefined, io.stdout);
          const target = resolve(dst.path);
          if (existsSync(target) && statSync(target).isDirectory()) await copyPath(dirname(from), basename(from), target, undefined, owner);
          else await copyPath(dirname(from), basename(from), dirname(target), basename(target), owner);
        });
      } else {
        await engine.withRootfs(dst.container!, async (rootfs, c) => {
          const to = inside(rootfs, dst.path);
          // into a container with its own user namespace: its user's ids (podman's --archive)
          const owner = c.config.userns ? await (await import('../../lib/containers/userns.ts')).copyOwner(c.config, rootfs, true) : undefined;
          if (src.path === '-') return untarInto(to, io.stdin);
          const from = resolve(src.path);
          if (!existsSync(from)) throw new TspodError('NO_SUCH_PATH', `"${src.path}" could not be found on the host: no such file or directory`);
          if (existsSync(to) && statSync(to).isDirectory()) await copyPath(dirname(from), basename(from), to, undefined, owner);
          else await copyPath(dirname(from), basename(from), dirname(to), basename(to), owner);
        });
      }
      return 0;
    },
  };
}
