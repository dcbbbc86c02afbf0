import type { CommandModule, Io } from '../types.ts';
import { openEngine } from './shared.ts';
import { TspodError } from '../../lib/errors.ts';
import type { Container } from '../../lib/containers/types.ts';
import type { ContainerEngine } from '../../lib/containers/engine.ts';
import { readFileSync } from 'node:fs';
import { dependencies } from '../../lib/containers/namespaces.ts';
import { inspectResources } from '../../lib/containers/resources.ts';
import { goSize } from '../../lib/units/index.ts';

/** The process env the container runs with: from its bundle once started, else the defaults podman adds. */
function containerEnv(c: Container, bundleConfig: string): string[] {
  try {
    return JSON.parse(readFileSync(bundleConfig, 'utf8')).process.env;
  } catch { /* never started */ }
  const env = new Map<string, string>();
  for (const e of ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'TERM=xterm', 'container=podman', ...c.config.env,
    ...(['', 'root', '0'].includes(c.config.user.split(':')[0]) ? ['HOME=/root'] : []), `HOSTNAME=${c.config.hostname}`]) {
    const i = e.indexOf('=');
    const k = i < 0 ? e : e.slice(0, i);
    if ((k === 'HOME' || k === 'HOSTNAME') && env.has(k)) continue;
    env.set(k, e);
  }
  return [...env.values()];
}

/** Ports and PortBindings: published ports, and exposed ones bound to nothing (null), keys sorted as Go's JSON. */
function portMap(cfg: Container['config']): Record<string, { HostIp: string; HostPort: string }[] | null> {
  const m: Record<string, { HostIp: string; HostPort: string }[] | null> = {};
  for (const e of cfg.exposedPorts ?? []) m[e] = null;
  for (const p of cfg.ports) (m[`${p.containerPort}/${p.protocol}`] ??= []).push({ HostIp: p.hostIp ?? '', HostPort: String(p.hostPort) });
  return Object.fromEntries(Object.keys(m).sort().map((k) => [k, m[k]]));
}

const DEFAULT_NETWORK = 'podman';
const ADDRESS_ZERO = { EndpointID: '', Gateway: '', IPAddress: '', IPPrefixLen: 0, IPv6Gateway: '', GlobalIPv6Address: '', GlobalIPv6PrefixLen: 0, MacAddress: '' };

interface NetState {
  mode: string; netnsPath?: string; containerId?: string;
  networks?: Record<string, { ip: string; prefixLen: number; gateway?: string; mac: string }>;
  netavark?: { options?: { networks?: Record<string, { aliases?: string[] }> } };
}

/** The bridge networks podman would list for the container as configured (ps's rule); none for other modes. */
function configuredNetworks(cfg: Container['config']): string[] {
  const n = cfg.network;
  if (n === '' || n === 'private') return cfg.rootless ? [] : [DEFAULT_NETWORK];
  if (n === 'bridge') return [DEFAULT_NETWORK];
  if (/^(none|host|slirp4netns|pasta|ns:|container:)/.test(n)) return [];
  return [...new Set(n.split(','))];
}

/**
 * podman 4.3's NetworkSettings (libpod/networking_linux.go, getContainerNetIO's inspect side): Networks
 * has an entry per bridge network the container is on, its address there while it runs (empty fields
 * otherwise), NetworkID being the network's name and Aliases the --network-alias names plus the short
 * ID; the top-level address fields are filled only when the default network is the only one. Other
 * modes have no Networks; container:ID shows that container's settings.
 */
