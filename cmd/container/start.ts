import type { CommandModule } from '../types.ts';
import { openEngine } from './shared.ts';
import { selectTargets } from './targets.ts';
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
        if (c.state.status === 'paused') throw notStartable(c.config.id, false);
        // podman attaches to a container that is already running instead of starting it, and then
        // exits 0 whatever the container's status (podman 4.3 ContainerStart)
        if (c.state.status === 'running') {
          const { attachCommand } = await import('./attach.ts');
          await attachCommand().handler({ ...o, container: c.config.id, noStdin: !o.interactive, sigProxy: o.sigProxy !== false }, io);
          return 0;
        }
        const code = await startAttached(engine, c.config.id, io, { interactive: !!o.interactive && c.config.interactive, tty: c.config.tty, sigProxy: o.sigProxy !== false, detachKeys: o.detachKeys, autoRemove: c.config.autoRemove });
        return code === 'detached' ? 0 : code;
      }
      const targets = await selectTargets(engine, o, o.all ? (s) => s !== 'running' : undefined);
      // as podman: every name is looked up before anything starts, and a running container is left
      // as it is without a line of output (only the started ones are printed)
      for (const ref of targets) await engine.inspect(ref);
      let code = 0;
      for (const ref of targets) {
        try {
          let started = false;
          const c = await engine.start(ref, () => { started = true; });
          if (!started && c.state.status === 'paused') throw notStartable(c.config.id, true);
          if (started) io.stdout.write(`${ref}\n`);
        } catch (err) {
          io.stderr.write(`Error: ${err instanceof Error ? err.message : String(err)}\n`);
          code = err instanceof TspodError ? err.exitCode : 125;
        }
      }
      return code;
    },
  };
}

/** podman's words for starting a paused container (quoted ID without --attach, as podman 4.3 prints it). */
function notStartable(id: string, quoted: boolean): TspodError {
  const q = quoted ? `"${id}"` : id;
  return new TspodError('STATE_IMPROPER', `unable to start container ${q}: container ${id} must be in Created or Stopped state to be started: container state improper`);
}
