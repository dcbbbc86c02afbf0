// tspod system migrate (podman-system-migrate(1)): as podman 4.3, every running container is stopped
// ("stopped ID") so that its next start picks up changed user namespace settings; --new-runtime gives
// every container that runtime. tspod keeps no pause process and its store needs no conversion, so for
// a store with nothing running this prints nothing and exits 0, as podman.
import type { CommandModule } from '../types.ts';
import { TspodError } from '../../lib/errors.ts';

interface MigrateOptions { newRuntime?: string }

export function systemMigrateCommand(): CommandModule<MigrateOptions> {
  return {
    command: 'migrate',
    describe: 'Migrate containers',
    builder: (y) => y
      .option('new-runtime', { type: 'string', describe: 'Specify a new runtime for all containers' })
      .example('$0 system migrate', ''),
    handler: async (o, io) => {
      const { openEngine } = await import('../container/shared.ts');
      const engine = await openEngine(o);
      const list = await engine.list();
      for (const c of list.filter((x) => x.state.status === 'running' || x.state.status === 'paused')) {
        io.stdout.write(`stopped ${c.config.id}\n`);
        await engine.stop(c.config.id);
      }
      if (!o.newRuntime) return 0;
      // a runtime by name, as containers.conf's [engine.runtimes] lists them (not a path)
      const { findBinary } = await import('../../lib/runtime/runtime.ts');
      if (o.newRuntime.includes('/') || !findBinary(o.newRuntime)) {
        // podman 4.3 prints this one on stdout
        io.stdout.write(`change to runtime "${o.newRuntime}" requested but no such runtime is defined: invalid argument\n`);
        return 125;
      }
      const { ContainerStore, writeJsonAtomic } = await import('../../lib/containers/store.ts');
      const store = new ContainerStore(engine.graphRoot, engine.runRoot);
      for (const c of list) {
        await store.withContainer(c.config.id, (cur) => {
          if (cur.config.runtime === o.newRuntime) return;
          writeJsonAtomic(`${store.containerDir(c.config.id)}/config.json`, { ...cur.config, runtime: o.newRuntime });
        });
      }
      return 0;
    },
  };
}
