// The two files each container has under ${graphRoot}/containers/<id>/: config.json (written once at
// create; other parts such as `rmi` read id/names/imageId) and state.json (rewritten atomically under
// the container lock on every state change).

/** initialized: `tspod init` made the runtime's container, its process not started yet. */
export type ContainerStatus = 'created' | 'initialized' | 'running' | 'paused' | 'stopping' | 'exited';

export interface MountSpec {
  type: 'bind' | 'volume' | 'tmpfs';
  source?: string;
  destination: string;
  options: string[];
  /** Named volume, when type is volume. */
  name?: string;
  /** A volume made for this container only (-v /dst): removed with rm -v and run --rm. */
  anonymous?: boolean;
}

export interface DeviceSpec { source: string; destination: string; permissions: string }

export interface PortMapping { hostIp?: string; hostPort: number; containerPort: number; protocol: string }

export interface ContainerConfig {
  id: string;
  names: string[];
  imageId: string;
  imageName: string;
  created: string;
  /** The final process args, and how they were made. */
  command: string[];
  entrypoint: string[];
  cmd: string[];
  env: string[];
  workingDir: string;
  user: string;
  hostname: string;
  tty: boolean;
  interactive: boolean;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  stopSignal: string;
  stopTimeout: number;
  autoRemove: boolean;
  restartPolicy: string;
  restartRetries?: number;
  init: boolean;
  readOnly: boolean;
  privileged: boolean;
  capAdd: string[];
  capDrop: string[];
  securityOpt: string[];
  ulimits: string[];
  /** --group-add: group names or gids, or keep-groups alone. */
  groupAdd?: string[];
  /** --shm-size in bytes. */
  shmSize?: number;
  /** --device, checked on the host at create. */
  devices?: DeviceSpec[];
  /** --pid/--ipc/--uts: 'host' (ipc also 'none', 'shareable'); absent = a private namespace. */
  pidMode?: string;
  ipcMode?: string;
  utsMode?: string;
  memory?: number;
  cpus?: number;
  /** --cpu-*, --memory-*, --pids-limit, --blkio-*, --sysctl, --cgroup* (resources.ts) */
  resources?: import('./resources.ts').ResourceConfig;
  /** --userns, --uidmap, --gidmap, --subuidname, --subgidname (userns.ts) */
  userns?: import('./userns.ts').UsernsConfig;
  mounts: MountSpec[];
  network: string;
  /** --add-host, --dns, --dns-search, --dns-option, --ip, --network-alias, --no-hosts (absent: not given). */
  hostAdd?: string[];
  dnsServers?: string[];
  dnsSearch?: string[];
  dnsOptions?: string[];
  staticIp?: string;
  networkAliases?: string[];
  noHosts?: boolean;
  ports: PortMapping[];
  logDriver: string;
  logPath: string;
  rootless: boolean;
  runtime: string;
  /** The command line that created it (podman's CreateCommand). */
  createCommand: string[];
  /** --cidfile, as given (inspect's HostConfig.ContainerIDFile). */
  cidFile?: string;
  /** The image's EXPOSE and --expose, "80/tcp" (inspect's Ports with no binding). */
  exposedPorts?: string[];
  /** --log-opt max-size and tag; --pidfile, --conmon-pidfile (absolute; else the run dir's); --timeout seconds. */
  logSizeMax?: number;
  logTag?: string;
  pidFile?: string;
  conmonPidFile?: string;
  timeout?: number;
  /** --umask other than 0022, --tz (a zone name or local), --init-path, --read-only-tmpfs=false, --unsetenv(-all). */
  umask?: number;
  timezone?: string;
  initPath?: string;
  readOnlyTmpfs?: boolean;
  unsetEnv?: string[];
  unsetEnvAll?: boolean;
  /** run --rmi: the image as named on the command line */
  removeImage?: string;
  /** --health-* or the image's HEALTHCHECK (health.ts), and --health-on-failure */
  healthcheck?: import('./health.ts').HealthConfig;
  healthOnFailure?: string;
  /** --volumes-from, as given (inspect's HostConfig.VolumesFrom) */
  volumesFrom?: string[];
  /** --passwd*, --hostuser, --requires, --personality, --seccomp-policy, --chrootdirs, --preserve-fds, --device-cgroup-rule, --cpu-rt-* (run-extras.ts) */
  extras?: import('./run-extras.ts').ExtrasConfig;
  /** --rootfs DIR[:O]: run from a directory (with :O an overlay over it, changes dropped) instead of an image */
  rootfs?: { path: string; overlay: boolean };
  /** Image layer diffIDs bottom->top, kept so the rootfs can be mounted without the image store. */
  layers: string[];
  layerDirs: string[];
}

export interface ContainerState {
  status: ContainerStatus;
  pid: number;
  conmonPid: number;
  exitCode: number;
  startedAt: string;
  finishedAt: string;
  /** Whether the rootfs overlay is mounted. */
  mounted: boolean;
  /** `tspod mount`s not undone by `tspod umount` yet: the rootfs stays mounted while above 0 (podman's mount counter). */
  mountCount?: number;
  /** Whether the runtime knows the container (created and not deleted). */
  runtimeCreated: boolean;
  restartCount: number;
  stoppedByUser: boolean;
  error?: string;
  network?: unknown;
  /** the health check's results, when it has one (health.ts) */
  health?: import('./health.ts').HealthState;
}

export interface Container {
  config: ContainerConfig;
  state: ContainerState;
}

export function initialState(): ContainerState {
  return {
    status: 'created', pid: 0, conmonPid: 0, exitCode: 0, startedAt: '', finishedAt: '',
    mounted: false, runtimeCreated: false, restartCount: 0, stoppedByUser: false,
  };
}
