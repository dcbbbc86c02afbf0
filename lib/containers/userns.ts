// User namespaces for run/create as podman 4.3: --userns (host, keep-id[:uid=,gid=], nomap, auto[:size=],
// ns:PATH), --uidmap/--gidmap, --subuidname/--subgidname. The container gets its own user namespace
// (runtime-spec linux.uidMappings/gidMappings; rootless, the ids are those of tspod's own namespace,
// 0 = the user), its network namespace is made inside it (createNetnsInUserns), and its rootfs shows the
// image's files owned by its ids: rootful through idmapped mounts of the layers, rootless through copies
// of the layers with owners shifted, made once per mapping (measured here: mount_setattr(MOUNT_ATTR_IDMAP)
// works rootful on the layer dirs, gives EPERM rootless on the host filesystem and EINVAL on an overlay
// mount), as containers/storage does. Volumes, cp and commit translate owners at the edges.
import { chmodSync, existsSync, lchownSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { TspodError } from '../errors.ts';
import type { IdMapping, Mount, Spec } from '../oci/runtime-spec.ts';
import type { ContainerConfig, MountSpec } from './types.ts';

export interface UsernsConfig {
  /** host: none of its own (the default); private: --uidmap/--gidmap/--subuidname; the rest as --userns */
  mode: 'private' | 'keep-id' | 'nomap' | 'auto' | 'ns';
  /** ns:PATH */
  path?: string;
  uidMappings: IdMapping[];
  gidMappings: IdMapping[];
  /** keep-id: the user the process runs as and gets a passwd/group entry for */
  keepId?: { uid: number; gid: number; name: string; group: string };
}

export interface UsernsFlags {
  userns?: string;
  uidmap?: string[];
  gidmap?: string[];
  subuidname?: string;
  subgidname?: string;
}

const fail = (m: string) => new TspodError('INVALID_USERNS', m);

/** tspod's own uid_map/gid_map: rootless, 0 = the user and 1.. = its subordinate ids. */
function ownMap(kind: 'uid' | 'gid'): IdMapping[] {
  try {
    return readFileSync(`/proc/self/${kind}_map`, 'utf8').trim().split('\n').map((l) => {
      const [c, h, s] = l.trim().split(/\s+/).map(Number);
      return { containerID: c, hostID: h, size: s };
    });
  } catch { return [{ containerID: 0, hostID: 0, size: 2 ** 32 - 1 }]; }
}

/** How many ids tspod's namespace has (rootless: 1 + the subordinate range). */
function available(kind: 'uid' | 'gid'): number {
  return ownMap(kind).reduce((n, m) => Math.max(n, m.containerID + m.size), 0);
}

/** "C:H:S" (repeatable) as podman's ParseIDMapping, with its message (which says UID for --gidmap too). */
function parseMaps(list: string[]): IdMapping[] {
  return list.flatMap((s) => s.split(',')).map((s) => {
    const m = /^(\d+):(\d+):(\d+)$/.exec(s);
    if (!m) throw fail(`initializing ID mappings: UID setting is malformed expected ["uint32:uint32:uint32"]: [${JSON.stringify(s)}]`);
    return { containerID: Number(m[1]), hostID: Number(m[2]), size: Number(m[3]) };
  });
}

/** The first range of NAME in /etc/subuid or /etc/subgid. */
function subRange(name: string, file: '/etc/subuid' | '/etc/subgid'): IdMapping[] {
  let text = '';
  try { text = readFileSync(file, 'utf8'); } catch { /* none */ }
  const line = text.split('\n').map((l) => l.split(':')).find((f) => f[0] === name && f.length >= 3);
  if (!line) throw fail(`no ${file.slice(5)} ranges found for user ${JSON.stringify(name)} in ${file}`);
  return [{ containerID: 0, hostID: Number(line[1]), size: Number(line[2]) }];
}

/** keep-id: the container's id `id` is tspod's 0 (the user); the ids below it shift up by one, as podman. */
function keepIdMap(id: number, total: number): IdMapping[] {
  const out: IdMapping[] = [];
  if (id > 0) out.push({ containerID: 0, hostID: 1, size: Math.min(id, total - 1) });
  out.push({ containerID: id, hostID: 0, size: 1 });
  if (total > id + 1) out.push({ containerID: id + 1, hostID: id + 1, size: total - id - 1 });
  return out;
}

function hostName(file: string, id: number): string | undefined {
  try {
    return readFileSync(file, 'utf8').split('\n').map((l) => l.split(':')).find((f) => Number(f[2]) === id && f[0])?.[0];
  } catch { return undefined; }
}

/** The user's own ids on the host (rootless: what tspod's 0 is; rootful: 0). */
function hostIds(): { uid: number; gid: number } {
  const u = ownMap('uid').find((m) => m.containerID === 0), g = ownMap('gid').find((m) => m.containerID === 0);
  return { uid: u?.hostID ?? 0, gid: g?.hostID ?? 0 };
}

/** The first block of size ids within [from, to) that no taken range overlaps (podman's auto allocation), or undefined. */
function freeBlock(size: number, from: number, to: number, taken: IdMapping[]): number | undefined {
  const used = [...taken].sort((a, b) => a.hostID - b.hostID);
  let start = from;
  for (const t of used) {
    if (t.hostID + t.size <= start) continue;
    if (t.hostID >= start + size) break;
    start = t.hostID + t.size;
  }
  return start + size <= to ? start : undefined;
}

/** Parse the flags at create, with podman 4.3's rules and messages; undefined = the host's user namespace. */
export function parseUsernsFlags(o: UsernsFlags, ctx: { rootless: boolean; taken?: () => IdMapping[] }): UsernsConfig | undefined {
  const maps = !!(o.uidmap?.length || o.gidmap?.length || o.subuidname || o.subgidname);
  const mode = o.userns ?? '';
  if (maps && mode && mode !== 'host') throw fail('--userns and --uidmap/--gidmap/--subuidname/--subgidname are mutually exclusive');
  if (maps) {
    let uid = o.uidmap?.length ? parseMaps(o.uidmap) : undefined;
    let gid = o.gidmap?.length ? parseMaps(o.gidmap) : undefined;
    if (!uid && o.subuidname) uid = subRange(o.subuidname, '/etc/subuid');
    if (!gid && (o.subgidname || o.subuidname)) gid = subRange(o.subgidname ?? o.subuidname!, '/etc/subgid');
    // one of them alone stands for both, as podman
    return { mode: 'private', uidMappings: uid ?? gid!, gidMappings: gid ?? uid! };
  }
  if (mode === '' || mode === 'host') return undefined;
  const [name, opts = ''] = [mode.split(':')[0], mode.slice(mode.indexOf(':') + 1)];
  const kv: Record<string, string> = {};
  if (mode.includes(':')) for (const p of opts.split(',')) {
    const i = p.indexOf('=');
    kv[i < 0 ? p : p.slice(0, i)] = i < 0 ? '' : p.slice(i + 1);
  }
  switch (name) {
    case 'keep-id': {
      if (!ctx.rootless) throw fail('keep-id is only supported in rootless mode');
      for (const k of Object.keys(kv)) if (k !== 'uid' && k !== 'gid') throw fail(`unknown option specified: ${JSON.stringify(k)}`);
      const host = hostIds();
      const num = (k: string, d: number) => {
        if (kv[k] === undefined) return d;
        if (!/^\d+$/.test(kv[k])) throw fail(`strconv.ParseUint: parsing ${JSON.stringify(kv[k])}: invalid syntax`);
        return Number(kv[k]);
      };
      const uid = num('uid', host.uid), gid = num('gid', host.gid);
      const name = hostName('/etc/passwd', host.uid) ?? String(host.uid);
      const group = hostName('/etc/group', host.gid) ?? String(host.gid);
      return {
        mode: 'keep-id', uidMappings: keepIdMap(uid, available('uid')), gidMappings: keepIdMap(gid, available('gid')),
        keepId: { uid, gid, name, group },
      };
    }
    case 'nomap': {
      if (!ctx.rootless) throw fail('nomap is only supported in rootless mode');
      // every id but the user's own
      return { mode: 'nomap', uidMappings: [{ containerID: 0, hostID: 1, size: available('uid') - 1 }], gidMappings: [{ containerID: 0, hostID: 1, size: available('gid') - 1 }] };
    }
    case 'auto': {
      const size = kv.size !== undefined ? Number(kv.size) : 1024;
      if (!Number.isInteger(size) || size <= 0) throw fail(`invalid size ${JSON.stringify(kv.size)}`);
      // a block no other auto container has: rootful of the "containers" user's range (podman's), rootless of the user's subordinate ids
      let from: number, to: number;
      if (!ctx.rootless) {
        try {
          const uid = subRange('containers', '/etc/subuid')[0], gid = subRange('containers', '/etc/subgid')[0];
          from = Math.max(uid.hostID, gid.hostID);
          to = Math.min(uid.hostID + uid.size, gid.hostID + gid.size);
        } catch (err) {
          process.stderr.write(`ERRO[0000] Cannot find mappings for user "containers": ${(err as Error).message}\n`);
          throw fail('creating container storage: could not find enough available IDs');
        }
      } else {
        from = 1;
        to = Math.min(available('uid'), available('gid'));
      }
      const start = freeBlock(size, from, to, ctx.taken?.() ?? []);
      if (start === undefined) throw fail('creating container storage: could not find enough available IDs');
      return { mode: 'auto', uidMappings: [{ containerID: 0, hostID: start, size }], gidMappings: [{ containerID: 0, hostID: start, size }] };
    }
    case 'ns': {
      const path = opts;
      if (!mode.includes(':') || !path) throw fail(`invalid namespace mode ${mode}`);
      try { statSync(path); } catch (err) {
        const why = (err as NodeJS.ErrnoException).code === 'EACCES' ? 'permission denied' : 'no such file or directory';
        throw fail(`cannot find specified user namespace path: stat ${path}: ${why}`);
      }
      // a process's namespace: its mappings (runc 1.1 wants them written out, the rootfs is shifted for them)
      const maps = mapsOfPath(path);
      return { mode: 'ns', path, uidMappings: maps?.uid ?? [], gidMappings: maps?.gid ?? [] };
    }
    case 'private':
      // podman 4.3 too, rootful and rootless
      throw fail('must provide at least one UID or GID mapping to configure a user namespace');
    default:
      throw fail(`unrecognized namespace mode ${mode} passed`);
  }
}

/** The id on disk (tspod's side) of the container's id, or undefined when unmapped. */
export function toHost(maps: IdMapping[], id: number): number | undefined {
  const m = maps.find((x) => id >= x.containerID && id < x.containerID + x.size);
  return m ? m.hostID + id - m.containerID : undefined;
}

/** The container's process user as ids on disk (through its mappings), or undefined without them. */
async function processUserOnHost(c: Pick<ContainerConfig, 'userns' | 'user'>, rootfs: string): Promise<{ uid: number; gid: number } | undefined> {
  const u = c.userns;
  if (!u?.uidMappings.length || !u.gidMappings.length) return undefined;
  let user = { uid: 0, gid: 0 };
  try { user = (await import('./spec.ts')).resolveUser(rootfs, c.user); } catch { /* an unknown name fails later, at the spec */ }
  const uid = toHost(u.uidMappings, user.uid), gid = toHost(u.gidMappings, user.gid);
  return uid === undefined || gid === undefined ? undefined : { uid, gid };
}

/** tspod cp of a container with its own user namespace: into it the files become its user's, out of it tspod's own. */
export async function copyOwner(c: Pick<ContainerConfig, 'userns' | 'user'>, rootfs: string, into: boolean): Promise<{ uid: number; gid: number } | undefined> {
  if (!c.userns?.uidMappings.length) return undefined;
  return into ? processUserOnHost(c, rootfs) : { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
}

/**
 * Named volumes not used before (podman's NeedsChown, the flag the copy-up clears) and still empty are
 * given to the container's user (its process user, as podman: root with --uidmap, the user with keep-id),
 * so that it can write them (the copy-up then gives them the owner of the image's directory, if any).
 */
export async function chownNewVolumes(c: Pick<ContainerConfig, 'userns' | 'user' | 'mounts'>, rootfs: string, source: (m: MountSpec) => Promise<string>, graphRoot: string): Promise<void> {
  const owner = await processUserOnHost(c, rootfs);
  if (!owner) return;
  const { uid, gid } = owner;
  const { getVolume } = await import('../volumes/index.ts');
  for (const m of c.mounts) {
    if (m.type !== 'volume' || !m.name) continue;
    const data = await source(m);
    if ((await getVolume(m.name, graphRoot)).copiedUp || readdirSync(data).length) continue;
    const st = statSync(data);
    if (st.uid !== uid || st.gid !== gid) lchownSync(data, uid, gid);
  }
}

/** Disk owners back to the container's ids (commit): an id outside the mappings is the container's root. */
export function containerIds(u: UsernsConfig): (uid: number, gid: number) => [number, number] {
  const back = (maps: IdMapping[], id: number) => {
    const m = maps.find((x) => id >= x.hostID && id < x.hostID + x.size);
    return m ? m.containerID + id - m.hostID : 0;
  };
  return (uid, gid) => [back(u.uidMappings, uid), back(u.gidMappings, gid)];
}

/** ns:PATH of a process (/proc/PID/ns/user): the mappings it has, which runc 1.1 wants written out. */
function mapsOfPath(path: string): { uid: IdMapping[]; gid: IdMapping[] } | undefined {
  const m = /^\/proc\/(\d+)\/ns\/user$/.exec(path);
  if (!m) return undefined;
  const read = (k: string) => readFileSync(`/proc/${m[1]}/${k}_map`, 'utf8').trim().split('\n').map((l) => {
    const [c, h, s] = l.trim().split(/\s+/).map(Number);
    return { containerID: c, hostID: h, size: s };
  });
  try { return { uid: read('uid'), gid: read('gid') }; } catch { return undefined; }
}

/**
 * The user namespace in the spec: the mappings, and what a namespace that does not own the network
 * namespace (another container's, ns:PATH, the host's) cannot do (mount sysfs, set net.* sysctls): /sys
 * is bound from the host instead, as podman does for a joined network namespace.
 */
export function applyUserns(spec: Spec, u: UsernsConfig | undefined, net: { netnsPath?: string; hostNet: boolean }): void {
  if (!u) return;
  const linux = spec.linux;
  // the network namespace tspod made with its user namespace (createNetnsInUserns): the runtime joins both
  const madeWith = net.netnsPath && !u.path && existsSync(`${net.netnsPath}.user`) ? `${net.netnsPath}.user` : undefined;
  const path = u.path ?? madeWith;
  const ownNetns = !!madeWith || (!net.netnsPath && !net.hostNet);
  linux.namespaces = linux.namespaces.filter((n) => n.type !== 'user');
  linux.namespaces.push(path ? { type: 'user', path } : { type: 'user' });
  if (u.uidMappings.length) linux.uidMappings = u.uidMappings;
  if (u.gidMappings.length) linux.gidMappings = u.gidMappings;
  if (!ownNetns) {
    const mounts = spec.mounts;
    const i = mounts.findIndex((m: Mount) => m.destination === '/sys');
    if (i >= 0 && mounts[i].type === 'sysfs') mounts[i] = { destination: '/sys', type: 'bind', source: '/sys', options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'] };
    // runc sets sysctls from inside the new namespace: EPERM on a network namespace it does not own
    if (linux.sysctl) for (const k of Object.keys(linux.sysctl)) if (k.startsWith('net.')) delete linux.sysctl[k];
  }
  // keep-id's user has its group as a supplementary one too (podman)
  const k = u.keepId, user = spec.process.user;
  if (k && user.uid === k.uid && user.gid === k.gid && !user.additionalGids?.includes(k.gid)) user.additionalGids = [...(user.additionalGids ?? []), k.gid];
  // a devpts gid the namespace does not map cannot be asked for
  const pts = spec.mounts.find((m) => m.destination === '/dev/pts');
  if (pts && u.gidMappings.length && toHost(u.gidMappings, 5) === undefined) pts.options = pts.options?.filter((o) => o !== 'gid=5');
}

/** The mapping as a short stable key (the cache directory of the shifted layers). */
function mapKey(u: UsernsConfig): string {
  const { createHash } = process.getBuiltinModule('node:crypto') as typeof import('node:crypto');
  return createHash('sha256').update(JSON.stringify([u.uidMappings, u.gidMappings])).digest('hex').slice(0, 16);
}

/** Change every owner below dir from image ids to the ids the container's ids are on disk. */
function shiftOwners(dir: string, u: UsernsConfig): void {
  const walk = (p: string) => {
    const st = lstatSync(p);
    const uid = toHost(u.uidMappings, st.uid) ?? st.uid, gid = toHost(u.gidMappings, st.gid) ?? st.gid;
    if (uid !== st.uid || gid !== st.gid) {
      lchownSync(p, uid, gid);
      // chown clears set-id bits
      if (!st.isSymbolicLink() && st.mode & 0o6000) chmodSync(p, st.mode & 0o7777);
    }
    if (st.isDirectory()) for (const n of readdirSync(p)) walk(join(p, n));
  };
  walk(dir);
}

/**
 * The layer dirs (bottom first) with owners shifted for the container's mappings, made once per image
 * layer and mapping under ${graphRoot}/idmapped/KEY/ (a copy first made beside it, then renamed: a
 * concurrent start makes its own and the first rename wins). Mappings that keep every id need none.
 */
export function mappedLayerDirs(layerDirs: string[], u: UsernsConfig | undefined, graphRoot: string): string[] {
  if (!u || !u.uidMappings.length || !u.gidMappings.length) return layerDirs;
  const identity = (maps: IdMapping[]) => maps.length === 1 && maps[0].containerID === maps[0].hostID;
  if (identity(u.uidMappings) && identity(u.gidMappings)) return layerDirs;
  const base = join(graphRoot, 'idmapped', mapKey(u));
  mkdirSync(base, { recursive: true });
  return layerDirs.map((dir) => {
    const name = dir.split('/').slice(-2).join('-');
    const out = join(base, name, 'diff');
    if (existsSync(out)) return out;
    const tmp = join(base, `.${name}.${process.pid}`);
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    const r = spawnSync('cp', ['-a', '--reflink=auto', '--', dir, join(tmp, 'diff')], { encoding: 'utf8' });
    if (r.status !== 0) throw new TspodError('USERNS_LAYER', `copying layer ${dir} for the user namespace: ${(r.stderr || r.error?.message || '').trim()}`);
    shiftOwners(join(tmp, 'diff'), u);
    try { renameSync(tmp, join(base, name)); } catch { rmSync(tmp, { recursive: true, force: true }); }
    return out;
  });
}

/**
 * The container's root runs as another uid than tspod: it must be able to walk to its rootfs and to the
 * files bound in (the runtime mounts them from inside the namespace). Each directory from a path up to
 * the store root it is under gets --x for group and others, as podman's 0711 graphroot.
 */
export function openPaths(paths: string[], roots: string[]): void {
  for (const p of paths) {
    const root = roots.find((r) => p === r || p.startsWith(r.endsWith('/') ? r : r + '/'));
    if (!root) continue;
    for (let d = p; ; d = d.slice(0, d.lastIndexOf('/')) || '/') {
      try {
        const st = statSync(d);
        if (st.isDirectory() && (st.mode & 0o011) !== 0o011) chmodSync(d, (st.mode & 0o7777) | 0o011);
      } catch { /* made later */ }
      if (d === root || d === '/') break;
    }
  }
}

/** Lower dirs for the overlay and what to undo once it is mounted (the overlay holds its own references). */
export interface MappedLayers { dirs: string[]; release(): void }

const SYS_OPEN_TREE = 428, SYS_MOVE_MOUNT = 429, SYS_MOUNT_SETATTR = 442; // the same on every architecture
const AT_FDCWD = -100, AT_EMPTY_PATH = 0x1000, OPEN_TREE_CLONE = 1, OPEN_TREE_CLOEXEC = 0o2000000;
const MOVE_MOUNT_F_EMPTY_PATH = 4, MOUNT_ATTR_IDMAP = 0x100000;

/** A user namespace with the container's mappings, as a file descriptor (a helper process made it; the fd keeps it). */
async function usernsFd(u: UsernsConfig): Promise<number> {
  const { spawn } = await import('node:child_process');
  const { openSync, readlinkSync } = await import('node:fs');
  const child = spawn('unshare', ['--user', 'sleep', '30'], { stdio: 'ignore' });
  try {
    const own = readlinkSync('/proc/self/ns/user');
    for (let i = 0; i < 200; i++) {
      let ns = own;
      try { ns = readlinkSync(`/proc/${child.pid}/ns/user`); } catch { /* not yet */ }
      if (ns !== own) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    const text = (maps: IdMapping[]) => maps.map((m) => `${m.containerID} ${m.hostID} ${m.size}\n`).join('');
    writeFileSync(`/proc/${child.pid}/uid_map`, text(u.uidMappings));
    writeFileSync(`/proc/${child.pid}/gid_map`, text(u.gidMappings));
    return openSync(`/proc/${child.pid}/ns/user`, 'r');
  } finally {
    child.kill('SIGKILL');
  }
}

/**
 * A network namespace owned by a new user namespace with the container's mappings, both bound to files
 * (netPath, userPath). The runtime joins the user namespace first and then the network namespace (at
 * create and at every exec): a network namespace made outside it cannot be joined from inside (EPERM,
 * measured with runc 1.1), nor could sysfs be mounted or net.* sysctls be set there. One helper process
 * (`unshare --user --net`) makes both, this process writes its maps and binds its namespaces.
 */
export async function createNetnsInUserns(netPath: string, userPath: string, u: Pick<UsernsConfig, 'uidMappings' | 'gidMappings'>): Promise<void> {
  const { spawn } = await import('node:child_process');
  const { closeSync, openSync, readlinkSync } = await import('node:fs');
  const { mount, MS_BIND } = await import('../native/libc.ts');
  const child = spawn('unshare', ['--user', '--net', 'sleep', '30'], { stdio: 'ignore' });
  try {
    const own = readlinkSync('/proc/self/ns/net');
    for (let i = 0; ; i++) {
      let ns = own;
      try { ns = readlinkSync(`/proc/${child.pid}/ns/net`); } catch { /* not yet */ }
      if (ns !== own) break;
      if (i >= 400 || child.exitCode !== null) throw new TspodError('USERNS', 'creating the user and network namespaces: unshare did not start');
      await new Promise((r) => setTimeout(r, 5));
    }
    const text = (maps: IdMapping[]) => maps.map((m) => `${m.containerID} ${m.hostID} ${m.size}\n`).join('');
    writeFileSync(`/proc/${child.pid}/uid_map`, text(u.uidMappings));
    writeFileSync(`/proc/${child.pid}/gid_map`, text(u.gidMappings));
    closeSync(openSync(userPath, 'w', 0o644));
    mount(`/proc/${child.pid}/ns/user`, userPath, null, MS_BIND, null);
    mount(`/proc/${child.pid}/ns/net`, netPath, null, MS_BIND, null);
  } finally {
    child.kill('SIGKILL');
  }
}

/**
 * Rootful: each layer dir as an idmapped mount (open_tree + mount_setattr(MOUNT_ATTR_IDMAP) + move_mount,
 * as containers/storage does for root): no copy. Measured here: this works for the layer dirs on the host
 * filesystem rootful; rootless it gives EPERM (and EINVAL on an overlay mount itself), so rootless copies.
 */
async function idmappedLayers(layerDirs: string[], u: UsernsConfig, mountDir: string, linkDir?: string): Promise<MappedLayers> {
  const { createRequire } = await import('node:module');
  const { closeSync } = await import('node:fs');
  const { umount, MNT_DETACH } = await import('../native/libc.ts');
  const koffi = createRequire(import.meta.url)('koffi');
  const syscall = koffi.load('libc.so.6').func('long syscall(long, ...)');
  const errno = () => koffi.errno() as number;
  const fd = await usernsFd(u);
  const mounted: string[] = [];
  const release = () => {
    for (const m of mounted) {
      try { umount(m, MNT_DETACH); } catch { /* gone */ }
      // the overlay holds the layers now: the short link lib/overlay made for the mount point goes too
      if (linkDir) try { rmSync(join(linkDir, readFileSync(join(m, '..', 'link'), 'utf8').trim()), { force: true }); } catch { /* none made */ }
    }
  };
  try {
    const attr = Buffer.alloc(32); // struct mount_attr { u64 attr_set, attr_clr, propagation, userns_fd }
    attr.writeBigUInt64LE(BigInt(MOUNT_ATTR_IDMAP), 0);
    attr.writeBigUInt64LE(BigInt(fd), 24);
    const dirs = layerDirs.map((dir, n) => {
      const target = join(mountDir, String(n), 'diff');
      mkdirSync(target, { recursive: true });
      try { umount(target, MNT_DETACH); } catch { /* not mounted: the usual case */ }
      const tree = Number(syscall(SYS_OPEN_TREE, 'int', AT_FDCWD, 'str', dir, 'uint', OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC));
      if (tree < 0) throw new Error(`open_tree ${dir}: errno ${errno()}`);
      try {
        if (Number(syscall(SYS_MOUNT_SETATTR, 'int', tree, 'str', '', 'uint', AT_EMPTY_PATH, 'void *', attr, 'size_t', 32)) < 0) throw new Error(`mount_setattr ${dir}: errno ${errno()}`);
        if (Number(syscall(SYS_MOVE_MOUNT, 'int', tree, 'str', '', 'int', AT_FDCWD, 'str', target, 'uint', MOVE_MOUNT_F_EMPTY_PATH)) < 0) throw new Error(`move_mount ${target}: errno ${errno()}`);
      } finally { closeSync(tree); }
      mounted.push(target);
      return target;
    });
    return { dirs, release };
  } catch (err) {
    release();
    throw err;
  } finally {
    closeSync(fd);
  }
}

/**
 * The layer dirs (bottom first) the container's overlay is made of: as they are without a mapping of
 * its own; rootful idmapped mounts of them below mountDir (released once the overlay holds them);
 * else (rootless, or where the kernel refuses idmapped mounts) the shifted copies of mappedLayerDirs.
 */
export async function layersFor(layerDirs: string[], u: UsernsConfig | undefined, o: { graphRoot: string; rootless: boolean; mountDir: string; linkDir?: string }): Promise<MappedLayers> {
  const none = { dirs: layerDirs, release() { /* nothing mounted */ } };
  if (!u || !u.uidMappings.length || !u.gidMappings.length) return none;
  const identity = (maps: IdMapping[]) => maps.length === 1 && maps[0].containerID === maps[0].hostID;
  if (identity(u.uidMappings) && identity(u.gidMappings)) return none;
  if (!o.rootless && process.env.TSPOD_USERNS_COPY !== '1') {
    try { return await idmappedLayers(layerDirs, u, o.mountDir, o.linkDir); } catch { /* an older kernel or another filesystem: copies */ }
  }
  return { dirs: mappedLayerDirs(layerDirs, u, o.graphRoot), release: none.release };
}

/**
 * The mounted rootfs before the spec is made: its top directory owned by the container's root (overlay
 * takes it from the upper dir), and keep-id's passwd and group entries, added to the container's own files.
 */
export function prepareRootfs(rootfs: string, u: UsernsConfig | undefined): void {
  if (!u || !u.uidMappings.length) return;
  const root = toHost(u.uidMappings, 0), rootGid = toHost(u.gidMappings, 0);
  const st = statSync(rootfs);
  if (root !== undefined && rootGid !== undefined && (st.uid !== root || st.gid !== rootGid)) lchownSync(rootfs, root, rootGid);
  const k = u.keepId;
  if (!k) return;
  const add = (file: string, has: (f: string[]) => boolean, line: string) => {
    const p = join(rootfs, file);
    let text: string;
    try { text = readFileSync(p, 'utf8'); } catch { return; }
    if (text.split('\n').some((l) => has(l.split(':')))) return;
    writeFileSync(p, (text && !text.endsWith('\n') ? text + '\n' : text) + line + '\n');
  };
  add('etc/passwd', (f) => f[0] === k.name || Number(f[2]) === k.uid, `${k.name}:*:${k.uid}:${k.gid}::/:/bin/sh`);
  add('etc/group', (f) => f[0] === k.group || Number(f[2]) === k.gid, `${k.group}:x:${k.gid}:${k.name}`);
}
