// tspod network create (podman-network-create(1)): prints the network name.
import type { CommandModule } from '../types.ts';
import { graphRootOf, keyValues } from '../volume/shared.ts';

interface CreateOptions {
  name?: string; driver?: string; subnet?: string[]; gateway?: string[]; ipRange?: string[]; internal?: boolean; disableDns?: boolean;
  ipv6?: boolean; label?: string[]; opt?: string[]; ipamDriver?: string; ignore?: boolean; interfaceName?: string;
}

export function networkCreateCommand(): CommandModule<CreateOptions> {
  return {
    command: 'create [name]',
    describe: 'Create networks for containers and pods',
    builder: (y) => y
      .positional('name', { type: 'string', describe: 'Network name (podmanN when omitted)' })
      .option('driver', { alias: 'd', type: 'string', default: 'bridge', describe: 'Driver to manage the network' })
      .option('subnet', { type: 'string', array: true, nargs: 1, describe: 'Subnets in CIDR format' })
      .option('gateway', { type: 'string', array: true, nargs: 1, describe: 'IPv4 or IPv6 gateway for the subnet' })
      .option('ip-range', { type: 'string', array: true, nargs: 1, describe: 'Allocate container IP from range' })
      .option('internal', { type: 'boolean', describe: 'Restrict external access from this network' })
      .option('disable-dns', { type: 'boolean', describe: 'Disable dns plugin' })
      .option('ipv6', { type: 'boolean', describe: 'Enable IPv6 networking' })
      .option('label', { type: 'string', array: true, nargs: 1, describe: 'Set metadata on a network' })
      .option('opt', { alias: 'o', type: 'string', array: true, nargs: 1, describe: 'Set driver specific options' })
      .option('ipam-driver', { type: 'string', describe: 'IP Address Management Driver' })
      .option('interface-name', { type: 'string', describe: 'Interface name which is used by the driver' })
      .option('ignore', { type: 'boolean', describe: "Don't fail if network already exists" })
      .example('$0 network create --subnet 10.90.0.0/24 mynet', ''),
    handler: async (o, io) => {
      const { graphRoot } = await graphRootOf(o);
      const { createNetwork } = await import('../../lib/netns/networks.ts');
      const n = await createNetwork(graphRoot, {
        name: o.name, driver: o.driver, subnets: o.subnet, gateways: o.gateway, ipRanges: o.ipRange, internal: o.internal, disableDns: o.disableDns,
        ipv6: o.ipv6, labels: keyValues(o.label, 'label'), options: keyValues(o.opt, 'option'), ipamDriver: o.ipamDriver, ignoreExisting: o.ignore,
        interfaceName: o.interfaceName,
      });
      io.stdout.write(`${n.name}\n`);
      return 0;
    },
  };
}
