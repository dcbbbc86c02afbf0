// The container engine: create, start, stop, kill, remove, cleanup, wait, exec over the records in
// store.ts, the rootfs in lib/overlay, the runtime in lib/runtime and conmon. State decisions live here;
// every change of a container's state happens under its lock.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, watch, writeFileSync, copyFileSync } from 'node:fs';
import { join, resolve as resolvePath } from 'node:path';
import { TspodError, EXIT_CANNOT_INVOKE, EXIT_NOT_FOUND, errorMessage } from '../errors.ts';
import { loadStorageConf } from '../config/storage.ts';
import { parseStorageOpts } from '../config/storage-opts.ts';
import { isRootless } from '../rootless/index.ts';
import type { OciRuntime } from '../runtime/runtime.ts';
import { cgroupV2, findBinary, selectRuntime } from '../runtime/runtime.ts';
import { mountOverlay, unmountOverlay } from '../overlay/index.ts';
import { tryLock } from '../lock/index.ts';
import { NameInUseError, writeJsonAtomic, type ContainerStore } from './store.ts';
import { inspectContainer, isAlive, listContainers, openContainerStore, reap } from './state.ts';
import type { Container, ContainerConfig, ContainerState, MountSpec, PortMapping } from './types.ts';
import { initialState } from './types.ts';
import { newContainerId, randomName } from './names.ts';
import { expandEnvFlags, generateSpec, mergeEnv, parseEntrypoint, parseSecurityOpts, parseUlimit, processArgs, readEnvFile } from './spec.ts';
import type { ImageInfo, ImageProvider } from './images.ts';
import type { NetworkFlags } from '../netns/files.ts';
import { openImageProvider } from './images.ts';
import { startConmon, startError, classifyStartError } from './conmon.ts';
import { mark } from './timing.ts';
import { containerEvent } from '../events/index.ts';
import { localtimeFile } from './process-flags.ts';

export interface EngineOptions {
  root?: string;
  runroot?: string;
  storageDriver?: string;
  runtime?: string;
  conmon?: string;
  logLevel?: string;
  /** Global options: --storage-opt (replaces storage.conf's options), --runtime-flag, --network-cmd-path. */
  storageOpt?: string[];
  runtimeFlag?: string[];
  networkCmdPath?: string;
  /** --events-backend: none writes no events (lib/events) */
  eventsBackend?: string;
}

/** The run/create flags; the network-file ones (--add-host, --dns*, --ip, ...) as lib/netns checks them. */
export interface CreateOptions extends Omit<NetworkFlags, 'network' | 'rootless'> {
  image: string;
  args: string[];
  name?: string;
  entrypoint?: string;
  env?: string[];
  envFile?: string[];
  workdir?: string;
  user?: string;
  hostname?: string;
  tty?: boolean;
  interactive?: boolean;
  rm?: boolean;
  volume?: string[];
  mount?: string[];
  tmpfs?: string[];
  readOnly?: boolean;
  capAdd?: string[];
  capDrop?: string[];
  privileged?: boolean;
  securityOpt?: string[];
  label?: string[];
  annotation?: string[];
  stopSignal?: string;
  stopTimeout?: number;
  restart?: string;
  init?: boolean;
  ulimit?: string[];
  groupAdd?: string[];
  shmSize?: string;
  device?: string[];
  pid?: string;
  ipc?: string;
  uts?: string;
  memory?: string;
  cpus?: number;
  network?: string;
  publish?: string[];
  logDriver?: string;
  createCommand?: string[];
  /** run/create flags of create-flags.ts */
  cidFile?: string;
  replace?: boolean;
  /** told the name of a container --replace removed (podman prints it) */
  onReplaced?: (name: string) => void;
  labelFile?: string[];
  envHost?: boolean;
  expose?: string[];
  platform?: string;
  /** the image was just pulled for --platform: another platform only warns */
  platformPulled?: { quiet: boolean };
  /** resource limits and kernel settings (resources.ts), user namespace (userns.ts): the parsed flags */
  resourceFlags?: import('./resources.ts').ResourceFlags;
  usernsFlags?: import('./userns.ts').UsernsFlags;
  /** process-flags.ts */
  conmonPidFile?: string;
  pidFile?: string;
  envMerge?: string[];
  httpProxy?: boolean;
  initPath?: string;
  logOpt?: string[];
  publishAll?: boolean;
  readOnlyTmpfs?: boolean;
  timeout?: number;
  tz?: string;
  umask?: string;
  unsetEnv?: string[];
  unsetEnvAll?: boolean;
  /** --pod/--pod-id-file: refused, tspod has no pods */
  pod?: string;
  /** run --rmi: the image as named, which the exit command of a detached run removes too */
  removeImage?: string;
  /** --health-*, --no-healthcheck (health.ts) */
  healthFlags?: import('./health.ts').HealthFlags;
  /** --volumes-from CTR[:ro|rw], --image-volume bind|tmpfs|ignore (image-volumes.ts) */
  volumesFrom?: string[];
  imageVolume?: string;
  /** --passwd*, --hostuser, --requires, --personality, ... (run-extras.ts): the parsed flags */
  extrasFlags?: import('./run-extras.ts').ExtrasFlags;
}

export const SIGNALS: Record<string, number> = {
  HUP: 1, INT: 2, QUIT: 3, ILL: 4, TRAP: 5, ABRT: 6, IOT: 6, BUS: 7, FPE: 8, KILL: 9, USR1: 10, SEGV: 11, USR2: 12,
  PIPE: 13, ALRM: 14, TERM: 15, STKFLT: 16, CHLD: 17, CONT: 18, STOP: 19, TSTP: 20, TTIN: 21, TTOU: 22, URG: 23,
  XCPU: 24, XFSZ: 25, VTALRM: 26, PROF: 27, WINCH: 28, IO: 29, POLL: 29, PWR: 30, SYS: 31,
};

/** "SIGTERM", "term", "15" -> 15. */
export function parseSignal(s: string | number): number {
  if (typeof s === 'number') return s;
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    if (n >= 1 && n <= 64) return n;
  } else {
    const k = s.toUpperCase().replace(/^SIG/, '');
    if (SIGNALS[k]) return SIGNALS[k];
    const rt = /^RTMIN(?:\+(\d+))?$/.exec(k);
    if (rt) return 34 + Number(rt[1] ?? 0);
  }
  throw new TspodError('INVALID_SIGNAL', `invalid signal: ${s}`);
}

export function signalName(n: number): string {
  const e = Object.entries(SIGNALS).find(([, v]) => v === n);
  return e ? `SIG${e[0]}` : String(n);
}

function parseMemory(s: string): number {
  const m = /^(\d+(?:\.\d+)?)([bkmg]?)b?$/i.exec(s.trim());
  if (!m) throw new TspodError('INVALID_MEMORY', `invalid memory "${s}"`);
  const mult: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };
  return Math.round(Number(m[1]) * mult[m[2].toLowerCase()]);
}

function parseKeyValues(list: string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of list) {
    const i = l.indexOf('=');
    if (i < 0) out[l] = '';
    else out[l.slice(0, i)] = l.slice(i + 1);
  }
  return out;
}

export async function parsePublish(specs: string[] = []): Promise<PortMapping[]> {
  if (specs.length === 0) return [];
  const { parsePortSpec } = await import('../netns/index.ts');
  return specs.flatMap((p) => parsePortSpec(p));
}

export function parsePublishSimple(specs: string[] = []): PortMapping[] {
  return specs.map((p) => {
    let proto = 'tcp';
    let s = p;
    const slash = s.lastIndexOf('/');
    if (slash >= 0) { proto = s.slice(slash + 1); s = s.slice(0, slash); }
    const parts = s.split(':');
    const containerPort = Number(parts.pop());
    const hostPort = parts.length ? Number(parts.pop() || containerPort) : containerPort;
    const hostIp = parts.length ? parts.join(':') || undefined : undefined;
    if (!Number.isInteger(containerPort) || !Number.isInteger(hostPort)) throw new TspodError('INVALID_PORT', `invalid port "${p}"`);
    return { hostIp, hostPort, containerPort, protocol: proto };
  });
}

export interface NetworkState {
  mode: string;
  netnsPath?: string;
  ip?: string;
  hostIp?: string;
  dnsServers?: string[];
  dnsOnly?: boolean;
  warnings?: string[];
  files?: { hosts: string; resolv: string };
}

function readOr(path: string, fallback: string): string {
  try { return readFileSync(path, 'utf8'); } catch { return fallback; }
}

