// The run/create flags that shape the runtime spec beyond the defaults: --group-add, --shm-size,
// --device, --pid/--ipc/--uts, parsed and checked at create with podman 4.3's rules and error texts.
import { readdirSync, readFileSync, statSync, existsSync, type Stats } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { TspodError } from '../errors.ts';
import type { LinuxDevice, Mount, Spec } from '../oci/runtime-spec.ts';
import type { ContainerConfig, DeviceSpec } from './types.ts';
import { ramInBytes } from '../units/index.ts';

/** --shm-size as podman parses it (go-units RAMInBytes). */
export function parseShmSize(s: string): number {
  try {
    return ramInBytes(s);
  } catch {
    throw new TspodError('INVALID_SHM_SIZE', `unable to translate --shm-size: invalid size: '${s}'`);
  }
}

/**
 * --pid/--ipc/--uts: host and private (ipc also none and shareable, both own namespaces), and
 * container:NAME|ID or ns:PATH (namespaces.ts resolves and checks those at create).
 */
export function parseNamespaceMode(flag: 'pid' | 'ipc' | 'uts', v: string | undefined): string | undefined {
  if (v === undefined || v === '' || v === 'private') return undefined;
  if (v === 'host') return v;
  if (flag === 'ipc' && (v === 'none' || v === 'shareable')) return v;
  if (/^(container|ns):/.test(v)) return v;
  throw new TspodError('INVALID_NAMESPACE', `unrecognized namespace mode ${v} passed`);
}

function validDeviceMode(mode: string): boolean {
  return mode !== '' && [...mode].every((ch, i) => 'rwm'.includes(ch) && mode.indexOf(ch) === i);
}

/** podman's ParseDevice: HOST[:CONTAINER][:PERMS]. */
export function parseDevice(device: string): DeviceSpec {
  const arr = device.split(':');
  let dst = '', permissions = 'rwm';
  if (arr.length > 3) throw new TspodError('INVALID_DEVICE', `invalid device specification: ${device}`);
  if (arr.length === 3) {
    if (!validDeviceMode(arr[2])) throw new TspodError('INVALID_DEVICE', `invalid device mode: ${arr[2]}`);
    permissions = arr[2];
  }
  if (arr.length >= 2) {
    if (validDeviceMode(arr[1])) permissions = arr[1];
    else if (!arr[1].startsWith('/')) throw new TspodError('INVALID_DEVICE', `invalid device mode: ${arr[1]}`);
    else dst = arr[1];
  }
  return { source: arr[0], destination: dst || arr[0], permissions };
}

function isDevice(st: Stats): boolean {
  return st.isCharacterDevice() || st.isBlockDevice();
}

/** --device values checked on the host; a directory stands for every device below it. */
export function expandDevices(flags: string[]): DeviceSpec[] {
  const out: DeviceSpec[] = [];
  for (const d of flags) {
    const spec = parseDevice(d);
    let st: Stats;
    try { st = statSync(spec.source); } catch {
      throw new TspodError('NO_SUCH_DEVICE', `stat ${spec.source}: no such file or directory`);
    }
    if (!st.isDirectory()) { out.push(spec); continue; }
    const found: DeviceSpec[] = [];
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.isCharacterDevice() || e.isBlockDevice()) {
          found.push({ source: p, destination: spec.destination + p.slice(spec.source.replace(/\/$/, '').length), permissions: spec.permissions });
        }
      }
    };
    walk(spec.source);
    if (found.length === 0) throw new TspodError('NO_SUCH_DEVICE', `no devices found in ${spec.source}: invalid argument`);
    out.push(...found);
  }
  return out;
}

/** The device nodes below /dev as podman's getDevices lists them for --privileged. */
function hostDevices(dir: string): DeviceSpec[] {
  const out: DeviceSpec[] = [];
  let entries;
  try { entries = readdirSync(dir, { withFileTypes: true }); } catch { return out; }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (!['pts', 'shm', 'fd', 'mqueue', '.lxc', '.lxd-mounts'].includes(e.name)) out.push(...hostDevices(p));
    } else if (e.name !== 'console' && (e.isCharacterDevice() || e.isBlockDevice())) out.push({ source: p, destination: p, permissions: 'rwm' });
  }
  return out;
}

/** --group-add: "keep-groups" alone or names/numbers; each flag may hold a comma list. */
export function checkGroupAdd(groups: string[]): void {
  if (groups.includes('keep-groups') && groups.length > 1) {
    throw new TspodError('INVALID_GROUP_ADD', "the '--group-add keep-groups' option is not allowed with any other --group-add options");
  }
}

/** The checks podman makes at create between these flags and the others. */
export function checkNamespaceConflicts(o: { utsMode?: string; ipcMode?: string; hostname?: string; shmSize?: number; rootless: boolean }): void {
  // podman says "host" for any UTS namespace not the container's own (container:, ns: too)
  if (o.utsMode !== undefined && o.hostname !== undefined) {
    throw new TspodError('INVALID_CONFIG', 'invalid config provided: cannot set hostname when running in the host UTS namespace: invalid configuration');
  }
  if (o.ipcMode === 'host' && o.shmSize !== undefined) {
    throw new TspodError('INVALID_CONFIG', 'invalid config provided: cannot set shmsize when running in the {host } IPC Namespace');
  }
  // rootless, the host IPC namespace comes with a bind of the host's /dev/mqueue
  if (o.rootless && o.ipcMode === 'host' && !existsSync('/dev/mqueue')) {
    throw new TspodError('NO_SUCH_PATH', 'statfs /dev/mqueue: no such file or directory');
  }
}

/** The additional gids as podman sets them: the primary gid (unless 0), the user's groups (unless a group
 *  was given), then --group-add, without repeats. */
