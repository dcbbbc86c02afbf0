// run/create flags with podman 4.3's rules: --passwd, --passwd-entry, --hostuser (entries added to the
// image's /etc/passwd and /etc/group), --requires, --personality, --seccomp-policy, --chrootdirs,
// --preserve-fds, --device-cgroup-rule, --cpu-rt-period, --cpu-rt-runtime. Parsed once at create
// (podman's messages), applied at each start.
import { appendFileSync, chmodSync, chownSync, existsSync, mkdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { lookupSecret, secretData } from '../secrets/index.ts';
import { dirname, join, resolve } from 'node:path';
import { TspodError } from '../errors.ts';
import type { Spec } from '../oci/runtime-spec.ts';
import { applySdNotify, parseSdNotify, type SdNotifyConfig } from './sdnotify.ts';

/** The flags of this file as parsed from the command line. */
export interface ExtrasFlags {
  passwd?: boolean;
  passwdEntry?: string;
  hostuser?: string[];
  requires?: string[];
  personality?: string;
  seccompPolicy?: string;
  chrootdirs?: string[];
  preserveFds?: number;
  deviceCgroupRule?: string[];
  cpuRtPeriod?: string;
  cpuRtRuntime?: string;
  sdnotify?: string;
  systemd?: string;
  secret?: string[];
  rootfs?: boolean;
  macAddress?: string;
}

export interface DeviceRule { allow: true; type: string; major?: number; minor?: number; access: string }

/** What the container's config keeps (absent: not given). */
export interface ExtrasConfig {
  noPasswd?: true;
  passwdEntry?: string;
  hostUsers?: { name: string; uid: number; gid: number; gecos: string }[];
  /** container IDs started before this one */
  requires?: string[];
  personality?: string;
  /** --seccomp-policy=image: the image's profile (label io.containers.seccomp.profile) */
  imageSeccomp?: string;
  chrootDirs?: string[];
  preserveFds?: number;
  deviceRules?: DeviceRule[];
  cpuRtPeriod?: number;
  cpuRtRuntime?: number;
  /** --sdnotify and the NOTIFY_SOCKET of the creating process (sdnotify.ts) */
  sdNotify?: SdNotifyConfig;
  /** --systemd: run in systemd mode (tmpfs /run, /run/lock, /tmp, /var/log/journal; cgroup; RTMIN+3) */
  systemd?: true;
  /** --secret: mounted files or environment variables, the data read at each start */
  secrets?: SecretUse[];
  /** --mac-address of the first bridge network's interface (netavark static_mac) */
  macAddress?: string;
}

export interface SecretUse { name: string; id: string; type: 'mount' | 'env'; target: string; uid: number; gid: number; mode: number }

const SECCOMP_LABEL = 'io.containers.seccomp.profile';

export function parseExtras(o: ExtrasFlags, ctx: { resolve: (ref: string) => string; imageLabels: Record<string, string>; command: string[]; graphRoot: string; network?: string; rootless?: boolean }): ExtrasConfig | undefined {
  const x: ExtrasConfig = {};
  if (o.macAddress !== undefined) {
    // Go's net.ParseMAC (the 6-byte forms), then the network mode (as --ip in lib/netns/files.ts)
    if (!/^[0-9a-fA-F]{2}([:-])(?:[0-9a-fA-F]{2}\1){4}[0-9a-fA-F]{2}$/.test(o.macAddress)) throw new TspodError('USAGE', `address ${o.macAddress}: invalid MAC address`);
    const mode = (ctx.network ?? '').split(':')[0];
    const bridge = mode === '' || mode === 'private' ? !ctx.rootless : !['none', 'host', 'slirp4netns', 'pasta', 'ns', 'container'].includes(mode);
    if (!bridge) throw new TspodError('USAGE', '--mac-address can only be set when the network mode is bridge: invalid argument');
    x.macAddress = o.macAddress.toLowerCase().replaceAll('-', ':');
  }
  if (o.secret?.length) x.secrets = o.secret.map((s) => parseSecretFlag(s, ctx.graphRoot));
  const systemd = o.systemd ?? 'true';
  if (!['true', 'false', 'always'].includes(systemd)) throw new TspodError('INVALID_CONFIG', 'invalid config provided: --systemd values must be one of "true, false, always": invalid configuration');
  if (systemd === 'always' || (systemd === 'true' && isSystemdCommand(ctx.command[0] ?? ''))) x.systemd = true;
  if (o.passwd === false) x.noPasswd = true;
  if (o.passwdEntry) x.passwdEntry = o.passwdEntry;
  const hostUsers = (o.hostuser ?? []).flatMap((u) => u.split(',')).filter(Boolean);
  if (hostUsers.length) x.hostUsers = hostUsers.map(hostUser);
  const requires = (o.requires ?? []).flatMap((r) => r.split(',')).filter(Boolean);
  if (requires.length) {
    x.requires = [...new Set(requires.map((r) => {
      try { return ctx.resolve(r); } catch (err) {
        throw new TspodError('NO_SUCH_CONTAINER', `"${r}" is not a valid container, cannot be used as a dependency: ${(err as Error).message}`);
      }
    }))];
  }
  if (o.personality) x.personality = o.personality;
  const policy = o.seccompPolicy ?? 'default';
  if (policy !== 'default' && policy !== 'image') throw new TspodError('USAGE', `invalid seccomp policy "${policy}": valid policies are ["default" "image"]`);
  if (policy === 'image') {
    const profile = ctx.imageLabels[SECCOMP_LABEL];
    if (!profile) throw new TspodError('USAGE', 'no seccomp policy defined by image');
    try { JSON.parse(profile); } catch (err) {
      throw new TspodError('INVALID_SECCOMP', `loading seccomp profile failed: ${(err as Error).message}`);
    }
    x.imageSeccomp = profile;
  }
  const chroots = (o.chrootdirs ?? []).flatMap((d) => d.split(',')).filter(Boolean);
  if (chroots.length) x.chrootDirs = chroots;
  if (o.preserveFds !== undefined) {
    if (!Number.isInteger(o.preserveFds) || o.preserveFds < 0) throw new TspodError('USAGE', `invalid argument "${o.preserveFds}" for "--preserve-fds" flag: parse error`);
    for (let fd = 3; fd < 3 + o.preserveFds; fd++) if (!inherited(fd)) {
      throw new TspodError('USAGE', `file descriptor ${fd} is not available - the preserve-fds option requires that file descriptors must be passed`);
    }
    if (o.preserveFds > 0) x.preserveFds = o.preserveFds;
  }
  const rules = (o.deviceCgroupRule ?? []).map(parseDeviceRule);
  if (rules.length) x.deviceRules = rules;
  for (const [flag, v, key] of [['cpu-rt-period', o.cpuRtPeriod, 'cpuRtPeriod'], ['cpu-rt-runtime', o.cpuRtRuntime, 'cpuRtRuntime']] as const) {
    if (v === undefined) continue;
    if (!/^-?\d+$/.test(v)) throw new TspodError('USAGE', `invalid argument "${v}" for "--${flag}" flag: strconv.ParseInt: parsing "${v}": invalid syntax`);
    x[key] = Number(v);
  }
  const sd = parseSdNotify(o.sdnotify, process.env);
  if (sd) x.sdNotify = sd;
  return Object.keys(x).length ? x : undefined;
}

/** --secret NAME[,type=mount|env][,target=T][,uid=N][,gid=N][,mode=N] (podman's parseSecrets) */
function parseSecretFlag(s: string, graphRoot: string): SecretUse {
  const [name, ...opts] = s.split(',');
  const kv: Record<string, string> = {};
  for (const o of opts) {
    const i = o.indexOf('=');
    if (i < 0) throw new TspodError('USAGE', `option ${o} must be in form option=value: parsing secret ${JSON.stringify(s)}`);
    kv[o.slice(0, i)] = o.slice(i + 1);
  }
  for (const k of Object.keys(kv)) if (!['type', 'target', 'uid', 'gid', 'mode'].includes(k)) throw new TspodError('USAGE', `option ${k} invalid: parsing secret ${JSON.stringify(s)}`);
  const type = kv.type ?? 'mount';
  if (type !== 'mount' && type !== 'env') throw new TspodError('USAGE', `type ${type} is invalid: parsing secret ${JSON.stringify(s)}`);
  if (type === 'env' && (kv.uid || kv.gid || kv.mode)) throw new TspodError('USAGE', `UID, GID, Mode options cannot be set with secret type env: parsing secret ${JSON.stringify(s)}`);
  const num = (k: string, base: number, dflt: number) => {
    if (kv[k] === undefined) return dflt;
    const n = parseInt(kv[k], base);
    if (Number.isNaN(n) || n < 0) throw new TspodError('USAGE', `${k} ${kv[k]} invalid: parsing secret ${JSON.stringify(s)}`);
    return n;
  };
  const rec = lookupSecret(graphRoot, name);
  let target = kv.target ?? name;
  if (type === 'mount' && !target.startsWith('/')) target = `/run/secrets/${target}`;
  return { name: rec.name, id: rec.id, type, target, uid: num('uid', 10, 0), gid: num('gid', 10, 0), mode: num('mode', 8, 0o444) };
}

/** --secret at each start: the data to a file of the run dir bound at the target, or an environment variable. */
function applySecrets(spec: Spec, secrets: SecretUse[], graphRoot: string, runDir: string): void {
  const dir = join(runDir, 'secrets');
  for (const s of secrets) {
    const data = secretData(graphRoot, s.id);
    if (s.type === 'env') {
      spec.process.env = [...(spec.process.env ?? []).filter((e) => !e.startsWith(`${s.target}=`)), `${s.target}=${data.toString()}`];
      continue;
    }
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const file = join(dir, s.id);
    rmSync(file, { force: true });
    writeFileSync(file, data, { mode: 0o600 });
    chownSync(file, s.uid, s.gid);
    chmodSync(file, s.mode);
    spec.mounts.push({ destination: s.target, type: 'bind', source: file, options: ['bind', 'rprivate'] });
  }
}

/** --rootfs PATH[:O]: an existing directory (podman's stat error otherwise); :O an overlay over it. */
export function parseRootfs(arg: string): { path: string; overlay: boolean } {
  const overlay = arg.endsWith(':O');
  const path = overlay ? arg.slice(0, -2) : arg;
  try { statSync(path); } catch {
    throw new TspodError('NO_SUCH_PATH', `running container create option: stat ${path}: no such file or directory`);
  }
  return { path: resolve(path), overlay };
}

/** podman's test for a systemd container: an init in a standard place, or any .../systemd */
function isSystemdCommand(cmd: string): boolean {
  return ['/sbin/init', '/usr/sbin/init', '/usr/local/sbin/init'].includes(cmd) || cmd.split('/').pop() === 'systemd';
}

/** A host user by name or uid, from the host's /etc/passwd (podman's user.Lookup). */
function hostUser(ref: string): { name: string; uid: number; gid: number; gecos: string } {
  const lines = readOr('/etc/passwd').split('\n').map((l) => l.split(':'));
  const e = lines.find((p) => p.length >= 7 && (p[0] === ref || p[2] === ref));
  if (!e) throw new TspodError('NO_SUCH_USER', `user: unknown user ${ref}`);
  return { name: e[0], uid: Number(e[2]), gid: Number(e[3]), gecos: e[4] };
}

/** "c 1:3 mr", "a *:* rwm" (podman's device-access-add parsing). */
export function parseDeviceRule(s: string): DeviceRule {
  const m = /^([abc]) (\d+|\*):(\d+|\*) ([rwm]{1,3})$/.exec(s.trim());
  if (!m) {
    const type = s.trim().split(' ')[0];
    if (!['a', 'b', 'c'].includes(type)) throw new TspodError('USAGE', `invalid device type in device-access-add: ${type}`);
    throw new TspodError('USAGE', `invalid device cgroup rule format: '${s}'`);
  }
  return {
    allow: true, type: m[1], access: m[4],
    ...(m[2] !== '*' ? { major: Number(m[2]) } : {}),
    ...(m[3] !== '*' ? { minor: Number(m[3]) } : {}),
  };
}

/**
 * An fd this process was given: open, and not one of Node's own event loop (epoll, eventfd), which
 * take the lowest free numbers at start-up; Node's wake-up pipes cannot be told from given ones.
 */
function inherited(fd: number): boolean {
  try { return !readlinkSync(`/proc/self/fd/${fd}`).startsWith('anon_inode:'); } catch { return false; }
}

function readOr(p: string): string {
  try { return readFileSync(p, 'utf8'); } catch { return ''; }
}

const fields = (text: string) => text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(':'));