/** A network still being configured (slirp4netns): init lets the runtime create the container
 *  meanwhile and waits for it before the container may start. */
const networkReady = new WeakMap<NetworkState, Promise<void>>();

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export class ContainerEngine {
  readonly store: ContainerStore;
  readonly graphRoot: string;
  readonly runRoot: string;
  readonly rootless: boolean;
  private imagesP?: Promise<ImageProvider>;
  private runtimeP?: Promise<OciRuntime>;

  constructor(readonly opts: EngineOptions = {}, images?: ImageProvider) {
    this.store = openContainerStore(opts);
    this.graphRoot = this.store.graphRoot;
    this.runRoot = this.store.runRoot;
    this.rootless = isRootless();
    if (images) this.imagesP = Promise.resolve(images);
  }

  images(): Promise<ImageProvider> {
    return (this.imagesP ??= openImageProvider({ graphRoot: this.graphRoot, runRoot: this.runRoot }));
  }

  runtime(name?: string): Promise<OciRuntime> {
    const flags = this.opts.runtimeFlag;
    if (name) return selectRuntime({ requested: name, stateDir: this.runtimeStateDir(), rootless: this.rootless, flags });
    return (this.runtimeP ??= selectRuntime({ requested: this.opts.runtime, stateDir: this.runtimeStateDir(), rootless: this.rootless, flags }));
  }

  runtimeStateDir(): string {
    return join(this.runRoot, 'runtime');
  }

  /** The runtime has a record of id (runc and crun keep <root>/<id>/): a tspod killed between conmon's
   *  `runtime create` and writing the state leaves one, with a `runc init` waiting, that must go too. */
  private runtimeKnows(id: string): boolean {
    return existsSync(join(this.runtimeStateDir(), id));
  }

  /** The argv that runs this tspod again (conmon's exit command). */
  selfCommand(): string[] {
    const script = process.argv[1];
    const g = ['--root', this.graphRoot, '--runroot', this.runRoot];
    if (this.opts.runtime) g.push('--runtime', this.opts.runtime);
    if (this.opts.storageDriver) g.push('--storage-driver', this.opts.storageDriver);
    for (const o of this.opts.storageOpt ?? []) g.push(`--storage-opt=${o}`);
    for (const f of this.opts.runtimeFlag ?? []) g.push(`--runtime-flag=${f}`);
    if (this.opts.networkCmdPath) g.push('--network-cmd-path', this.opts.networkCmdPath);
    if (this.opts.eventsBackend) g.push('--events-backend', this.opts.eventsBackend);
    // a restart by policy runs conmon again from the exit command
    if (this.opts.conmon) g.push('--conmon', this.opts.conmon);
    const launcher = process.env._TSPOD_SELF;
    if (launcher) return [launcher, ...g];
    return [process.execPath, ...process.execArgv, script, ...g];
  }

  // ---------- create ----------

  async create(o: CreateOptions): Promise<Container> {
    mark('create');
    const images = await this.images();
    // --rootfs: the positional is a directory, not an image (run-extras.ts)
    const rootfsDir = o.extrasFlags?.rootfs ? (await import('./run-extras.ts')).parseRootfs(o.image) : undefined;
    const image = rootfsDir ? { id: '', names: [''], layers: [] as string[] } : await images.lookupImage(o.image);
    const imgConfig = rootfsDir ? {} as Awaited<ReturnType<typeof images.imageConfig>> : await images.imageConfig(image.id);
    const cf = await import('./create-flags.ts');
    // --platform: a local image of another platform is missing (the pull policy decides, as podman)
    const want = o.platform ? cf.parsePlatform(o.platform, image.names[0] ?? o.image) : undefined;
    if (want && !cf.platformMatches(want, imgConfig)) {
      if (!o.platformPulled) throw new TspodError('NO_SUCH_IMAGE', `${o.image}: image not known`);
      process.stderr.write(cf.platformWarning(want, imgConfig, o.platformPulled.quiet));
    }
    if (o.replace && !o.name) throw new TspodError('USAGE', 'cannot replace container without --name being set');
    mark('image found');
    const ic = imgConfig.config ?? {};
    const id = newContainerId();
    const entry = o.entrypoint !== undefined ? parseEntrypoint(o.entrypoint) : undefined;
    const { entrypoint, cmd, command } = processArgs(ic, entry, o.args);
    if (command.length === 0) throw new TspodError('NO_COMMAND', 'no command or entrypoint provided, and no CMD or ENTRYPOINT from image');
    if (o.pod) throw new TspodError('NO_POD', `no pod with name or ID ${o.pod} found: no such pod`); // tspod has no pods
    const pf = await import('./process-flags.ts');
    // the host's proxy variables, unless --env-host brought them all already (podman's order)
    const proxy = o.httpProxy !== false && !o.envHost ? pf.proxyEnv(process.env) : [];
    const imageEnv = pf.withoutUnset(ic.Env ?? [], o.unsetEnv, o.unsetEnvAll);
    const env = mergeEnv(imageEnv, pf.mergedEnv(imageEnv, o.envMerge), o.envHost ? cf.hostEnv() : proxy, ...(o.envFile ?? []).map((f) => readEnvFile(f, process.env)), expandEnvFlags(o.env ?? [], process.env));
    const umask = o.umask !== undefined && o.umask !== '0022' ? pf.parseUmask(o.umask) : undefined;
    if (o.tz) pf.localtimeFile(o.tz); // checked now, mounted at each start
    const logOpts = pf.parseLogOpts(o.logOpt);
    const healthcheck = (await import('./health.ts')).healthConfigOf(o.healthFlags ?? {}, ic.Healthcheck);
    if (o.timeout !== undefined && !(Number.isInteger(o.timeout) && o.timeout >= 0)) throw new TspodError('USAGE', `invalid argument "${o.timeout}" for "--timeout" flag`);
    const restart = o.restart ?? 'no';
    const [policy, retries] = restart.split(':');
    if (!['no', 'always', 'on-failure', 'unless-stopped'].includes(policy)) throw new TspodError('INVALID_RESTART', `invalid restart policy "${restart}"`);
    if (o.rm && policy !== 'no') throw new TspodError('INVALID_RESTART', 'the --rm option conflicts with --restart, when the restartPolicy is not "" and "no"');
    for (const u of o.ulimit ?? []) if (u !== 'host') parseUlimit(u);
    parseSecurityOpts(o.securityOpt ?? []);
    for (const so of o.securityOpt ?? []) if (/^mask[=:]/.test(so)) for (const m of so.slice(5).split(':')) {
      if (m && !m.startsWith('/')) process.stderr.write(`ERRO[0000] Path "${m}" is not an absolute path, skipping...\n`);
    }
    const sf = await import('./specflags.ts');
    const groupAdd = (o.groupAdd ?? []).flatMap((g) => g.split(','));
    sf.checkGroupAdd(groupAdd);
    // an empty --shm-size is no size, as podman
    const shmSize = o.shmSize ? sf.parseShmSize(o.shmSize) : undefined;
    const devices = sf.expandDevices((o.device ?? []).flatMap((d) => d.split(',')));
    // container:NAME is recorded as container:ID (podman's error when there is none); ns:PATH must exist
    const nsx = await import('./namespaces.ts');
    const ref = (r: string) => this.store.resolve(r);
    const pidMode = nsx.resolveSharedMode('pid', sf.parseNamespaceMode('pid', o.pid), ref);
    const ipcMode = nsx.resolveSharedMode('ipc', sf.parseNamespaceMode('ipc', o.ipc), ref);
    const utsMode = nsx.resolveSharedMode('uts', sf.parseNamespaceMode('uts', o.uts), ref);
    sf.checkNamespaceConflicts({ utsMode, ipcMode, hostname: o.hostname, shmSize, rootless: this.rootless });
    const name = o.name ?? randomName();
    const mounts = this.parseMounts(o);
    // the volumes of other containers, then the image's VOLUMEs: each where no mount is yet (podman)
    const iv = await import('./image-volumes.ts');
    mounts.push(...iv.volumesFrom(o.volumesFrom, mounts, (r) => this.store.get(this.store.resolve(r))?.config));
    mounts.push(...iv.imageVolumes(Object.keys(ic.Volumes ?? {}), o.imageVolume, mounts));
    const labels = { ...(ic.Labels ?? {}), ...cf.readLabelFiles(o.labelFile), ...parseKeyValues(o.label) };
    const exposed = [...new Set([...Object.keys(ic.ExposedPorts ?? {}).map((p) => (p.includes('/') ? p : `${p}/tcp`)), ...cf.parseExpose(o.expose)])];
    // -P: each exposed port not published by -p gets a free host port
    const published = await parsePublish(o.publish);
    const wanted = o.publishAll ? [...published, ...(await parsePublish(pf.unpublished(exposed, published)))] : published;
    // a host port left to choose is chosen now, as podman does: inspect, port and ps show it from the start
    const ports = wanted.some((p) => p.hostPort === 0) ? await (await import('../netns/ports.ts')).assignHostPorts(wanted) : wanted;
    // '' = the default: slirp4netns/pasta rootless, the bridge network rootful (lib/netns decides)
    const network = nsx.resolveSharedMode('net', o.network, ref) ?? '';
    if (wanted.length && nsx.discardsPorts(network)) {
      process.stderr.write('Port mappings have been discarded as one of the Host, Container, Pod, and None network modes are in use\n');
    }
    (await import('../netns/files.ts')).checkNetworkFlags({ ...o, network, rootless: this.rootless });
    const userns = o.usernsFlags ? (await import('./userns.ts')).parseUsernsFlags(o.usernsFlags, {
      rootless: this.rootless, taken: () => this.store.list().flatMap((c) => (c.config.userns?.mode === 'auto' ? c.config.userns.uidMappings : [])),
    }) : undefined;
    const rsx = await import('./resources.ts');
    const resources = o.resourceFlags ? await rsx.parseResourceFlags(o.resourceFlags, {
      rootless: this.rootless, cgroupV2: cgroupV2(), network, ipcMode, utsMode, memory: o.memory ? parseMemory(o.memory) : undefined, cpus: o.cpus,
      runtimeName: async () => (await this.runtime()).name, warn: (l) => process.stderr.write(l),
    }) : undefined;
    if ((o.memory || o.cpus || rsx.hasLimits(resources)) && this.rootless && !cgroupV2()) {
      // podman prints this plain line (a specgen warning, not a log message)
      process.stderr.write('Resource limits are not supported and ignored on cgroups V1 rootless systems\n');
    }
    const extras = o.extrasFlags ? (await import('./run-extras.ts')).parseExtras(o.extrasFlags, { resolve: ref, imageLabels: ic.Labels ?? {}, command, graphRoot: this.graphRoot, network, rootless: this.rootless }) : undefined;
    const config: ContainerConfig = {
      id,
      names: [name],
      imageId: image.id,
      imageName: image.names[0] ?? o.image,
      created: new Date().toISOString(),
      command, entrypoint, cmd,
      env,
      workingDir: o.workdir ?? (ic.WorkingDir || '/'),
      // --userns keep-id runs as the user's own ids (podman)
      user: o.user ?? (userns?.keepId ? `${userns.keepId.uid}:${userns.keepId.gid}` : ic.User ?? ''),
      // in another container's UTS namespace, its hostname (podman)
      hostname: o.hostname ?? (utsMode?.startsWith('container:') ? this.store.get(utsMode.slice('container:'.length))?.config.hostname : undefined) ?? id.slice(0, 12),
      tty: !!o.tty,
      interactive: !!o.interactive,
      labels,
      annotations: parseKeyValues(o.annotation),
      stopSignal: String(parseSignal(o.stopSignal ?? ic.StopSignal ?? (extras?.systemd ? 'RTMIN+3' : 'SIGTERM'))), // systemd's own stop signal (--systemd)
      stopTimeout: o.stopTimeout ?? 10,
      autoRemove: !!o.rm,
      restartPolicy: policy,
      restartRetries: retries ? Number(retries) : undefined,
      init: !!o.init,
      readOnly: !!o.readOnly,
      privileged: !!o.privileged,
      capAdd: o.capAdd ?? [],
      capDrop: o.capDrop ?? [],
      securityOpt: o.securityOpt ?? [],
      ulimits: (o.ulimit ?? []).filter((u) => u !== 'host'),
      ...(groupAdd.length ? { groupAdd } : {}),
      ...(shmSize !== undefined ? { shmSize } : {}),
      ...(devices.length ? { devices } : {}),
      ...(pidMode ? { pidMode } : {}),
      ...(ipcMode ? { ipcMode } : {}),
      ...(utsMode ? { utsMode } : {}),
      memory: o.memory ? parseMemory(o.memory) : undefined,
      cpus: o.cpus,
      ...(resources ? { resources } : {}),
      ...(userns ? { userns } : {}),
      mounts,
      network,
      ...(o.addHost?.length ? { hostAdd: o.addHost } : {}),
      ...(o.dns?.length ? { dnsServers: o.dns } : {}),
      ...(o.dnsSearch?.length ? { dnsSearch: o.dnsSearch } : {}),
      ...(o.dnsOption?.length ? { dnsOptions: o.dnsOption } : {}),
      ...(o.ip !== undefined ? { staticIp: o.ip } : {}),
      ...(o.networkAlias?.length ? { networkAliases: o.networkAlias } : {}),
      ...(o.noHosts ? { noHosts: true } : {}),
      ports: nsx.discardsPorts(network) ? [] : ports,
      logDriver: o.logDriver === 'none' ? 'none' : o.logDriver === 'json-file' ? 'json-file' : 'k8s-file',
      logPath: logOpts.path ? resolvePath(logOpts.path) : join(this.store.bundleDir(id), 'ctr.log'),
      ...(logOpts.maxSize !== undefined ? { logSizeMax: logOpts.maxSize } : {}),
      ...(logOpts.tag !== undefined ? { logTag: logOpts.tag } : {}),
      ...(o.pidFile ? { pidFile: resolvePath(o.pidFile) } : {}),
      ...(o.conmonPidFile ? { conmonPidFile: resolvePath(o.conmonPidFile) } : {}),
      ...(o.timeout ? { timeout: o.timeout } : {}),
      ...(umask !== undefined ? { umask } : {}),
      ...(o.tz ? { timezone: o.tz } : {}),
      ...(o.initPath ? { initPath: o.initPath } : {}),
      ...(o.readOnlyTmpfs === false ? { readOnlyTmpfs: false } : {}),
      ...(o.unsetEnvAll ? { unsetEnvAll: true } : o.unsetEnv?.length ? { unsetEnv: o.unsetEnv } : {}),
      ...(o.removeImage ? { removeImage: o.removeImage } : {}),
      ...(healthcheck ? { healthcheck } : {}),
      ...(o.volumesFrom?.length ? { volumesFrom: o.volumesFrom } : {}),
      ...(extras ? { extras } : {}),
      ...(o.healthFlags?.healthOnFailure && o.healthFlags.healthOnFailure !== 'none' ? { healthOnFailure: o.healthFlags.healthOnFailure } : {}),
      rootless: this.rootless,
      runtime: this.opts.runtime ?? '',
      createCommand: o.createCommand ?? [],
      ...(exposed.length ? { exposedPorts: exposed } : {}),
      ...(o.cidFile ? { cidFile: o.cidFile } : {}),
      layers: image.layers,
      layerDirs: rootfsDir?.overlay ? [rootfsDir.path] : image.layers.map((l) => images.layerDir(l)),
      ...(rootfsDir ? { rootfs: rootfsDir } : {}),
    };
    // checks that need the image's files happen at start; --mount bind sources must exist now
    for (const m of mounts) {
      if (m.type === 'bind' && !existsSync(m.source!)) {
        throw new TspodError('NO_SUCH_PATH', `statfs ${m.source}: no such file or directory`);
      }
    }
    if (o.replace && o.name) {
      let old: string | undefined;
      try { old = this.store.resolve(o.name); } catch { /* none by that name */ }
      if (old && this.store.get(old)?.config.names.includes(o.name)) {
        await this.remove(old, { force: true });
        o.onReplaced?.(o.name);
      }
    }
    for (let tries = 0; ; tries++) {
      try {
        this.store.create(config, initialState());
        break;
      } catch (err) {
        // a generated name that is taken: another one, as podman's generateName does
        if (o.name || !(err instanceof NameInUseError) || tries >= 100) throw err;
        config.names = [randomName()];
      }
    }
    // a container whose namespaces this one joins may not be removed before it
    nsx.recordDependent((d) => this.store.containerDir(d), config);
    if (o.cidFile) {
      try {
        cf.writeCidFile(o.cidFile, id);
      } catch (err) {
        await this.remove(id, { force: true }).catch(() => {});
        throw err;
      }
    }
    mark('created');
    this.event('create', config);
    return { config, state: initialState() };
  }

  /** Record a container event (podman's file events backend, lib/events). */
  event(status: string, cfg: ContainerConfig): void {
    containerEvent({ runRoot: this.runRoot, backend: this.opts.eventsBackend }, status, cfg);
  }

  private parseMounts(o: CreateOptions): MountSpec[] {
    const out: MountSpec[] = [];
    for (const v of o.volume ?? []) {
      const parts = v.split(':');
      if (parts.length === 1) {
        out.push({ type: 'volume', name: newContainerId(), anonymous: true, destination: parts[0], options: [], source: undefined });
        continue;
      }
      const [src, dst, opts = ''] = parts;
      if (!dst.startsWith('/')) throw new TspodError('INVALID_VOLUME', `invalid container path "${dst}", must be an absolute path`);
      const options = opts ? opts.split(',') : [];
      if (src.startsWith('/') || src.startsWith('.')) {
        const abs = resolvePath(src);
        // with -v a missing source is created, as Docker does
        mkdirSync(abs, { recursive: true });
        out.push({ type: 'bind', source: abs, destination: dst, options });
      } else {
        out.push({ type: 'volume', name: src, destination: dst, options });
      }
    }
    for (const m of o.mount ?? []) {
      const kv: Record<string, string> = {};
      const flags: string[] = [];
      for (const part of m.split(',')) {
        const i = part.indexOf('=');
        if (i < 0) flags.push(part);
        else kv[part.slice(0, i)] = part.slice(i + 1);
      }
      const type = (kv.type ?? 'volume') as MountSpec['type'];
      const dst = kv.target ?? kv.destination ?? kv.dst;
      if (!dst) throw new TspodError('INVALID_MOUNT', `invalid mount "${m}": must have a destination`);
      const ro = flags.includes('ro') || flags.includes('readonly') || kv.ro === 'true' || kv.readonly === 'true';
      const options = ro ? ['ro'] : [];
      if (type === 'bind') {
        const src = kv.source ?? kv.src;
        if (!src) throw new TspodError('INVALID_MOUNT', `invalid mount "${m}": bind mounts need a source`);
        out.push({ type, source: resolvePath(src), destination: dst, options });
      } else if (type === 'tmpfs') {
        const topts = ['rw', 'rprivate', 'nosuid', 'nodev'];
        if (kv['tmpfs-size']) topts.push(`size=${kv['tmpfs-size']}`);
        if (kv['tmpfs-mode']) topts.push(`mode=${kv['tmpfs-mode']}`);
        if (ro) topts[0] = 'ro';
        out.push({ type, destination: dst, options: topts });
      } else if (type === 'volume') {
        const named = kv.source ?? kv.src;
        const nocopy = flags.includes('volume-nocopy') || kv['volume-nocopy'] === 'true';
        out.push({ type, name: named ?? newContainerId(), anonymous: !named, destination: dst, options: nocopy ? [...options, 'nocopy'] : options });
      } else throw new TspodError('INVALID_MOUNT', `invalid mount type "${type}"`);
    }
    for (const t of o.tmpfs ?? []) {
      const [dst, opts] = t.split(':');
      out.push({ type: 'tmpfs', destination: dst, options: ['rw', 'rprivate', 'nosuid', 'nodev', ...(opts ? opts.split(',') : [])] });
    }
    return out;
  }

  /** Host directory of a named volume, created on first use (lib/volumes, helper 8). */
  async volumeSource(name: string, anonymous = false): Promise<string> {
    const { volumeMountSource } = await import('../volumes/index.ts');
    return volumeMountSource(name, { create: true, anonymous, graphRoot: this.graphRoot });
  }

  // ---------- state ----------

  /** Fold conmon's exit file and process liveness into the state; returns true if it changed. */
  reap(c: Container): boolean {
    return reap(this.store, c);
  }

  /** Current record with the reaped state (persisted when it changed). */
  inspect(ref: string): Promise<Container> {
    return inspectContainer(this.store, ref);
  }

  /** All containers, reaped in memory (a running one is written back only if it changed). */
  list(): Promise<Container[]> {
    return listContainers(this.store);
  }

  // ---------- start ----------

  private rootfsDir(id: string): { upper: string; work: string; merged: string } {
    const d = join(this.store.containerDir(id), 'overlay');
    return { upper: join(d, 'diff'), work: join(d, 'work'), merged: join(d, 'merged') };
  }

  async mountRootfs(c: ContainerConfig): Promise<string> {
    if (c.rootfs && !c.rootfs.overlay) return c.rootfs.path; // --rootfs DIR: the directory itself
    const r = this.rootfsDir(c.id);
    // a podman user's storage.conf may ask for fuse-overlayfs and mount options
    const { mountProgram, mountOpt } = this.opts.storageOpt ? parseStorageOpts(this.opts.storageOpt) : loadStorageConf();
    // a user namespace of its own: the layers with owners shifted for it (userns.ts)
    const usx = c.userns ? await import('./userns.ts') : undefined;
    const layers = usx ? await usx.layersFor(c.layerDirs, c.userns, { graphRoot: this.graphRoot, rootless: this.rootless, mountDir: join(this.store.containerDir(c.id), 'idmapped'), linkDir: join(this.graphRoot, 'containers', 'l') }) : undefined;
    try {
      await mountOverlay({ lowerDirs: [...layers?.dirs ?? c.layerDirs].reverse(), ...r, linkDir: join(this.graphRoot, 'containers', 'l'), rootless: this.rootless, mountProgram, mountOpt, volatile: c.autoRemove });
    } finally { layers?.release(); }
    usx?.prepareRootfs(r.merged, c.userns);
    usx?.openPaths([r.merged, this.store.runDir(c.id), join(this.graphRoot, 'volumes')], [this.graphRoot, this.runRoot]);
    return r.merged;
  }

  private writeRunFiles(c: ContainerConfig, net?: NetworkState): { hosts: string; hostname: string; resolv: string; containerEnv: string } {
    const dir = this.store.runDir(c.id);
    mkdirSync(dir, { recursive: true });
    const hosts = join(dir, 'hosts'), hostname = join(dir, 'hostname'), resolv = join(dir, 'resolv.conf'), containerEnv = join(dir, '.containerenv');
    const name = c.names[0];
    writeFileSync(hostname, `${c.hostname}\n`);
    const hostNet = net?.mode === 'host' || c.network === 'host';
    const hostsText = net?.files?.hosts ?? (c.noHosts ? '' : hostNet ? readOr('/etc/hosts', '') : `127.0.0.1\tlocalhost\n::1\tlocalhost\n127.0.0.1\t${c.hostname} ${name}\n`);
    const resolvText = net?.files?.resolv ?? readOr('/etc/resolv.conf', '');
    // an empty one is not made at all (--no-hosts, --network none's resolv.conf): the image's file stays
    if (hostsText) writeFileSync(hosts, hostsText);
    if (resolvText) writeFileSync(resolv, resolvText);
    writeFileSync(containerEnv, `engine="tspod-0.1.0"\nname="${name}"\nid="${c.id}"\nimage="${c.imageName}"\nimageid="${c.imageId}"\nrootless=${c.rootless ? 1 : 0}\n`);
    return { hosts: hostsText ? hosts : '', hostname, resolv: resolvText ? resolv : '', containerEnv };
  }

  private async mountSources(c: ContainerConfig): Promise<(string | undefined)[]> {
    const out: (string | undefined)[] = [];
    for (const m of c.mounts) {
      if (m.type === 'volume') out.push(await this.volumeSource(m.name!, !!m.anonymous));
      else out.push(m.source);
    }
    return out;
  }

  /**
   * podman's copy-up: the first time a volume is mounted, an empty volume gets the image's content
   * at the mount point (files, owners and modes), unless the mount says nocopy.
   */
  private async copyUpVolumes(cfg: ContainerConfig, rootfs: string): Promise<void> {
    const vols = cfg.mounts.filter((m) => m.type === 'volume' && !m.options.includes('nocopy'));
    if (vols.length === 0) return;
    const { getVolume, markCopiedUp } = await import('../volumes/index.ts');
    const { readdirSync, lstatSync, chownSync, chmodSync } = await import('node:fs');
    const { spawnSync } = await import('node:child_process');
    for (const m of vols) {
      const data = await this.volumeSource(m.name!, !!m.anonymous);
      const rec = await getVolume(m.name!, this.graphRoot);
      if (rec.copiedUp) continue;
      const src = join(rootfs, m.destination);
      let st: import('node:fs').Stats | undefined;
      try { st = lstatSync(src); } catch { /* nothing at the mount point in the image */ }
      if (st?.isDirectory() && readdirSync(data).length === 0) {
        const r = spawnSync('cp', ['-a', '--', `${src}/.`, data], { encoding: 'utf8' });
        if (r.status !== 0) throw new TspodError('VOLUME_COPY', `copying up image content to volume ${m.name}: ${(r.stderr || r.error?.message || '').trim()}`);
        chownSync(data, st.uid, st.gid);
        chmodSync(data, st.mode & 0o7777);
      }
      await markCopiedUp(m.name!, this.graphRoot);
    }
  }

  /** Mount the rootfs, write the bundle and have conmon run `runtime create`. Caller holds the lock. */
  private async init(c: Container): Promise<void> {
    const cfg = c.config;
    const runtime = await this.runtime(cfg.runtime || undefined);
    // a missing runtime fails here with its own message, not as conmon's "Runtime path is not valid"
    if (!runtime.path) await runtime.create(cfg.id, '', '');
    // the runtime's record of the run before goes while the rest is prepared (awaited before conmon)
    let deleted: Promise<unknown> = Promise.resolve();
    if (c.state.runtimeCreated || this.runtimeKnows(cfg.id)) {
      deleted = runtime.delete(cfg.id, true).catch(() => {});
      c.state.runtimeCreated = false;
    }
    // namespaces of other containers (started first when not running), ns:PATH ones
    const nsx = await import('./namespaces.ts');
    for (const dep of cfg.extras?.requires ?? []) await this.dependencyPid(dep); // --requires
    const nsPaths = await nsx.namespacePaths(cfg, (dep) => this.dependencyPid(dep));
    const kept = nsPaths.net ? undefined : await this.keptNetwork(c);
    // independent, so they overlap: the network first, as its helpers (unshare, slirp4netns, pasta,
    // netavark) are processes that run while this one does the synchronous work of the mount
    const netP = (kept ? Promise.resolve(kept) : this.setupNetwork({ ...cfg, network: nsx.networkToSetUp(cfg, nsPaths, (dep) => this.store.get(dep)?.config.network) })).finally(() => mark('network set up'));
    netP.catch(() => {}); // settled below: a failure before that (a missing slirp4netns) must not be an unhandled rejection
    // one turn of the event loop lets the network reach its first helper process before the mount
    // (synchronous mount(2) and file work) holds this thread
    await new Promise<void>((r) => setImmediate(r));
    const rootfsP = this.mountRootfs(cfg).finally(() => mark('rootfs mounted'));
    const [rootfsR, netR] = await Promise.allSettled([rootfsP, netP]);
    if (rootfsR.status === 'fulfilled') c.state.mounted = true;
    if (netR.status === 'fulfilled') c.state.network = netR.value;
    if (rootfsR.status === 'rejected') throw rootfsR.reason;
    if (netR.status === 'rejected') throw netR.reason;
    const rootfs = rootfsR.value, net = netR.value;
    mark('rootfs mounted, network set up');
    // in another container's network namespace: its resolv.conf and hosts (podman)
    if (cfg.network.startsWith('container:')) net.files = nsx.joinedNetworkFiles(this.store.runDir(cfg.network.slice('container:'.length)), cfg);
    const files = this.writeRunFiles(cfg, net);
    let initPath: string | undefined;
    if (cfg.init && cfg.initPath) {
      if (!existsSync(cfg.initPath)) throw new TspodError('NO_INIT', `container-init binary not found on the host: stat ${cfg.initPath}: no such file or directory`);
      initPath = cfg.initPath;
    } else if (cfg.init) {
      initPath = findBinary('catatonit') ?? findBinary('tini');
      if (!initPath) throw new TspodError('NO_INIT', 'container-init binary not found on the host: install catatonit');
    }
    // a new named volume belongs to the user of a container with its own user namespace (podman's NeedsChown)
    if (cfg.userns) await (await import('./userns.ts')).chownNewVolumes(cfg, rootfs, (m) => this.volumeSource(m.name!, !!m.anonymous), this.graphRoot);
    await this.copyUpVolumes(cfg, rootfs);
    // podman links /etc/mtab to /proc/mounts when the image has none (mount, df read it)
    try { if (existsSync(join(rootfs, 'etc'))) symlinkSync('/proc/mounts', join(rootfs, 'etc/mtab')); } catch { /* exists */ }
    for (const m of cfg.mounts) {
      if (m.type !== 'tmpfs') mkdirSync(join(rootfs, m.destination), { recursive: true });
    }
    const rx = await import('./run-extras.ts');
    const addGroupEntry = rx.addUserEntries(rootfs, cfg); // --passwd, --passwd-entry, --hostuser
    let seccomp: unknown;
    const secOpt = rx.imageSeccompFile(cfg.extras, this.store.runDir(cfg.id)) ?? parseSecurityOpts(cfg.securityOpt).seccomp;
    if (!cfg.privileged && secOpt !== 'unconfined') {
      const { defaultSeccomp } = await import('./seccomp.ts');
      const { capabilities } = await import('./spec.ts');
      seccomp = defaultSeccomp(capabilities(cfg), secOpt);
    }
    // /dev/shm as a tmpfs on the host side (podman's), or the one of the container whose IPC it joins
    const shm = await import('./shm.ts');
    const shmPath = shm.prepareShm(cfg, (id) => this.store.runDir(id));
    const spec = generateSpec({ seccomp, shmPath,
      config: cfg, rootfs, hostsPath: files.hosts, hostnamePath: files.hostname, resolvPath: files.resolv,
      containerEnvPath: files.containerEnv, mountSources: await this.mountSources(cfg), imageEnv: [], netnsPath: net.netnsPath,
      hostNetwork: net.mode === 'host', namespacePaths: nsPaths,
      cgroupV2: cgroupV2(), initPath, localtime: cfg.timezone ? this.copyLocaltime(cfg) : undefined,
    });
    const sdNotifySocket = rx.applyExtras(spec, cfg, files, this.store.bundleDir(cfg.id), { graphRoot: this.graphRoot, runDir: this.store.runDir(cfg.id) });
    delete process.env.NOTIFY_SOCKET; // recorded at create (--sdnotify); never for conmon or the runtime, as podman
    addGroupEntry();
    const bundle = this.store.bundleDir(cfg.id);
    mkdirSync(bundle, { recursive: true });
    writeJsonAtomic(join(bundle, 'config.json'), spec);
    mkdirSync(this.store.exitDir(), { recursive: true });
    rmSync(this.store.exitFile(cfg.id), { force: true });
    const runDir = this.store.runDir(cfg.id);
    let exitCommand = [...this.selfCommand(), 'container', 'cleanup', ...(cfg.autoRemove ? ['--rm'] : []), ...(cfg.removeImage ? ['--rmi'] : []), cfg.id];
    const flockBin = findBinary('flock');
    if (flockBin) {
      // A foreground `run`/`start -a` holds attach.lock and cleans up itself: then skip starting a
      // second Node process for nothing (it would compete for the CPU at exactly the wrong moment).
      exitCommand = ['/bin/sh', '-c', `${flockBin} -n -x "$0" true && exec "$@"`, join(runDir, 'attach.lock'), ...exitCommand];
    }
    mark('bundle written');
    await deleted;
    const { pid } = await startConmon({
      conmonPath: this.opts.conmon, id: cfg.id, name: cfg.names[0], runtime, bundle,
      pidFile: cfg.pidFile ?? join(runDir, 'pidfile'), conmonPidFile: cfg.conmonPidFile ?? join(runDir, 'conmon.pid'),
      logSizeMax: cfg.logSizeMax, logTag: cfg.logTag, timeout: cfg.timeout,
      exitDir: this.store.exitDir(), persistDir: runDir, logDriver: cfg.logDriver, logPath: cfg.logPath,
      logLevel: this.opts.logLevel === 'debug' ? 'debug' : undefined,
      stdin: cfg.interactive, tty: cfg.tty, exitCommand,
      // --preserve-fds: the fds of the run that made it, not of a later start
      preserveFds: c.state.startedAt ? undefined : cfg.extras?.preserveFds, sdNotifySocket,
    });
    mark('conmon: runtime created');
    const ready = networkReady.get(net);
    if (ready) {
      await ready;
      mark('network configured');
    }
    let conmonPid = 0;
    try { conmonPid = Number(readFileSync(cfg.conmonPidFile ?? join(runDir, 'conmon.pid'), 'utf8').trim()); } catch { /* written by conmon before sync */ }
    c.state.pid = pid;
    c.state.conmonPid = conmonPid;
    c.state.runtimeCreated = true;
    c.state.exitCode = 0;
    c.state.error = undefined;
    this.event('init', cfg);
  }

  /** init(), and on failure the half-made parts undone and the state written. */
  private async initLocked(c: Container): Promise<void> {
    try {
      await this.init(c);
    } catch (err) {
      c.state.error = errorMessage(err);
      await this.teardown(c).catch(() => {});
      c.state.status = c.state.startedAt ? 'exited' : 'created';
      if (err instanceof TspodError && err.exitCode !== 125) c.state.exitCode = err.exitCode;
      this.store.writeState(c.config.id, c.state);
      throw err;
    }
  }

  /** The PID of a container whose namespaces this one joins: started first when not running (podman starts dependencies). */
  private async dependencyPid(id: string): Promise<number> {
    try {
      let d = await this.inspect(id);
      if (d.state.status !== 'running' && d.state.status !== 'paused') d = await this.start(id);
      return d.state.pid;
    } catch (err) {
      throw (await import('./namespaces.ts')).dependencyError(id, err);
    }
  }

  /** A health check starts over with each run; podman's timer runs it every Interval. */
  private async startChecks(c: Container): Promise<void> {
    const h = await import('./health.ts');
    if (!h.hasCheck(c.config.healthcheck)) return;
    c.state.health = { Status: 'starting', FailingStreak: 0, Log: null };
    if (c.config.healthcheck.Interval) await h.scheduleChecks(c.config.id, c.config.healthcheck.Interval, this.selfCommand(), this.rootless);
  }

  /** --tz: podman binds a copy of the zone's file, owned by the container's root, on /etc/localtime. */
  private copyLocaltime(cfg: ContainerConfig): string {
    const copy = join(this.store.runDir(cfg.id), 'localtime');
    copyFileSync(localtimeFile(cfg.timezone!), copy);
    return copy;
  }

  /** The network of the run before, when a restart by policy left it up and it still works; a dead one is torn down. */
  private async keptNetwork(c: Container): Promise<NetworkState | undefined> {
    const net = c.state.network as (NetworkState & { slirp?: unknown }) | undefined;
    if (!net) return undefined;
    const { networkHelperAlive, teardownNetwork } = await import('../netns/index.ts');
    if ((!net.netnsPath || existsSync(net.netnsPath)) && networkHelperAlive(net as never)) return net;
    await teardownNetwork(net as never).catch(() => {});
    c.state.network = undefined;
    return undefined;
  }

  /**
   * Start a created or exited container. beforeStart runs after the runtime created the container
   * and before its process runs (the moment to attach, so no output is missed).
   */
  async start(ref: string, beforeStart?: (c: Container) => Promise<void> | void): Promise<Container> {
    const id = this.store.resolve(ref);
    return this.store.withContainer(id, async (c) => {
      if (this.reap(c)) this.store.writeState(id, c.state);
      if (c.state.status === 'running' || c.state.status === 'paused') return c;
      c.state.restartCount = 0; // a start by the user counts the policy's restarts anew (podman's init)
      return this.startLocked(c, beforeStart);
    });
  }

  /** `tspod init`: what start does before the process runs (rootfs, network, conmon and `runtime create`), then stop there (podman's Initialized). */
  async initialize(ref: string): Promise<Container> {
    const id = this.store.resolve(ref);
    return this.store.withContainer(id, async (c) => {
      if (this.reap(c)) this.store.writeState(id, c.state);
      if (!['created', 'exited'].includes(c.state.status)) {
        throw new TspodError('STATE_IMPROPER', `container ${id} has already been created in runtime: container state improper`);
      }
      c.state.restartCount = 0;
      await this.initLocked(c);
      c.state.status = 'initialized';
      this.store.writeState(id, c.state);
      return c;
    });
  }

  /** start() under the container's lock, also the restart by policy in cleanup(). */
  private async startLocked(c: Container, beforeStart?: (c: Container) => Promise<void> | void): Promise<Container> {
    const id = c.config.id;
    // an initialized container (tspod init) has its runtime container already: it only starts
    if (c.state.status !== 'initialized') await this.initLocked(c);
    this.store.writeState(id, c.state);
    if (beforeStart) await beforeStart(c);
    const runtime = await this.runtime(c.config.runtime || undefined);
    try {
      await runtime.start(id);
    } catch (err) {
      await runtime.delete(id, true).catch(() => {});
      c.state.runtimeCreated = false;
      await this.teardown(c).catch(() => {});
      c.state.status = 'created';
      this.store.writeState(id, c.state);
      const msg = errorMessage(err);
      throw classifyStartError(msg) ? startError(runtime.name, msg) : err;
    }
    mark('started');
    this.event('start', c.config);
    if (c.config.healthcheck) await this.startChecks(c);
    c.state.status = 'running';
    c.state.startedAt = new Date().toISOString();
    c.state.finishedAt = '';
    c.state.stoppedByUser = false;
    this.store.writeState(id, c.state);
    if (c.config.extras?.sdNotify) (await import('./sdnotify.ts')).notifyStarted(c.config.extras.sdNotify, c.state.conmonPid);
    return c;
  }

  /** lib/netns (helper 8): the namespace file, slirp4netns/pasta/netavark, and the hosts/resolv.conf contents. */
  private async setupNetwork(cfg: ContainerConfig): Promise<NetworkState> {
    const { setupNetwork, hostsFile, resolvConf, hostAddress } = await import('../netns/index.ts');
    const opts = {
      containerId: cfg.id, containerName: cfg.names[0], mode: cfg.network, ports: cfg.ports, rootless: this.rootless,
      aliases: cfg.networkAliases, staticIp: cfg.staticIp, staticMac: cfg.extras?.macAddress,
      hostname: cfg.hostname, graphRoot: this.graphRoot, runRoot: this.runRoot, deferReady: true, networkCmdPath: this.opts.networkCmdPath,
      // a user namespace of its own: the network namespace is made in it (userns.ts)
      userns: cfg.userns?.uidMappings.length && !cfg.userns.path ? cfg.userns : undefined,
    };
    let r: Awaited<ReturnType<typeof setupNetwork>>;
    // once the rootless default failed where pasta works, later containers go to pasta directly
    // (the marker lives in runRoot, a tmpfs: a reboot or a fixed setup tries the default again)
    const marker = join(this.runRoot, 'networks', 'default-rootless-fallback');
    // (not when --network-cmd-path names the slirp4netns to use: that one must work, as in podman)
    const fallback = this.rootless && cfg.network === '' && !this.opts.networkCmdPath && existsSync(marker);
    try {
      r = await setupNetwork(fallback ? { ...opts, mode: 'pasta' } : opts);
    } catch (err) {
      // the rootless default (slirp4netns on podman 4 configs) may not work where pasta does (podman 5's default)
      if (!this.rootless || cfg.network !== '' || fallback || this.opts.networkCmdPath) throw err;
      r = await setupNetwork({ ...opts, mode: 'pasta' });
      try { mkdirSync(join(this.runRoot, 'networks'), { recursive: true }); writeFileSync(marker, errorMessage(err)); } catch { /* only an optimisation */ }
      if (['debug', 'info', 'trace'].includes(this.opts.logLevel ?? '')) {
        process.stderr.write(`INFO[0000] default rootless network failed (${errorMessage(err).split('\n')[0]}): using pasta\n`);
      }
    }
    for (const w of r.state.warnings ?? []) process.stderr.write(`WARN[0000] ${w}\n`);
    const st = r.state;
    const hostNet = st.mode === 'host';
    // '' = no file: --no-hosts keeps the image's /etc/hosts; --network none and --dns none its resolv.conf (podman 4.3)
    const noResolv = st.mode === 'none' || (cfg.dnsServers?.length === 1 && cfg.dnsServers[0].toLowerCase() === 'none');
    const files = {
      hosts: cfg.noHosts ? '' : hostsFile({
        hostname: cfg.hostname, names: cfg.names, ip: st.ip, hostNetwork: hostNet, extraHosts: cfg.hostAdd,
        hostIp: hostNet || st.mode === 'none' ? hostAddress() ?? st.hostIp : st.hostIp,
      }),
      resolv: noResolv ? '' : resolvConf({
        // podman 4.3 lists the host's nameservers after aardvark-dns and searches dns.podman
        nameservers: st.dnsServers, searches: st.dnsSearch, hostNetwork: hostNet,
        dnsServers: cfg.dnsServers, dnsSearch: cfg.dnsSearch, dnsOptions: cfg.dnsOptions,
      }),
    };
    const net = { ...st, netnsPath: r.netnsPath ?? st.netnsPath, files } as NetworkState;
    if (r.ready) networkReady.set(net, r.ready);
    return net;
  }

  /** Unmount and forget the runtime's record and the network; the container stays (exited/created).
   *  The three are independent, so they run at once. */
  private async teardown(c: Container): Promise<void> {
    const jobs: Promise<unknown>[] = [];
    // the runtime's delete is a process: spawned first, it runs while the unmounts below block this one
    if (c.state.runtimeCreated || this.runtimeKnows(c.config.id)) {
      const runtime = await this.runtime(c.config.runtime || undefined).catch(() => undefined);
      if (runtime) jobs.push(runtime.delete(c.config.id, true).catch(() => {}));
      c.state.runtimeCreated = false;
    }
    if (c.state.network) {
      const net = c.state.network;
      const { teardownNetwork } = await import('../netns/index.ts');
      jobs.push(teardownNetwork(net as never).catch(() => {}));
      c.state.network = undefined;
    }
    (await import('./shm.ts')).releaseShm((await import('./shm.ts')).shmDir(this.store.runDir(c.config.id)));
    // (kept while `tspod mount` holds it)
    if (!c.state.mountCount && (c.state.mounted || existsSync(this.rootfsDir(c.config.id).merged))) {
      try { unmountOverlay(this.rootfsDir(c.config.id).merged); } catch { /* busy: retried at removal */ }
      c.state.mounted = false;
    }
    await Promise.all(jobs);
  }

  /** podman's shouldRestart: not stopped or killed by the user; on-failure:N counts N restarts (0: no limit). */
  private shouldRestart(c: Container): boolean {
    const p = c.config.restartPolicy, max = c.config.restartRetries ?? 0;
    if (c.state.stoppedByUser) return false;
    if (p === 'always' || p === 'unless-stopped') return true;
    return p === 'on-failure' && c.state.exitCode !== 0 && (max <= 0 || c.state.restartCount < max);
  }

  /** conmon's exit command: reap, then restart by policy, or tear down and remove (--rm). */
  async cleanup(ref: string, opts: { rm?: boolean } = {}): Promise<void> {
    let id: string;
    try { id = this.store.resolve(ref); } catch { return; }
    let remove = false;
    await this.store.withContainer(id, async (c) => {
      this.reap(c);
      if (c.state.status === 'running' || c.state.status === 'paused' || c.state.status === 'initialized') return;
      // runtimeCreated: this run was not cleaned up yet (a second cleanup must not restart it again)
      if (c.state.runtimeCreated && c.state.status === 'exited') this.event('died', c.config);
      if (c.state.runtimeCreated && this.shouldRestart(c)) {
        // podman's handleRestartPolicy: restart here under the same lock, keeping the rootfs mount
        // and the network of the run that ended (init only drops the runtime's record)
        c.state.restartCount++;
        await this.startLocked(c).catch(() => {});
        return;
      }
      const ran = c.state.runtimeCreated;
      await this.teardown(c);
      this.store.writeState(id, c.state);
      if (ran) this.event('cleanup', c.config);
      remove = !!opts.rm && c.config.autoRemove;
    }).catch(() => {});
    if (remove && !this.attachedElsewhere(id)) {
      await this.remove(id, { force: false }).catch(() => {});
    }
  }

  /** A foreground `run` holds attach.lock shared: it removes the container itself after reading the exit code. */
  private attachedElsewhere(id: string): boolean {
    const path = join(this.store.runDir(id), 'attach.lock');
    if (!existsSync(path)) return false;
    const l = tryLock(path);
    if (!l) return true;
    l.release();
    return false;
  }

  // ---------- wait / stop / kill ----------

  /** Wait until the container is not running; returns its exit code. */
  async wait(ref: string, conditions: string[] = ['exited', 'stopped']): Promise<number> {
    const id = this.store.resolve(ref);
    const exitDir = this.store.exitDir();
    mkdirSync(exitDir, { recursive: true });
    let wake: () => void = () => {};
    const watcher = watch(exitDir, () => wake());
    try {
      for (;;) {
        const c = this.store.get(id);
        if (!c) return -1;
        // an initialized one is waited for as a running one (podman 4.3)
        if (this.reap(c) || !['running', 'paused', 'stopping', 'initialized'].includes(c.state.status)) {
          const want = conditions.some((x) => x === c.state.status || (x === 'stopped' && c.state.status === 'exited') || (x === 'exited' && c.state.status === 'created' && c.state.startedAt === ''));
          if (want || conditions.includes('exited')) return c.state.exitCode;
        }
        await new Promise<void>((r) => { wake = r; setTimeout(r, 250); });
      }
    } finally {
      watcher.close();
    }
  }

  async kill(ref: string, signal: string | number = 'KILL'): Promise<string> {
    const id = this.store.resolve(ref);
    const sig = parseSignal(signal);
    return this.store.withContainer(id, async (c) => {
      if (this.reap(c)) this.store.writeState(id, c.state);
      if (c.state.status !== 'running' && c.state.status !== 'paused') {
        throw new TspodError('STATE_IMPROPER', `can only kill running containers. ${id} is in state ${c.state.status}: container state improper`);
      }
      const runtime = await this.runtime(c.config.runtime || undefined);
      await runtime.kill(id, sig);
      this.event('kill', c.config);
      // podman: a killed container is not restarted by its policy (until the next start)
      c.state.stoppedByUser = true;
      this.store.writeState(id, c.state);
      return id;
    });
  }

  /** SIGTERM (the stop signal), wait timeout seconds, then SIGKILL; then clean up. */
  async stop(ref: string, timeout?: number): Promise<string> {
    const id = this.store.resolve(ref);
    let t = 10;
    let running = false;
    await this.store.withContainer(id, async (c) => {
      if (this.reap(c)) this.store.writeState(id, c.state);
      t = timeout ?? c.config.stopTimeout;
      c.state.stoppedByUser = true;
      if (c.state.status === 'running' || c.state.status === 'paused' || c.state.status === 'initialized') {
        running = true;
        const runtime = await this.runtime(c.config.runtime || undefined);
        if (c.state.status === 'paused') await runtime.resume(id).catch(() => {});
        c.state.status = 'stopping';
        await runtime.kill(id, t === 0 ? 9 : Number(c.config.stopSignal)).catch(() => {});
      }
      this.store.writeState(id, c.state);
    });
    if (running) {
      if (!(await this.waitExit(id, t * 1000))) {
        if (t > 0) {
          const c = this.store.get(id);
          process.stderr.write(`WARN[0000] StopSignal ${signalName(Number(c?.config.stopSignal ?? 15))} failed to stop container ${c?.config.names[0] ?? id} in ${t} seconds, resorting to SIGKILL\n`);
        }
        await this.store.withContainer(id, async (c) => {
          const runtime = await this.runtime(c.config.runtime || undefined);
          // killing PID 1 ends its pid namespace; --all needs a cgroup, which rootless v1 has not
          await runtime.kill(id, 9).catch(() => runtime.kill(id, 9, true)).catch(() => {});
        });
        await this.waitExit(id, 30000);
      }
      await this.cleanup(id);
    }
    return id;
  }

  /** true when the exit file appeared (or conmon is gone) within ms. */
  async waitExit(id: string, ms: number): Promise<boolean> {
    const end = Date.now() + ms;
    const file = this.store.exitFile(id);
    mkdirSync(this.store.exitDir(), { recursive: true });
    let wake: () => void = () => {};
    const watcher = watch(this.store.exitDir(), () => wake());
    try {
      for (;;) {
        if (existsSync(file)) return true;
        const c = this.store.get(id);
        if (!c || (c.state.conmonPid && !isAlive(c.state.conmonPid))) return true;
        const left = end - Date.now();
        if (left <= 0) return false;
        await new Promise<void>((r) => { wake = r; setTimeout(r, Math.min(left, 200)); });
      }
    } finally {
      watcher.close();
    }
  }

  async pause(ref: string, resume: boolean): Promise<string> {
    const id = this.store.resolve(ref);
    return this.store.withContainer(id, async (c) => {
      if (this.reap(c)) this.store.writeState(id, c.state);
      const want = resume ? 'paused' : 'running';
      if (c.state.status !== want) {
        throw new TspodError('STATE_IMPROPER', `"${c.state.status}" is not ${resume ? 'paused' : 'running'}, can't ${resume ? 'unpause' : 'pause'}: container state improper`);
      }
      if (this.rootless && !cgroupV2()) throw new TspodError('NO_FREEZER', `${resume ? 'unpause' : 'pause'} is not supported for cgroupv1 rootless containers`);
      const runtime = await this.runtime(c.config.runtime || undefined);
      if (resume) await runtime.resume(id);
      else await runtime.pause(id);
      c.state.status = resume ? 'running' : 'paused';
      this.store.writeState(id, c.state);
      return id;
    });
  }

  // ---------- remove ----------

  async remove(ref: string, opts: { force?: boolean; volumes?: boolean; timeout?: number } = {}): Promise<string> {
    const id = this.store.resolve(ref);
    const nsx = await import('./namespaces.ts');
    nsx.checkNoDependents((d) => this.store.containerDir(d), id);
    let mustStop = false;
    await this.store.withContainer(id, (c) => {
      if (this.reap(c)) this.store.writeState(id, c.state);
      if (c.state.status === 'running' || c.state.status === 'paused' || c.state.status === 'stopping') {
        if (!opts.force) {
          throw new TspodError('STATE_IMPROPER', `cannot remove container ${id} as it is ${c.state.status} - running or paused containers cannot be removed without force: container state improper`, { exitCode: 2 });
        }
        mustStop = true;
      }
      // an initialized one goes without -f (podman), but its runtime process is stopped first, so that
      // conmon has written its last files before the run dir is removed
      if (c.state.status === 'initialized') mustStop = true;
    });
    if (mustStop) await this.stop(id, opts.timeout); // undefined: the container's stop timeout, as podman rm -f
    await this.store.withContainer(id, async (c) => {
      if (this.reap(c)) this.store.writeState(id, c.state);
      if (c.state.status === 'running' || c.state.status === 'paused') throw new TspodError('STATE_IMPROPER', `cannot remove container ${id}: it is still running`);
      await this.teardown(c);
      if (c.config.healthcheck?.Interval) await (await import('./health.ts')).unscheduleChecks(id, this.rootless);
      const merged = this.rootfsDir(id).merged;
      unmountOverlay(merged);
      this.store.remove(c.config);
      this.event('remove', c.config);
      nsx.forgetDependent((d) => this.store.containerDir(d), c.config);
      // anonymous volumes go with their container when asked (-v, and run --rm as podman does)
      const anonymous = opts.volumes || c.config.autoRemove ? c.config.mounts.filter((m) => m.type === 'volume' && m.anonymous && m.name) : [];
      if (anonymous.length) {
        const { removeVolume } = await import('../volumes/index.ts');
        for (const m of anonymous) await removeVolume(m.name!, { graphRoot: this.graphRoot }).catch(() => {});
      }
    });
    mark('removed');
    return id;
  }

  // ---------- rename / files ----------

  async rename(ref: string, newName: string): Promise<string> {
    const id = this.store.resolve(ref);
    return this.store.withContainer(id, (c) => {
      try {
        this.store.claimName(newName, id);
      } catch (err) {
        if ((err as TspodError).code !== 'NAME_IN_USE') throw err;
        throw new TspodError('NAME_IN_USE', `renaming container ${id}: name ${newName} already in use, cannot rename container ${id}: container already exists`);
      }
      const old = c.config.names;
      c.config.names = [newName];
      writeJsonAtomic(join(this.store.containerDir(id), 'config.json'), c.config);
      for (const n of old) this.store.releaseName(n, id);
      return id;
    });
  }

  /** Run fn with the container's rootfs mounted (mounting it for the call if it is not running). */
  async withRootfs<T>(ref: string, fn: (rootfs: string, c: Container) => Promise<T>): Promise<T> {
    const id = this.store.resolve(ref);
    return this.store.withContainer(id, async (c) => {
      const merged = this.rootfsDir(id).merged;
      const { isMounted } = await import('../overlay/index.ts');
      const was = isMounted(merged);
      if (!was) await this.mountRootfs(c.config);
      try {
        return await fn(merged, c);
      } finally {
        if (!was && c.state.status !== 'running' && c.state.status !== 'paused') unmountOverlay(merged);
      }
    });
  }

  /** The overlay upper dir: the container's changes against its image. */
  upperDir(id: string): string {
    return this.rootfsDir(id).upper;
  }

  // ---------- exec ----------

  /** Run a process in a running container; resolves with its exit code. Non-TTY: the runtime in the foreground. */
  async exec(ref: string, o: { cmd: string[]; env?: string[]; user?: string; workdir?: string; tty?: boolean; interactive?: boolean;
    detach?: boolean; privileged?: boolean; detachKeys?: string; stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream; stdin?: NodeJS.ReadableStream;
    /** aborts the runtime's exec (a health check's timeout) */
    signal?: AbortSignal }): Promise<number> {
    const c = await this.inspect(ref);
    const id = c.config.id;
    if (c.state.status !== 'running') {
      throw new TspodError('STATE_IMPROPER', `can only create exec sessions on running containers: container state improper`);
    }
    this.event('exec', c.config);
    const bundle = this.store.bundleDir(id);
    const spec = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8'));
    const { resolveUser, boundingCaps } = await import('./spec.ts');
    const p = spec.process;
    const proc = { ...p, args: o.cmd, terminal: !!o.tty, env: mergeEnv(p.env ?? [], expandEnvFlags(o.env ?? [], process.env)), cwd: o.workdir ?? p.cwd };
    if (o.user) {
      const u = resolveUser(spec.root.path, o.user);
      proc.user = { uid: u.uid, gid: u.gid, umask: 0o22, ...(u.additionalGids.length ? { additionalGids: u.additionalGids } : {}) };
    }
    // podman: uid 0 gets the bounding set effective, another user gets what the container's user had
    const bounding: string[] = o.privileged ? boundingCaps() : p.capabilities?.bounding ?? [];
    if (proc.user.uid === 0) proc.capabilities = { bounding, effective: bounding, permitted: bounding };
    else if (o.user && o.user !== c.config.user) proc.capabilities = { bounding, effective: [], permitted: [] };
    else if (o.privileged) proc.capabilities = { ...p.capabilities, bounding };
    const execDir = join(this.store.runDir(id), 'exec');
    mkdirSync(execDir, { recursive: true });
    const procFile = join(execDir, `${process.pid}-${Date.now()}.json`);
    writeFileSync(procFile, JSON.stringify(proc));
    const runtime = await this.runtime(c.config.runtime || undefined);
    const args = [...runtime.globalArgs, 'exec', '--process', procFile];
    if (o.detach) args.push('--detach');
    if (o.tty) {
      // a pty of its own through conmon --exec -t, as podman (lib/containers/exec-tty.ts)
      if (!proc.env.some((e: string) => e.startsWith('TERM='))) proc.env.push('TERM=xterm');
      writeFileSync(procFile, JSON.stringify(proc));
      const { execTty } = await import('./exec-tty.ts');
      try {
        return await execTty({ conmonPath: this.opts.conmon, runtime, containerId: id, containerName: c.config.names[0],
          runDir: this.store.runDir(id), processSpec: procFile, interactive: !!o.interactive, detach: o.detach, detachKeys: o.detachKeys,
          stdin: o.stdin ?? process.stdin, stdout: o.stdout });
      } finally {
        rmSync(procFile, { force: true });
      }
    }
    args.push(id);
    try {
      return await new Promise<number>((resolve, reject) => {
        const child = spawn(runtime.path, args, { stdio: [o.interactive ? 'pipe' : 'ignore', 'pipe', 'pipe'], signal: o.signal, killSignal: 'SIGKILL' });
        let errText = '';
        child.stdout!.pipe(o.stdout as NodeJS.WritableStream, { end: false });
        child.stderr!.on('data', (d: Buffer) => {
          const s = String(d);
          if (/level=error|exec failed|executable file not found/.test(s)) errText += s;
          else o.stderr.write(d);
        });
        if (o.interactive && o.stdin) o.stdin.pipe(child.stdin!);
        child.on('error', reject);
        child.on('close', (code) => {
          if (o.interactive && o.stdin) o.stdin.unpipe(child.stdin!);
          if (errText) {
            const e = startError(runtime.name, errText);
            if (e.exitCode === EXIT_NOT_FOUND || e.exitCode === EXIT_CANNOT_INVOKE) return reject(e);
            if (code === 255 || code === 1) return reject(e);
          }
          resolve(code ?? 255);
        });
      });
    } finally {
      rmSync(procFile, { force: true });
    }
  }
}

export function copyFile(src: string, dst: string): void {
  copyFileSync(src, dst);
}
