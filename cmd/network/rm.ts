// tspod network rm (podman-network-rm(1)): 1 when a network does not exist, 2 when containers use it
// (with --force those containers are removed first).
import type { CommandModule, GlobalOptions } from '../types.ts';
import { TspodError } from '../../lib/errors.ts';
import { combined, graphRootOf } from '../volume/shared.ts';
import { defaultNetworkName, networkUsers } from './shared.ts';

interface RmOptions { names: string[]; force?: boolean; time?: number }

export function networkRmCommand(): CommandModule<RmOptions> {
  return {
    command: 'rm <names..>',
    aliases: ['remove'],
    describe: 'Remove networks',
    builder: (y) => y
      .positional('names', { type: 'string', array: true })
      .option('force', { alias: 'f', type: 'boolean', describe: 'Remove any containers using network' })
      .option('time', { alias: 't', type: 'number', default: 10, describe: 'Seconds to wait for running containers to stop before killing the container' })
      .example('$0 network rm mynet', ''),
    handler: async (o, io) => {
      const { graphRoot } = await graphRootOf(o);
      const { getNetwork, removeNetworkFile, networksLock } = await import('../../lib/netns/networks.ts');
      const { withLock } = await import('../../lib/lock/index.ts');
      const def = await defaultNetworkName();
      const errors: TspodError[] = [];
      for (const name of o.names) {
        try {
          const n = await getNetwork(graphRoot, name);
          const users = await networkUsers(graphRoot, n, def);
          if (users.length && !o.force) {
            throw new TspodError('NETWORK_IN_USE', `"${n.name}" has associated containers with it. Use -f to forcibly delete containers and pods: network is being used`, { exitCode: 2 });
          }
          if (n.name === def) throw new TspodError('DEFAULT_NETWORK', `default network ${n.name} cannot be removed`);
          if (users.length) await removeUsers(o, users);
          await withLock(networksLock(graphRoot), () => removeNetworkFile(graphRoot, n.name));
          io.stdout.write(`${name}\n`);
        } catch (err) {
          if (!(err instanceof TspodError)) throw err;
          errors.push(err.code === 'NO_SUCH_NETWORK' ? new TspodError(err.code, err.message, { exitCode: 1 }) : err);
        }
      }
      if (errors.length) throw combined(errors);
      return 0;
    },
  };
}

async function removeUsers(o: RmOptions & GlobalOptions, ids: string[]): Promise<void> {
  const { openEngine } = await import('../container/shared.ts');
  const engine = await openEngine(o);
  for (const id of ids) await engine.remove(id, { force: true, timeout: o.time });
}
