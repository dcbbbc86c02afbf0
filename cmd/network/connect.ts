// tspod network connect / disconnect (podman-network-connect(1), podman-network-disconnect(1)):
// attach a running container on a bridge network to one more network, or detach it, in place.
import type { CommandModule, GlobalOptions } from '../types.ts';
import { TspodError } from '../../lib/errors.ts';
import { graphRootOf } from '../volume/shared.ts';

interface ConnectOptions { network: string; container: string; alias?: string[]; ip?: string }
interface DisconnectOptions { network: string; container: string; force?: boolean }

async function withRunningContainer(g: GlobalOptions, ref: string, fn: (state: any, name: string) => Promise<any>): Promise<void> {
  const { openEngine } = await import('../container/shared.ts');
  const engine = await openEngine(g);
  const id = engine.store.resolve(ref);
  await engine.store.withContainer(id, async (c) => {
    if (c.state.status !== 'running' || !c.state.network) {
      throw new TspodError('CONTAINER_NOT_RUNNING', `container ${ref} is not running: tspod connects and disconnects running containers only`);
    }
    c.state.network = await fn(c.state.network, c.config.names[0]);
    engine.store.writeState(id, c.state);
  });
}

export function networkConnectCommand(): CommandModule<ConnectOptions> {
  return {
    command: 'connect <network> <container>',
    describe: 'Add container to a network',
    builder: (y) => y
      .positional('network', { type: 'string' })
      .positional('container', { type: 'string' })
      .option('alias', { type: 'string', array: true, nargs: 1, describe: 'Network scoped alias for container' })
      .option('ip', { type: 'string', describe: 'Set a static ipv4 address for this container network' })
      .example('$0 network connect backend web', ''),
    handler: async (o) => {
      const { graphRoot } = await graphRootOf(o);
      const { connectNetwork } = await import('../../lib/netns/index.ts');
      await withRunningContainer(o, o.container, (state, name) => connectNetwork(state, { graphRoot, network: o.network, containerName: name, aliases: o.alias, staticIp: o.ip }));
      return 0;
    },
  };
}

export function networkDisconnectCommand(): CommandModule<DisconnectOptions> {
  return {
    command: 'disconnect <network> <container>',
    describe: 'Disconnect a container from a network',
    builder: (y) => y
      .positional('network', { type: 'string' })
      .positional('container', { type: 'string' })
      .option('force', { alias: 'f', type: 'boolean', describe: 'Force the container to disconnect from a network' })
      .example('$0 network disconnect backend web', ''),
    handler: async (o) => {
      const { graphRoot } = await graphRootOf(o);
      const { getNetwork } = await import('../../lib/netns/networks.ts');
      const n = await getNetwork(graphRoot, o.network);
      const { disconnectNetwork } = await import('../../lib/netns/index.ts');
      await withRunningContainer(o, o.container, (state) => disconnectNetwork(state, n.name));
      return 0;
    },
  };
}
