// tspod info (podman-info(1)): host, store, registries and version, as YAML (podman's default), JSON
// or a Go template. JSON keys are podman's (host.ociRuntime, store.graphRoot...); templates see Go's
// field names ({{.Host.OCIRuntime.Name}}, {{.Store.GraphRoot}}), as podman's templates do.
import type { CommandModule, GlobalOptions } from '../types.ts';
import { clientVersion } from './version.ts';
import { goArch } from '../../lib/oci/platform.ts';

interface InfoOptions { format?: string; debug?: boolean }

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };


/** `<binary> --version` output (trimmed), '' when it cannot run. */
async function versionOf(path: string | undefined): Promise<string> {
  if (!path) return '';
  const { execFile } = await import('node:child_process');
  return new Promise((resolve) => {
    execFile(path, ['--version'], { timeout: 5000 }, (err, out) => resolve(err ? '' : String(out).trim()));
  });
}

/** The Debian package owning a file, as podman prints it: name_version_arch. */
async function packageOf(path: string | undefined): Promise<string> {
  if (!path) return '';
  const { execFile } = await import('node:child_process');
  const run = (cmd: string, args: string[]) => new Promise<string>((resolve) => {
    execFile(cmd, args, { timeout: 5000 }, (err, out) => resolve(err ? '' : String(out).trim()));
  });
  const { realpathSync } = await import('node:fs');
  let real = path;
  try { real = realpathSync(path); } catch { /* keep path */ }
  const owner = (await run('dpkg-query', ['-S', real])).split(':')[0];
  if (!owner) return '';
  const v = await run('dpkg-query', ['-W', '-f', '${Package}_${Version}_${Architecture}', owner]);
  return v || owner;
}

/** /proc/self/uid_map as podman's idMappings entries; null outside a user namespace (rootful). */
function idMap(file: string, rootless: boolean): Json {
  if (!rootless) return null;
  try {
    return readFileSyncLazy(file).trim().split('\n').map((l) => l.trim().split(/\s+/).map(Number))
      .map(([c, h, n]) => ({ container_id: c, host_id: h, size: n }));
  } catch {
    return null;
  }
}

let fsMod: typeof import('node:fs') | undefined;
function readFileSyncLazy(p: string): string {
  return fsMod!.readFileSync(p, 'utf8');
}

function osRelease(): Record<string, string> {
  const out: Record<string, string> = {};
  try {
    for (const line of readFileSyncLazy('/etc/os-release').split('\n')) {
      const m = /^([A-Z_]+)=(.*)$/.exec(line);
      if (m) out[m[1]] = m[2].replace(/^"(.*)"$/, '$1');
    }
  } catch { /* none */ }
  return out;
}