/**
 * podman 4.3's generatePasswdAndGroup: a numeric --user without an entry in the image's /etc/passwd
 * gets "UID:*:UID:GID:container user:WORKDIR:/bin/sh" (or --passwd-entry with $USERNAME, $UID, $GID,
 * $NAME, $HOME filled in), a numeric group without one "GID:x:GID:USER"; each --hostuser missing
 * from the image gets its host entry. Written into the container's own /etc/passwd (the overlay's
 * upper layer), as podman does when the file is not a bind mount; a restart finds them there.
 * The group entry is written by the function returned, once the spec is made: podman's process
 * does not get the new group as a supplementary one.
 */
export function addUserEntries(rootfs: string, c: { user: string; workingDir: string; extras?: ExtrasConfig; mounts: { destination: string }[] }): () => void {
  const x = c.extras ?? {};
  if (x.noPasswd) return () => {};
  const bound = (p: string) => c.mounts.some((m) => m.destination.replace(/\/+$/, '') === p);
  const passwdPath = join(rootfs, 'etc/passwd'), groupPath = join(rootfs, 'etc/group');
  const home = c.workingDir || '/';
  let passwd = '';
  let group = '';
  const users = fields(readOr(passwdPath));
  for (const u of x.hostUsers ?? []) {
    if (users.some((p) => p[0] === u.name)) continue;
    passwd += `${u.name}:*:${u.uid}:${u.gid}:${u.gecos}:${home}:/bin/sh\n`;
  }
  if (c.user) {
    const [userPart, groupPart] = c.user.split(':', 2);
    if (/^\d+$/.test(userPart) && !users.some((p) => p[2] === userPart)) {
      let gid = '0';
      if (groupPart) {
        if (/^\d+$/.test(groupPart)) gid = groupPart;
        else gid = fields(readOr(groupPath)).find((g) => g[0] === groupPart)?.[2] ?? '0';
      }
      passwd += x.passwdEntry
        ? `${x.passwdEntry.replaceAll('$USERNAME', userPart).replaceAll('$UID', userPart).replaceAll('$GID', gid).replaceAll('$NAME', 'container user').replaceAll('$HOME', home)}\n`
        : `${userPart}:*:${userPart}:${gid}:container user:${home}:/bin/sh\n`;
    }
    const g = groupPart ?? userPart;
    if (/^\d+$/.test(g) && !fields(readOr(groupPath)).some((e) => e[2] === g)) group += `${g}:x:${g}:${userPart}\n`;
  }
  if (passwd && !bound('/etc/passwd')) appendTo(passwdPath, passwd);
  return () => { if (group && !bound('/etc/group')) appendTo(groupPath, group); };
}

