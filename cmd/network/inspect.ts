// tspod network inspect (podman-network-inspect(1)).
import type { CommandModule } from '../types.ts';
import { TspodError } from '../../lib/errors.ts';
import { combined, formatEach, graphRootOf } from '../volume/shared.ts';

interface InspectOptions { names: string[]; format?: string }

export function networkInspectCommand(): CommandModule<InspectOptions> {
  return {
    command: 'inspect <names..>',
    describe: 'Displays the raw network configuration for one or more networks',
    builder: (y) => y
      .positional('names', { type: 'string', array: true })
      .option('format', { alias: 'f', type: 'string', default: 'json', describe: 'Pretty-print network to JSON or using a Go template' })
      .example('$0 network inspect podman', ''),
    handler: async (o, io) => {
      const { graphRoot } = await graphRootOf(o);
      const { getNetwork } = await import('../../lib/netns/networks.ts');
      const found = [];
      const errors: TspodError[] = [];
      for (const name of o.names) {
        try {
          found.push(await getNetwork(graphRoot, name));
        } catch (err) {
          if (!(err instanceof TspodError)) throw err;
          errors.push(new TspodError(err.code, `network ${name}: ${err.message}`));
        }
      }
      // Go templates see podman's field names (.Name, .Subnets); JSON keeps the on-disk names.
      const items = o.format === 'json' || /^\s*(json|\{\{\s*json\s*\.\s*\}\})\s*$/.test(o.format ?? '') ? found : found.map(templateView);
      io.stdout.write(await formatEach(o.format ?? 'json', items));
      if (errors.length) {
        const e = combined(errors);
        throw new TspodError(e.code, `inspecting object: ${e.message}`);
      }
      return 0;
    },
  };
}

function templateView(n: import('../../lib/netns/networks.ts').Network): Record<string, unknown> {
  return {
    Name: n.name, ID: n.id, Id: n.id, Driver: n.driver, NetworkInterface: n.network_interface ?? '', Created: n.created,
    Subnets: (n.subnets ?? []).map((s) => ({ Subnet: s.subnet, Gateway: s.gateway ?? '', LeaseRange: s.lease_range })),
    IPv6Enabled: n.ipv6_enabled, Internal: n.internal, DNSEnabled: n.dns_enabled, Labels: n.labels ?? {}, Options: n.options ?? {},
    IPAMOptions: n.ipam_options ?? {},
  };
}