function networkSettings(c: Container, engine: ContainerEngine, depth = 0): Record<string, unknown> {
  const cfg = c.config;
  if (cfg.network.startsWith('container:') && depth === 0) {
    const dep = engine.store.get(cfg.network.slice('container:'.length));
    if (dep) return { ...networkSettings(dep, engine, 1), Ports: portMap(cfg) };
  }
  const net = c.state.network as NetState | undefined;
  const running = c.state.status === 'running' || c.state.status === 'paused';
  const live = running && net ? net : undefined;
  const names = live ? (live.mode === 'bridge' ? Object.keys(live.networks ?? {}) : []) : configuredNetworks(cfg);
  const shortId = cfg.id.slice(0, 12);
  const address = (name: string) => {
    const st = live?.networks?.[name];
    return st ? { ...ADDRESS_ZERO, Gateway: st.gateway ?? '', IPAddress: st.ip, IPPrefixLen: st.prefixLen, MacAddress: st.mac } : ADDRESS_ZERO;
  };
  const aliases = (name: string) => {
    const given = live?.netavark?.options?.networks?.[name]?.aliases;
    // netavark is also given the container's names; podman lists those it was asked for and the short ID
    if (given) return given.filter((a) => !cfg.names.includes(a));
    return [...(cfg.networkAliases ?? []), shortId];
  };
  const top = names.length === 1 && names[0] === DEFAULT_NETWORK ? address(DEFAULT_NETWORK) : ADDRESS_ZERO;
  const out: Record<string, unknown> = {
    ...top, Bridge: '', SandboxID: '', HairpinMode: false, LinkLocalIPv6Address: '', LinkLocalIPv6PrefixLen: 0,
    Ports: portMap(cfg),
    SandboxKey: live?.netnsPath ?? '',
  };
  if (names.length) {
    out.Networks = Object.fromEntries(names.map((name) => [name, {
      ...address(name), NetworkID: name, DriverOpts: null, IPAMConfig: null, Links: null, Aliases: aliases(name),
    }]));
  }
  return out;
}

interface InspectOptions { names?: string[]; format?: string; type?: string; latest?: boolean; size?: boolean }