function uptime(): string {
  const s = Math.floor(fsMod ? Number(readFileSyncLazy('/proc/uptime').split(' ')[0]) : 0);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${h}h ${m}m ${(s % 60).toFixed(2)}s (Approximately ${(s / 86400).toFixed(2)} days)`;
}

/** podman info's data, with podman's JSON keys. */
export async function collectInfo(g: GlobalOptions): Promise<Record<string, Json>> {
  fsMod = await import('node:fs');
  const os = await import('node:os');
  const { join } = await import('node:path');
  const { storagePaths } = await import('../../lib/config/paths.ts');
  const { tspodStorageConfPath, loadStorageConf } = await import('../../lib/config/storage.ts');
  const { isRootless } = await import('../../lib/rootless/index.ts');
  const { loadContainersConf, DEFAULT_CAPABILITIES } = await import('../../lib/config/containers-conf.ts');
  const { loadRegistriesConfig, registriesConfFiles } = await import('../../lib/config/registries.ts');
  const { cgroupV2, findBinary } = await import('../../lib/runtime/runtime.ts');
  const { openStore } = await import('../../lib/storage/index.ts');
  const { ContainerStore } = await import('../../lib/containers/store.ts');

  const rootless = isRootless();
  const paths = storagePaths(g);
  const conf = loadContainersConf();
  const v2 = cgroupV2();
  const runtimeName = g.runtime ?? (v2 ? 'crun' : 'runc');
  const runtimeBin = findBinary(runtimeName);
  const conmonBin = g.conmon ?? findBinary('conmon');
  const netCmd = conf.network.default_rootless_network_cmd || 'slirp4netns';
  const netBin = findBinary(netCmd);
  const [rtVersion, rtPackage, conmonVersion, conmonPackage, netVersion, netPackage] = await Promise.all([
    versionOf(runtimeBin), packageOf(runtimeBin), versionOf(conmonBin), packageOf(conmonBin), versionOf(netBin), packageOf(netBin),
  ]);
  const rel = osRelease();

  const store = await openStore({ graphRoot: paths.graphRoot, runRoot: paths.runRoot });
  const images = await store.listImages();
  const containers = new ContainerStore(paths.graphRoot, paths.runRoot).list();
  const running = containers.filter((c) => c.state.status === 'running').length;
  const paused = containers.filter((c) => c.state.status === 'paused').length;

  const regs = loadRegistriesConfig();
  const registries: Record<string, Json> = {};
  for (const r of regs.registries) {
    registries[r.prefix] = {
      Prefix: r.prefix,
      Location: r.location,
      Insecure: r.insecure,
      PullFromMirror: r.pullFromMirror ?? '',
      Mirrors: r.mirrors.map((m) => ({ Location: m.location, Insecure: m.insecure, PullFromMirror: m.pullFromMirror ?? '' })),
      Blocked: r.blocked,
      MirrorByDigestOnly: r.mirrorByDigestOnly,
    };
  }
  const search = regs.unqualifiedSearchRegistries;
  if (search.length) registries.search = search;

  return {
    host: {
      arch: goArch(process.arch),
      cgroupManager: 'cgroupfs',
      cgroupVersion: v2 ? 'v2' : 'v1',
      conmon: { package: conmonPackage, path: conmonBin ?? '', version: conmonVersion },
      cpus: os.cpus().length,
      distribution: { distribution: rel.ID ?? '', version: rel.VERSION_ID ?? '', codename: rel.VERSION_CODENAME ?? '' },
      hostname: os.hostname(),
      idMappings: { gidmap: idMap('/proc/self/gid_map', rootless), uidmap: idMap('/proc/self/uid_map', rootless) },
      kernel: os.release(),
      memFree: os.freemem(),
      memTotal: os.totalmem(),
      networkBackend: 'netavark',
      ociRuntime: { name: runtimeName, package: rtPackage, path: runtimeBin ?? '', version: rtVersion },
      os: 'linux',
      security: {
        apparmorEnabled: false,
        capabilities: DEFAULT_CAPABILITIES.map((c) => `CAP_${c}`).join(','),
        rootless,
        seccompEnabled: true,
        seccompProfilePath: '',
        selinuxEnabled: false,
      },
      slirp4netns: { executable: netBin ?? '', package: netPackage, version: netVersion },
      uptime: uptime(),
    },
    store: {
      configFile: tspodStorageConfPath(),
      containerStore: { number: containers.length, paused, running, stopped: containers.length - running - paused },
      graphDriverName: paths.driver,
      graphOptions: graphOptions(g.storageOpt, loadStorageConf()),
      graphRoot: paths.graphRoot,
      imageStore: { number: images.length },
      runRoot: paths.runRoot,
      volumePath: join(paths.graphRoot, 'volumes'),
    },
    registries,
    registriesConf: registriesConfFiles().main,
    version: clientVersion(),
  } as Record<string, Json>;
}

/** The storage driver's options as podman lists them: --storage-opt as given, else storage.conf's. */
function graphOptions(storageOpt: string[] | undefined, conf: { mountProgram?: string; mountOpt?: string }): Record<string, string> {
  if (storageOpt) {
    // a Go map: keys sorted, split at the first "=" as podman does (untrimmed)
    const pairs = storageOpt.filter((o) => o.includes('=')).map((o) => [o.slice(0, o.indexOf('=')), o.slice(o.indexOf('=') + 1)]);
    return Object.fromEntries(pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }
  return { ...(conf.mountProgram ? { 'overlay.mount_program': conf.mountProgram } : {}), ...(conf.mountOpt ? { 'overlay.mountopt': conf.mountOpt } : {}) };
}

// Go field names where they are not just the JSON key capitalised (libpod/define/info.go).
const GO_FIELDS: Record<string, string> = {
  ociRuntime: 'OCIRuntime', idMappings: 'IDMappings', uidmap: 'UIDMap', gidmap: 'GIDMap', container_id: 'ContainerID',
  host_id: 'HostID', cpus: 'CPUs', apparmorEnabled: 'AppArmorEnabled', selinuxEnabled: 'SELinuxEnabled',
  slirp4netns: 'Slirp4NETNS', registriesConf: 'RegistriesConf',
};

/**
 * The same data with Go's exported field names, for templates, as structs (a missing field is an
 * error, as in podman). Registries stay a map keyed by prefix.
 */
export async function goFields(v: Json, typeName = '*define.Info', isMap = false): Promise<Json> {
  if (Array.isArray(v)) return Promise.all(v.map((x) => goFields(x, 'struct')));
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, Json> = {};
  for (const [k, x] of Object.entries(v)) {
    const key = isMap ? k : GO_FIELDS[k] ?? k[0].toUpperCase() + k.slice(1);
    out[key] = await goFields(x, 'struct', k === 'registries' && !isMap);
  }
  const { asStruct, withJsonForm } = await import('../../lib/template/index.ts');
  withJsonForm(out, v); // {{json .Store}} prints podman's keys, not Go's field names
  return isMap ? out : asStruct(out, typeName);
}

export function infoCommand(): CommandModule<InfoOptions> {
  return {
    command: 'info',
    describe: 'Display tspod related system information',
    builder: (y) => y
      .option('format', { alias: 'f', type: 'string', describe: 'Change the output format to JSON or a Go template' })
      .option('debug', { alias: 'D', type: 'boolean', hidden: true, describe: 'Display additional debug information' })
      .example('$0 info', '')
      .example('$0 info --format json', '')
      .example("$0 info --format '{{.Store.GraphRoot}}'", ''),
    handler: async (opts, io) => {
      const info = await collectInfo(opts);
      const { isJsonFormat, formatOutput } = await import('../shared/format.ts');
      if (opts.format && isJsonFormat(opts.format)) {
        io.stdout.write(JSON.stringify(info, null, 4) + '\n');
      } else if (opts.format) {
        io.stdout.write(await formatOutput(opts.format, await goFields(info), { name: 'info' }));
      } else {
        const { stringify } = await import('yaml');
        io.stdout.write(stringify(info, { sortMapEntries: false }));
      }
      return 0;
    },
  };
}
