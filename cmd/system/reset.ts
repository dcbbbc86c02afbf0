// tspod system reset (podman-system-reset(1)): stop and remove every container, then delete the
// store's graph root and run root (images, layers, volumes, networks other than the built-in default,
// which is made again on demand), so the next command starts from an empty store. Nothing mounted
// below the store survives into the removal: such mounts are detached first, and a mount that stays
// stops the reset rather than letting rm walk into it.
import type { CommandModule } from '../types.ts';
import { TspodError } from '../../lib/errors.ts';
import { confirm } from '../shared/confirm.ts';

interface ResetOptions { force?: boolean }

/** Mount points at or below one of dirs, deepest first (from /proc/self/mountinfo). */
async function mountsBelow(dirs: string[]): Promise<string[]> {
  const { readFileSync } = await import('node:fs');
  const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  const points = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter(Boolean).map((l) => unescape(l.split(' ')[4]));
  return points.filter((m) => dirs.some((d) => m === d || m.startsWith(`${d}/`))).sort((a, b) => b.length - a.length);
}

export function systemResetCommand(): CommandModule<ResetOptions> {
  return {
    command: 'reset',
    describe: 'Reset tspod storage',
    builder: (y) => y
      .option('force', { alias: 'f', type: 'boolean', describe: 'Do not prompt for confirmation' })
      .example('$0 system reset -f', ''),
    handler: async (o, io) => {
      const { storagePaths } = await import('../../lib/config/paths.ts');
      const { resolve } = await import('node:path');
      const paths = storagePaths(o);
      const graphRoot = resolve(paths.graphRoot), runRoot = resolve(paths.runRoot);
      if (!o.force) {
        const warning = `WARNING! This will remove:
        - all containers
        - all pods
        - all images
        - all networks
        - all build cache
        - all machines
        - all volumes
        - the graphRoot directory: "${graphRoot}"
        - the runRoot directory: "${runRoot}"
Are you sure you want to continue? [y/N] `;
        if (!(await confirm(io, warning))) return 0;
      }
      const xdg = process.env.XDG_RUNTIME_DIR ? resolve(process.env.XDG_RUNTIME_DIR) : undefined;
      for (const [what, dir] of [['graph root', graphRoot], ['run root', runRoot]]) {
        if (dir === '/') throw new TspodError('RESET', `refusing to remove the ${what} dir /`);
        if (dir === xdg) throw new TspodError('RESET', `failed to remove runtime ${what} dir ${dir}, since it is the same as XDG_RUNTIME_DIR`);
      }
      const { existsSync, rmSync } = await import('node:fs');

      if (existsSync(graphRoot)) {
        // containers first, dependents (newest) before what they join; running ones are stopped
        const { openEngine } = await import('../container/shared.ts');
        const engine = await openEngine(o);
        let left = (await engine.list()).sort((a, b) => Date.parse(b.config.created) - Date.parse(a.config.created)).map((c) => c.config.id);
        for (let pass = 0; left.length && pass < 3; pass++) {
          const failed: string[] = [];
          for (const id of left) {
            try {
              await engine.remove(id, { force: true, volumes: true });
            } catch (err) {
              if ((err as TspodError).code === 'NO_SUCH_CONTAINER') continue;
              failed.push(id);
              if (pass === 2) io.stderr.write(`ERRO[0000] Removing container ${id}: ${(err as Error).message}\n`);
            }
          }
          left = failed;
        }
      }

      const { umount, MNT_DETACH } = await import('../../lib/native/libc.ts');
      for (const m of await mountsBelow([graphRoot, runRoot])) {
        try { umount(m, MNT_DETACH); } catch { /* checked below */ }
      }
      const stuck = await mountsBelow([graphRoot, runRoot]);
      if (stuck.length) throw new TspodError('RESET', `cannot remove the store: ${stuck[0]} is still mounted`);
      for (const dir of [graphRoot, runRoot]) {
        try {
          rmSync(dir, { recursive: true, force: true });
        } catch (err) {
          throw new TspodError('RESET', `removing ${dir}: ${(err as Error).message}`, { cause: err });
        }
      }
      const { tspodStorageConfPath } = await import('../../lib/config/storage.ts');
      const conf = tspodStorageConfPath();
      if (existsSync(conf)) io.stdout.write(`A storage.conf file exists at ${conf}\nYou should remove this file if you did not modify the configuration.\n`);
      return 0;
    },
  };
}