/** podman's InspectContainerData, the fields tools read. */
export function inspectData(c: Container, engine: ContainerEngine, imageDigest = ''): Record<string, unknown> {
  const cfg = c.config, s = c.state;
  const zero = '0001-01-01T00:00:00Z';
  const status = s.status === 'created' && s.startedAt ? 'exited' : s.status;
  const net = s.network as { mode: string; ip?: string; netnsPath?: string } | undefined;
  return {
    Id: cfg.id,
    Created: cfg.created,
    Path: cfg.command[0] ?? '',
    Args: cfg.command.slice(1),
    State: {
      OciVersion: '1.0.2-dev', Status: status, Running: s.status === 'running', Paused: s.status === 'paused', Restarting: false,
      OOMKilled: false, Dead: false, Pid: s.pid, ConmonPid: s.conmonPid, ExitCode: s.exitCode, Error: s.error ?? '',
      StartedAt: s.startedAt || zero, FinishedAt: s.finishedAt || zero, Health: s.health ?? { Status: '', FailingStreak: 0, Log: null },
      CgroupPath: cfg.rootless ? '' : `/tspod_parent/tspod-${cfg.id}`, CheckpointedAt: zero, RestoredAt: zero,
    },
    Image: cfg.imageId,
    ImageDigest: imageDigest,
    ImageName: cfg.imageName,
    Rootfs: cfg.rootfs?.path ?? '', // --rootfs
    Pod: '',
    ResolvConfPath: `${engine.store.runDir(cfg.id)}/resolv.conf`,
    HostnamePath: `${engine.store.runDir(cfg.id)}/hostname`,
    HostsPath: `${engine.store.runDir(cfg.id)}/hosts`,
    StaticDir: engine.store.bundleDir(cfg.id),
    OCIConfigPath: `${engine.store.bundleDir(cfg.id)}/config.json`,
    OCIRuntime: cfg.runtime || 'runc',
    ConmonPidFile: cfg.conmonPidFile ?? `${engine.store.runDir(cfg.id)}/conmon.pid`,
    PidFile: cfg.pidFile ?? `${engine.store.runDir(cfg.id)}/pidfile`,
    Name: cfg.names[0],
    RestartCount: s.restartCount,
    Driver: 'overlay',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    EffectiveCaps: null,
    BoundingCaps: null,
    ExecIDs: [],
    Mounts: cfg.mounts.filter((m) => m.type !== 'tmpfs').map((m) => ({
      Type: m.type, Name: m.name ?? '', Source: m.type === 'volume' ? `${engine.graphRoot}/volumes/${m.name}/_data` : m.source,
      Destination: m.destination, Driver: m.type === 'volume' ? 'local' : '', Mode: '', Options: m.options, RW: !m.options.includes('ro'), Propagation: 'rprivate',
    })),
    // the containers whose namespaces this one joins (--pid/--ipc/--uts/--network container:)
    Dependencies: dependencies(cfg),
    NetworkSettings: networkSettings(c, engine),
    Namespace: '',
    IsInfra: false,
    IsService: false,
    Config: {
      Hostname: cfg.hostname, Domainname: '', User: cfg.user, AttachStdin: false, AttachStdout: false, AttachStderr: false,
      Tty: cfg.tty, OpenStdin: cfg.interactive, StdinOnce: false, Env: containerEnv(c, `${engine.store.bundleDir(cfg.id)}/config.json`), Cmd: cfg.cmd, Image: cfg.imageName,
      Volumes: null, WorkingDir: cfg.workingDir, Entrypoint: cfg.entrypoint.length ? cfg.entrypoint : null, OnBuild: null,
      Labels: cfg.labels, Annotations: cfg.annotations, StopSignal: Number(cfg.stopSignal), CreateCommand: cfg.createCommand,
      Umask: (cfg.umask ?? 0o22).toString(8).padStart(4, '0'), Timeout: cfg.timeout ?? 0, StopTimeout: cfg.stopTimeout,
      ...(cfg.timezone ? { Timezone: cfg.timezone } : {}),
      ...(cfg.healthcheck ? { Healthcheck: cfg.healthcheck } : {}), HealthcheckOnFailureAction: cfg.healthOnFailure ?? 'none',
    },
    HostConfig: {
      Binds: cfg.mounts.filter((m) => m.type !== 'tmpfs').map((m) => `${m.type === 'volume' ? m.name : m.source}:${m.destination}${m.options.length ? ':' + m.options.join(',') : ''}`),
      AutoRemove: cfg.autoRemove, CapAdd: cfg.capAdd, CapDrop: cfg.capDrop, Privileged: cfg.privileged, ReadonlyRootfs: cfg.readOnly,
      RestartPolicy: { Name: cfg.restartPolicy, MaximumRetryCount: cfg.restartRetries ?? 0 },
      NetworkMode: cfg.network, LogConfig: { Type: cfg.logDriver, Config: null, Path: cfg.logPath, Tag: cfg.logTag ?? '', Size: goSize(cfg.logSizeMax ?? 0, { base: 1024 }) }, SecurityOpt: cfg.securityOpt,
      Tmpfs: Object.fromEntries(cfg.mounts.filter((m) => m.type === 'tmpfs').map((m) => [m.destination, m.options.join(',')])),
      Ulimits: cfg.ulimits.map((u) => { const [n, v] = u.split('='); const [soft, hard] = v.split(':'); return { Name: `RLIMIT_${n.toUpperCase()}`, Soft: Number(soft), Hard: Number(hard ?? soft) }; }),
      Memory: cfg.memory ?? 0, NanoCpus: cfg.cpus ? Math.round(cfg.cpus * 1e9) : 0, Init: cfg.init,
      PortBindings: portMap(cfg),
      // the rest of podman's HostConfig, at the values tspod runs with
      CgroupManager: 'cgroupfs', CgroupMode: 'host', ContainerIDFile: cfg.cidFile ?? '', VolumeDriver: '', VolumesFrom: cfg.volumesFrom ?? null,
      Dns: cfg.dnsServers ?? [], DnsOptions: cfg.dnsOptions ?? [], DnsSearch: cfg.dnsSearch ?? [], ExtraHosts: cfg.hostAdd ?? [], GroupAdd: cfg.groupAdd ?? [], IpcMode: /^(container|ns):/.test(cfg.ipcMode ?? '') ? cfg.ipcMode : 'shareable', Cgroup: '', Cgroups: 'default',
      Links: null, OomScoreAdj: 0, PidMode: cfg.pidMode ?? 'private', PublishAllPorts: false, UTSMode: cfg.utsMode ?? 'private', UsernsMode: '', ShmSize: cfg.shmSize ?? 65536000,
      Runtime: 'oci', ConsoleSize: [0, 0], Isolation: '', CpuShares: 0, CgroupParent: '', BlkioWeight: 0, CpuPeriod: cfg.cpus ? 100000 : 0,
      CpuQuota: cfg.cpus ? Math.round(cfg.cpus * 100000) : 0, CpuRealtimePeriod: 0, CpuRealtimeRuntime: 0, CpusetCpus: '', CpusetMems: '',
      // CgroupPermissions stays empty in podman 4.3's inspect
      Devices: (cfg.devices ?? []).map((d) => ({ PathOnHost: d.source, PathInContainer: d.destination, CgroupPermissions: '' })), DiskQuota: 0, KernelMemory: 0, MemoryReservation: 0, MemorySwap: 0, MemorySwappiness: 0, OomKillDisable: false,
      PidsLimit: 0, CpuCount: 0, CpuPercent: 0, IOMaximumIOps: 0, IOMaximumBandwidth: 0,
      // --cpu-*, --memory-*, --pids-limit, --blkio-*, --cgroup*, --userns as set (resources.ts)
      ...inspectResources(cfg),
    },
    GraphDriver: { Name: 'overlay', Data: { UpperDir: engine.upperDir(cfg.id) } },
  };
}

