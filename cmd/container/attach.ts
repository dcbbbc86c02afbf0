import type { CommandModule } from '../types.ts';
import { openEngine } from './shared.ts';
import { TspodError } from '../../lib/errors.ts';

interface AttachOptions { container: string; noStdin?: boolean; detachKeys: string; sigProxy?: boolean; latest?: boolean }

export function attachCommand(): CommandModule<AttachOptions> {
  return {
    command: 'attach <container>',
    describe: 'Attach to a running container',
    builder: (y) => y.positional('container', { type: 'string' })
      .option('no-stdin', { type: 'boolean', describe: 'Do not attach STDIN. The default is false' })
      .option('detach-keys', { type: 'string', default: 'ctrl-p,ctrl-q', describe: 'Select the key sequence for detaching a container' })
      .option('sig-proxy', { type: 'boolean', default: true, describe: 'Proxy received signals to the process' }),
    handler: async (o, io) => {
      const engine = await openEngine(o);
      const c = await engine.inspect(o.container);
      if (c.state.status !== 'running') throw new TspodError('STATE_IMPROPER', 'you can only attach to running containers');
      const { connectAttach, relay, parseDetachKeys, attachTerminal } = await import('../../lib/containers/attach.ts');
      const fd = connectAttach(engine.store.bundleDir(c.config.id));
      engine.event('attach', c.config);
      const stdin = io.stdin as NodeJS.ReadStream;
      const withStdin = !o.noStdin && c.config.interactive;
      const restore = c.config.tty ? attachTerminal(stdin, io.stdout as NodeJS.WriteStream, engine.store.bundleDir(c.config.id), withStdin) : undefined;
      // --sig-proxy (non-TTY): signals to us go to the container, as with run
      const onSignal = (sig: NodeJS.Signals) => { engine.kill(c.config.id, sig).catch(() => {}); };
      const signals: NodeJS.Signals[] = o.sigProxy !== false && !c.config.tty ? ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'] : [];
      for (const s of signals) process.on(s, onSignal);
      try {
        const r = await relay(fd, { stdout: io.stdout, stderr: io.stderr, stdin: withStdin ? stdin : undefined, detachKeys: c.config.tty && withStdin ? parseDetachKeys(o.detachKeys) : [] });
        if (r.detached) return 0;
      } finally {
        for (const s of signals) process.off(s, onSignal);
        restore?.();
      }
      await engine.waitExit(c.config.id, 24 * 3600 * 1000);
      return (await engine.inspect(c.config.id)).state.exitCode;
    },
  };
}
