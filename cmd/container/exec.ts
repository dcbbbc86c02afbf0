import type { CommandModule, GlobalOptions } from '../types.ts';
import { EXEC_FLAGS, addFlags, argsAfterVerb, openEngine, parseFlags } from './shared.ts';
import { TspodError } from '../../lib/errors.ts';
import { GLOBAL_FLAGS_AFTER_VERB, HELP_FLAG, HelpRequested, effectiveGlobals, globalIo } from '../shared/global.ts';

export function execCommand(): CommandModule<GlobalOptions> {
  return {
    command: 'exec',
    describe: 'Run a process in a running container',
    builder: (y) => addFlags(y, EXEC_FLAGS).example('tspod exec -it web sh', ''),
    handler: async (argv, io) => {
      // global options may follow the verb (podman's are persistent); parsing still stops at the first positional
      const { opts, rest } = parseFlags(argsAfterVerb(argv as any, 'exec'), [...EXEC_FLAGS, ...GLOBAL_FLAGS_AFTER_VERB, HELP_FLAG]);
      if (opts.help) throw new HelpRequested('exec');
      argv = effectiveGlobals(argv, opts);
      io = globalIo(argv, io); // --noout after the verb
      const engine = await openEngine(argv);
      let ref = rest[0];
      let cmd = rest.slice(1);
      if (opts.latest) {
        const list = (await engine.list()).sort((a, b) => Date.parse(b.config.created) - Date.parse(a.config.created));
        if (!list.length) throw new TspodError('NO_SUCH_CONTAINER', 'no containers to exec in');
        ref = list[0].config.id;
        cmd = rest;
      }
      if (!ref || cmd.length === 0) throw new TspodError('USAGE', 'exec requires the name or ID of a container and a command to run');
      const code = await engine.exec(ref, { cmd, env: opts.env, user: opts.user, workdir: opts.workdir, tty: opts.tty, interactive: opts.interactive,
        detach: opts.detach, detachKeys: opts.detachKeys, privileged: opts.privileged, stdout: io.stdout, stderr: io.stderr, stdin: io.stdin });
      const c = opts.detach ? undefined : engine.store.get(engine.store.resolve(ref));
      if (c) engine.event('exec_died', c.config); // the exec session's end (podman's events)
      return code;
    },
  };
}