function appendTo(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const old = readOr(path);
  appendFileSync(path, old && !old.endsWith('\n') ? `\n${text}` : text);
}

/** --seccomp-policy=image: the image's profile written where defaultSeccomp() reads it. */
export function imageSeccompFile(x: ExtrasConfig | undefined, runDir: string): string | undefined {
  if (!x?.imageSeccomp) return undefined;
  const p = join(runDir, 'seccomp.json');
  mkdirSync(runDir, { recursive: true });
  writeFileSync(p, x.imageSeccomp);
  return p;
}

/** The runtime-spec parts of these flags; returns the host's notify socket for conmon (--sdnotify=container). */
export function applyExtras(spec: Spec, c: { id: string; rootless: boolean; extras?: ExtrasConfig }, files: { hosts: string; resolv: string }, bundle: string, dirs: { graphRoot: string; runDir: string }): string | undefined {
  const x = c.extras;
  if (!x) return undefined;
  if (x.secrets) applySecrets(spec, x.secrets, dirs.graphRoot, dirs.runDir);
  if (x.systemd) systemdMode(spec, c);
  const linux = spec.linux as Spec['linux'] & { personality?: { domain: string } };
  if (x.personality) linux.personality = { domain: x.personality };
  for (const dir of x.chrootDirs ?? []) {
    // podman binds its /etc/hosts and /etc/resolv.conf into each chroot directory too
    for (const [name, src] of [['hosts', files.hosts], ['resolv.conf', files.resolv]]) {
      if (src) spec.mounts.push({ destination: join(dir, 'etc', name), type: 'bind', source: src, options: ['bind', 'rprivate'] });
    }
  }
  // cgroup settings: only where the spec has resources (not rootless on cgroup v1)
  if (linux.resources) {
    if (x.deviceRules) linux.resources.devices = [...(linux.resources.devices ?? []), ...x.deviceRules];
    if (x.cpuRtPeriod !== undefined || x.cpuRtRuntime !== undefined) {
      const cpu = (linux.resources.cpu ??= {}) as Record<string, unknown>;
      if (x.cpuRtPeriod !== undefined) cpu.realtimePeriod = x.cpuRtPeriod;
      if (x.cpuRtRuntime !== undefined) cpu.realtimeRuntime = x.cpuRtRuntime;
    }
  }
  return applySdNotify(spec, x.sdNotify, bundle);
}