export function additionalGids(rootfs: string, c: ContainerConfig, user: { gid: number; additionalGids: number[] }): number[] {
  const out: number[] = [];
  const add = (g: number) => { if (!out.includes(g)) out.push(g); };
  if (user.gid !== 0) add(user.gid);
  if (!c.user.includes(':')) user.additionalGids.forEach(add);
  const adds = (c.groupAdd ?? []).filter((g) => g !== 'keep-groups');
  if (adds.length === 0) return out;
  let groups: { name: string; gid: number }[] = [];
  try {
    groups = readFileSync(join(rootfs, 'etc/group'), 'utf8').split('\n').filter(Boolean).map((l) => {
      const f = l.split(':');
      return { name: f[0], gid: Number(f[2]) };
    });
  } catch { /* no group file: numbers only */ }
  for (const g of adds) {
    if (/^\d+$/.test(g)) { add(Number(g)); continue; }
    const e = groups.find((x) => x.name === g);
    if (!e) throw new TspodError('NO_SUCH_GROUP', `looking up supplemental groups for container ${c.id}: Unable to find group ${g}: no matching entries in group file`);
    add(e.gid);
  }
  return out;
}

/**
 * Apply --device, --shm-size and --pid/--ipc/--uts to a generated spec: host drops the namespace,
 * container:/ns: join the one at nsPaths' path (namespaces.ts).
 */
export function applySpecFlags(spec: Spec, c: ContainerConfig, nsPaths: Partial<Record<'pid' | 'ipc' | 'uts', string>> = {}): void {
  const ns = { pid: c.pidMode, ipc: c.ipcMode, uts: c.utsMode };
  spec.linux.namespaces = spec.linux.namespaces.filter((n) => !(n.type in ns && ns[n.type as keyof typeof ns] === 'host'));
  for (const n of spec.linux.namespaces) {
    const path = nsPaths[n.type as keyof typeof nsPaths];
    if (path) n.path = path;
  }
  // the hostname is the joined namespace's (runc may not set one there)
  if (nsPaths.uts) spec.hostname = undefined;
  const mounts = spec.mounts ?? [];
  const at = (dst: string) => mounts.findIndex((m) => m.destination === dst);
  const replace = (dst: string, m: Mount | undefined) => {
    const i = at(dst);
    if (i >= 0) { if (m) mounts[i] = m; else mounts.splice(i, 1); }
  };
  // a new proc may only be mounted by the owner of the pid namespace: rootless binds the host's
  if (c.pidMode === 'host' && c.rootless) replace('/proc', { destination: '/proc', type: 'bind', source: '/proc', options: ['rbind', 'nosuid', 'noexec', 'nodev', 'rw', 'rprivate'] });
  if (c.ipcMode === 'host') {
    replace('/dev/shm', { destination: '/dev/shm', type: 'bind', source: '/dev/shm', options: ['bind', 'rprivate', 'nosuid', 'noexec', 'nodev'] });
    if (c.rootless) replace('/dev/mqueue', { destination: '/dev/mqueue', type: 'bind', source: '/dev/mqueue', options: ['bind', 'nosuid', 'noexec', 'nodev'] });
  } else if (c.ipcMode === 'none') replace('/dev/shm', undefined);
  else if (c.shmSize !== undefined) {
    const shm = mounts[at('/dev/shm')];
    if (shm) shm.options = [...(shm.options ?? []).filter((o) => !o.startsWith('size=')), `size=${c.shmSize}`];
  }
  if (c.utsMode === 'host') {
    spec.hostname = undefined;
    // the host's name unless the image or the flags set HOSTNAME
    if (spec.process && !c.env.some((e) => e.startsWith('HOSTNAME='))) spec.process.env = (spec.process.env ?? []).map((e) => (e.startsWith('HOSTNAME=') ? `HOSTNAME=${hostname()}` : e));
  }
  if (c.groupAdd?.includes('keep-groups')) spec.annotations = { ...spec.annotations, 'run.oci.keep_original_groups': '1' };
  // --privileged brings every host device (and so ignores --device), as podman's addPrivilegedDevices
  const devices = c.privileged ? hostDevices('/dev') : c.devices ?? [];
  const have = new Set(mounts.map((m) => m.destination));
  for (const d of devices) {
    if (c.privileged && c.rootless && (d.source === '/dev/ptmx' || d.source.startsWith('/dev/tty') || have.has(d.source))) continue;
    if (c.rootless) {
      // a user namespace cannot make device nodes: the host's are bound in
      mounts.push({ destination: d.destination, type: 'bind', source: d.source, options: ['slave', 'nosuid', 'noexec', d.permissions.includes('w') ? 'rw' : 'ro', 'rbind'] });
      continue;
    }
    let st: Stats;
    try { st = statSync(d.source); } catch {
      throw new TspodError('NO_SUCH_DEVICE', `stat ${d.source}: no such file or directory`);
    }
    if (!isDevice(st)) throw new TspodError('INVALID_DEVICE', `${d.source} is not a device`);
    const type = st.isCharacterDevice() ? 'c' : 'b';
    const major = Number((BigInt(st.rdev) >> 8n) & 0xfffn), minor = Number((BigInt(st.rdev) & 0xffn) | ((BigInt(st.rdev) >> 12n) & 0xfff00n));
    const dev: LinuxDevice = { path: d.destination, type, major, minor, fileMode: st.mode, uid: st.uid, gid: st.gid };
    (spec.linux.devices ??= []).push(dev);
    if (!c.privileged) spec.linux.resources?.devices?.push({ allow: true, type, major, minor, access: d.permissions });
  }
}
