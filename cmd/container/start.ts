import type { CommandModule } from '../types.ts';
import { openEngine } from './shared.ts';
import { eachTarget, selectTargets } from './targets.ts';
import { startAttached } from './run.ts';
import { TspodError } from '../../lib/errors.ts';

interface StartOptions { names?: string[]; attach?: boolean; interactive?: boolean; all?: boolean; latest?: boolean; detachKeys: string; sigProxy?: boolean }

export function startCommand(): CommandModule<StartOptions> {
  return {
    command: 'start [names..]',
    describe: 'Start one or more containers',
    builder: (y) => y.positional('names', { type: 'string', array: true })
      .option('attach', { alias: 'a', type: 'boolean', describe: 'Attach container\'s STDOUT and STDERR' })
      .option('interactive', { alias: 'i', type: 'boolean', describe: 'Make STDIN available to the contained process' })
      .option('all', { type: 'boolean', describe: 'Start all containers regardless of their state or configuration' })
      .option('latest', { alias: 'l', type: 'boolean', describe: 'Act on the latest container podman is aware of' })
      .option('detach-keys', { type: 'string', default: 'ctrl-p,ctrl-q', describe: 'Select the key sequence for detaching a container' })
      .option('sig-proxy', { type: 'boolean', describe: 'Proxy received signals to the process (default true if attaching, false otherwise)' }),
    handler: async (o, io) => {
      const engine = await openEngine(o);
      if (o.attach || o.interactive) {
        const targets = await selectTargets(engine, o);
        if (targets.length !== 1) throw new TspodError('USAGE', 'you cannot start and attach multiple containers at once');
        const c = await engine.inspect(targets[0]);
        if (c.state.status === 'running') throw new TspodError('STATE_IMPROPER', `container ${c.config.id} is already running: use attach`);
        const code = await startAttached(engine, c.config.id, io, { interactive: !!o.interactive && c.config.interactive, tty: c.config.tty, sigProxy: o.sigProxy !== false, detachKeys: o.detachKeys, autoRemove: c.config.autoRemove });
        if (code === 'detached') return 0;
        if (c.config.autoRemove) await engine.remove(c.config.id, { force: true }).catch(() => {});
        return code;
      }
      const targets = await selectTargets(engine, o, o.all ? (s) => s !== 'running' : undefined);
      return eachTarget(targets, io, async (ref) => { await engine.start(ref); return ref; });
    },
  };
}