/** podman 4.3's systemd mode: what systemd as PID 1 needs, where the flags did not mount something else there. */
function systemdMode(spec: Spec, c: { id: string; rootless: boolean }): void {
  for (const d of ['/tmp', '/run', '/run/lock', '/var/log/journal']) {
    if (!spec.mounts.some((m) => m.destination === d)) spec.mounts.push({ destination: d, type: 'tmpfs', source: 'tmpfs', options: ['rw', 'rprivate', 'nosuid', 'nodev', 'tmpcopyup'] });
  }
  spec.process.env = [...spec.process.env ?? [], `container_uuid=${c.id.slice(0, 32)}`];
  const v2 = existsSync('/sys/fs/cgroup/cgroup.controllers');
  if (v2) {
    const cg = spec.mounts.find((m) => m.destination === '/sys/fs/cgroup');
    if (cg) cg.options = (cg.options ?? []).map((o) => (o === 'ro' ? 'rw' : o));
  } else if (!c.rootless && existsSync('/sys/fs/cgroup/systemd')) {
    // cgroup v1: systemd's own hierarchy writable, its release_agent masked
    spec.mounts.push({ destination: '/sys/fs/cgroup/systemd', type: 'bind', source: '/sys/fs/cgroup/systemd', options: ['bind', 'rprivate'] });
    if (spec.linux.maskedPaths) spec.linux.maskedPaths.push('/sys/fs/cgroup/systemd/release_agent');
  }
}

export function hasCgroupSettings(x: ExtrasConfig | undefined): boolean {
  return !!(x?.deviceRules || x?.cpuRtPeriod !== undefined || x?.cpuRtRuntime !== undefined);
}