export async function writeInspect(values: unknown[], format: string | undefined, io: Io): Promise<void> {
  if (!format || format === 'json') {
    io.stdout.write(JSON.stringify(values, null, 4) + '\n');
    return;
  }
  const { renderTemplate } = await import('../../lib/template/index.ts');
  for (const v of values) {
    const out = renderTemplate(format, v);
    io.stdout.write(out.endsWith('\n') ? out : out + '\n');
  }
}

export function containerInspectCommand(): CommandModule<InspectOptions> {
  return inspectLike('container');
}

export function inspectCommand(): CommandModule<InspectOptions> {
  return inspectLike('all');
}

function inspectLike(kind: 'container' | 'all'): CommandModule<InspectOptions> {
  return {
    command: 'inspect [names..]',
    describe: kind === 'container' ? 'Display the configuration of a container' : 'Display the configuration of object denoted by ID',
    builder: (y) => {
      y = y.positional('names', { type: 'string', array: true }).option('format', { alias: 'f', type: 'string', describe: 'Format the output to a Go template or json' })
        .option('latest', { alias: 'l', type: 'boolean', describe: 'Act on the latest container podman is aware of' })
        .option('size', { alias: 's', type: 'boolean', describe: 'Display total file size' });
      if (kind === 'all') y = y.option('type', { alias: 't', type: 'string', default: 'all', describe: 'Specify inspect-object type ("image", "container" or "all")' });
      return y;
    },
    handler: async (o, io) => {
      const engine = await openEngine(o);
      const type = kind === 'container' ? 'container' : o.type ?? 'all';
      const { selectTargets } = await import('./targets.ts');
      const refs = await selectTargets(engine, o);
      if (type === 'image') return inspectImages(engine, refs, o, io);
      const out: unknown[] = [];
      const missing: string[] = [];
      for (const r of refs) {
        try {
          const c = await engine.inspect(r);
          // as podman: the Digest of the image now (the manifest list's after a multi-arch pull)
          const image = c.config.imageId ? await (await engine.images()).lookupImage(c.config.imageId).catch(() => undefined) : undefined;
          out.push(inspectData(c, engine, image?.digest ?? ''));
        } catch (err) {
          if ((err as { code?: string }).code !== 'NO_SUCH_CONTAINER') throw err;
          missing.push(r);
        }
      }
      if (missing.length && type === 'all' && out.length === 0) return inspectImages(engine, missing, o, io);
      await writeInspect(out, o.format, io);
      for (const m of missing) io.stderr.write(type === 'all' ? `Error: inspecting object: no such object: "${m}"\n` : `Error: inspecting object: no such container ${m}\n`);
      return missing.length ? 125 : 0;
    },
  };
}

/** Images go through `tspod image inspect` (helper 4's verb), so both share one output. */
async function inspectImages(engine: ContainerEngine, refs: string[], o: InspectOptions, io: Io): Promise<number> {
  const { spawn } = await import('node:child_process');
  const cmd = [...engine.selfCommand(), 'image', 'inspect', ...(o.format ? ['--format', o.format] : []), ...refs];
  return new Promise((res, rej) => {
    const child = spawn(cmd[0], cmd.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stdout.on('data', (d) => io.stdout.write(d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', rej);
    child.on('close', (code) => {
      if (code !== 0 && refs.length) {
        if (/no such|not known|unknown/i.test(err) || err.includes('Unknown argument')) {
          for (const r of refs) io.stderr.write(o.type === 'image' ? `Error: inspecting object: ${r}: image not known\n` : `Error: inspecting object: no such object: "${r}"\n`);
        } else io.stderr.write(err);
        return res(125);
      }
      res(0);
    });
  });
}

export { TspodError };

