import type { CommandModule, GlobalOptions, Io } from '../types.ts';
import { CREATE_FLAGS, addFlags, argsAfterVerb, openEngine, parseFlags } from './shared.ts';
import { TspodError } from '../../lib/errors.ts';
import { GLOBAL_FLAGS_AFTER_VERB, HELP_FLAG, HelpRequested, effectiveGlobals, globalIo } from '../shared/global.ts';
import type { ContainerEngine, CreateOptions } from '../../lib/containers/engine.ts';
import type { Container } from '../../lib/containers/types.ts';

/** Map parsed flags to the engine's CreateOptions. */
export function toCreateOptions(o: Record<string, any>, image: string, args: string[], io: Io): CreateOptions {
  return {
    // the resource and user-namespace flags, parsed by lib/containers/resources.ts and userns.ts
    resourceFlags: o, usernsFlags: o,
    image, args, name: o.name, entrypoint: o.entrypoint, env: o.env, envFile: o.envFile, workdir: o.workdir, user: o.user,
    hostname: o.hostname, tty: o.tty, interactive: o.interactive, rm: o.rm, volume: o.volume, mount: o.mount, tmpfs: o.tmpfs,
    readOnly: o.readOnly, capAdd: o.capAdd?.flatMap((c: string) => c.split(',')), capDrop: o.capDrop?.flatMap((c: string) => c.split(',')),
    privileged: o.privileged, securityOpt: o.securityOpt, label: o.label, annotation: o.annotation, stopSignal: o.stopSignal,
    stopTimeout: o.stopTimeout, restart: o.restart, init: o.init, ulimit: o.ulimit, memory: o.memory,
    groupAdd: o.groupAdd, shmSize: o.shmSize, device: o.device, pid: o.pid, ipc: o.ipc, uts: o.uts, cpus: o.cpus,
    network: o.network, addHost: o.addHost, dns: o.dns, dnsSearch: o.dnsSearch, dnsOption: o.dnsOption, ip: o.ip,
    networkAlias: o.networkAlias, noHosts: o.noHosts, publish: o.publish, logDriver: o.logDriver, createCommand: [],
    cidFile: o.cidfile, replace: o.replace, labelFile: o.labelFile, envHost: o.envHost, expose: o.expose,
    // --arch/--os/--variant: the platform they make (an empty part is the host's)
    platform: o.platform ?? (o.arch || o.os || o.variant ? `${o.os ?? ''}/${o.arch ?? ''}${o.variant ? `/${o.variant}` : ''}` : undefined),
    onReplaced: (name) => io.stdout.write(`${name}\n`),
    conmonPidFile: o.conmonPidfile, pidFile: o.pidfile, envMerge: o.envMerge, httpProxy: o.httpProxy, initPath: o.initPath,
    logOpt: o.logOpt, publishAll: o.publishAll, readOnlyTmpfs: o.readOnlyTmpfs, timeout: o.timeout, tz: o.tz, umask: o.umask,
    unsetEnv: o.unsetenv, unsetEnvAll: o.unsetenvAll, pod: o.pod ?? o.podIdFile, healthFlags: o,
    volumesFrom: o.volumesFrom, imageVolume: o.imageVolume, extrasFlags: o,
    ...(io ? {} : {}),
  };
}

/** --tls-verify / --creds handed on to `tspod pull`. */
export function pullFlagsOf(o: Record<string, any>): string[] {
  const f: string[] = [];
  if (o.tlsVerify !== undefined) f.push(`--tls-verify=${o.tlsVerify}`);
  if (o.creds) f.push('--creds', o.creds);
  if (o.authfile) f.push('--authfile', o.authfile);
  if (o.platform) {
    if (o.arch || o.os) throw new TspodError('USAGE', '--platform option can not be specified with --arch or --os');
    f.push('--platform', o.platform);
  }
  for (const k of ['arch', 'os', 'variant']) if (!o.platform && o[k]) f.push(`--${k}`, o[k]); // the pull's platform
  return f;
}

/** Create, pulling the image first per --pull (always/missing/never/newer) by running `tspod pull`. */
export async function createWithPull(engine: ContainerEngine, co: CreateOptions, pull: string, quiet: boolean, io: Io, pullFlags: string[] = []): Promise<Container> {
  if (!['always', 'missing', 'never', 'newer'].includes(pull)) throw new TspodError('USAGE', `unsupported pull policy "${pull}"`);
  const doPull = async () => {
    const { spawn } = await import('node:child_process');
    const cmd = [...engine.selfCommand(), 'pull', ...(quiet ? ['--quiet'] : []), ...pullFlags, co.image];
    // the pull's progress goes to stderr as it comes; its error becomes ours (one "Error:" line, as podman)
    let errText = '';
    const code = await new Promise<number>((res) => {
      // its stdout is only the image ID, which podman run/create do not print
      const child = spawn(cmd[0], cmd.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
      child.stderr!.on('data', (d: Buffer) => {
        const lines = (errText + String(d)).split('\n');
        errText = lines.pop()!;
        for (const l of lines) {
          if (l.startsWith('Error: ')) errText = l + '\n' + errText;
          else io.stderr.write(l + '\n');
        }
      });
      child.on('close', (c) => res(c ?? 125));
      child.on('error', () => res(125));
    });
    if (code !== 0) {
      const msg = errText.split('\n').find((l) => l.startsWith('Error: '))?.slice(7);
      throw new TspodError('PULL', msg ?? `pulling image "${co.image}" failed`);
    }
  };
  // an image pulled for --platform is used whatever its platform, with podman's warning
  if (pull === 'always' || pull === 'newer') { await doPull(); co.platformPulled = { quiet }; }
  try {
    return await engine.create(co);
  } catch (err) {
    if (pull !== 'missing' || !(err instanceof TspodError) || err.code !== 'NO_SUCH_IMAGE') throw err;
  }
  await doPull();
  co.platformPulled = { quiet };
  return engine.create(co);
}

export function createCommand(): CommandModule<GlobalOptions> {
  return {
    command: 'create',
    describe: 'Create but do not start a container',
    builder: (y) => addFlags(y, CREATE_FLAGS).example('tspod create --name web alpine sleep 1000', ''),
    handler: async (argv, io) => {
      // global options may follow the verb (podman's are persistent); parsing still stops at the first positional
      const { opts, rest } = parseFlags(argsAfterVerb(argv as any, 'create'), [...CREATE_FLAGS, ...GLOBAL_FLAGS_AFTER_VERB, HELP_FLAG]);
      if (opts.help) throw new HelpRequested('create');
      argv = effectiveGlobals(argv, opts);
      io = globalIo(argv, io); // --noout after the verb
      if (rest.length === 0) throw new TspodError('USAGE', 'create requires at least 1 arg(s), only received 0');
      const engine = await openEngine(argv);
      const co = toCreateOptions(opts, rest[0], rest.slice(1), io);
      co.createCommand = ['tspod', ...process.argv.slice(2)];
      const c = await createWithPull(engine, co, opts.pull, !!opts.quiet, io, pullFlagsOf(opts));
      io.stdout.write(`${c.config.id}\n`);
      return 0;
    },
  };
}
