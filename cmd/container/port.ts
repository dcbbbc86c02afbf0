import type { CommandModule } from '../types.ts';
import { openEngine } from './shared.ts';
import { TspodError } from '../../lib/errors.ts';

export function portCommand(): CommandModule<{ container?: string; port?: string; all?: boolean; latest?: boolean }> {
  return {
    command: 'port [container] [port]',
    describe: 'List port mappings or a specific mapping for the container',
    builder: (y) => y.positional('container', { type: 'string' }).positional('port', { type: 'string' })
      .option('all', { alias: 'a', type: 'boolean', describe: 'Display port information for all containers' })
      .option('latest', { alias: 'l', type: 'boolean', describe: 'Act on the latest container podman is aware of' }),
    handler: async (o, io) => {
      const engine = await openEngine(o);
      let list = await engine.list();
      if (!o.all) {
        if (o.latest) list = list.sort((a, b) => Date.parse(b.config.created) - Date.parse(a.config.created)).slice(0, 1);
        else {
          if (!o.container) throw new TspodError('USAGE', 'you must supply a running container name or id');
          list = [await engine.inspect(o.container)];
        }
      }
      for (const c of list) {
        let ports = c.config.ports;
        if (o.port) {
          const [p, proto = 'tcp'] = o.port.split('/');
          ports = ports.filter((x) => String(x.containerPort) === p && x.protocol === proto);
          if (!ports.length && !o.all) throw new TspodError('NO_PORT', `failed to find published port "${o.port}"`);
          for (const x of ports) io.stdout.write(`${x.hostIp || '0.0.0.0'}:${x.hostPort}\n`);
          continue;
        }
        for (const x of ports) io.stdout.write(`${o.all ? c.config.id.slice(0, 12) + '\t' : ''}${x.containerPort}/${x.protocol} -> ${x.hostIp || '0.0.0.0'}:${x.hostPort}\n`);
      }
      return 0;
    },
  };
}
