import type { CommandModule, GlobalOptions, Io } from '../types.ts';
import { humanDuration, openEngine } from './shared.ts';
import { TspodError } from '../../lib/errors.ts';
import type { Container } from '../../lib/containers/types.ts';
import type { ContainerEngine } from '../../lib/containers/engine.ts';
import { goSize } from '../../lib/units/index.ts';

interface PsOptions { all?: boolean; quiet?: boolean; latest?: boolean; last?: number; noTrunc?: boolean; filter?: string | string[]; format?: string; size?: boolean; noHeading?: boolean; sort?: string; watch?: number }

const NEVER = -62135596800; // Go's zero time.Time as Unix seconds
const SORT_KEYS = ['command', 'created', 'id', 'image', 'names', 'runningfor', 'size', 'status'];

export function statusText(c: Container, now = Date.now()): string {
  const s = c.state;
  switch (s.status) {
    // podman 4.3 (psReporter.State): "Up 5 seconds ago", and the capitalised state otherwise
    // and the health check's status, when it has one: "Up 5 seconds ago (healthy)"
    case 'running': return `Up ${humanDuration(now - Date.parse(s.startedAt))} ago${s.health?.Status ? ` (${s.health.Status})` : ''}`;
    case 'paused': return 'Paused';
    case 'initialized': return 'Initialized';
    case 'stopping': return 'Stopping';
    case 'exited': return `Exited (${s.exitCode}) ${humanDuration(now - Date.parse(s.finishedAt))} ago`;
    default: return s.startedAt ? `Exited (${s.exitCode}) ${humanDuration(now - Date.parse(s.finishedAt || s.startedAt))} ago` : 'Created';
  }
}

function portsText(c: Container): string {
  return c.config.ports.map((p) => `${p.hostIp || '0.0.0.0'}:${p.hostPort}->${p.containerPort}/${p.protocol}`).join(', ');
}

/** The networks podman lists: the bridge (default rootful) or named networks; none for the other modes. */
function networksOf(c: Container): string[] {
  const n = c.config.network;
  if (n === '' || n === 'private') return c.config.rootless ? [] : ['podman'];
  if (n === 'bridge') return ['podman'];
  if (/^(none|host|slirp4netns|pasta|ns:|container:)/.test(n)) return [];
  return n.split(',');
}

/** json-iterator's MarshalIndent as podman 4.3 ps uses it: two spaces, and an empty object opened on its own line. */
function podmanJson(v: unknown): string {
  return JSON.stringify(v, null, 2).replace(/^( *)(.*)\{\}(,?)$/gm, (_, ind: string, pre: string, comma: string) => `${ind}${pre}{\n${ind}  \n${ind}}${comma}`);
}

/** The record podman's ps --format json prints (entities.ListContainer, field order kept). */
export function psRow(c: Container, now = Date.now()) {
  const cfg = c.config, s = c.state;
  const created = Date.parse(cfg.created);
  return {
    AutoRemove: cfg.autoRemove, Command: cfg.command, CreatedAt: `${humanDuration(now - created)} ago`,
    Exited: s.status === 'exited', ExitedAt: s.finishedAt ? Math.floor(Date.parse(s.finishedAt) / 1000) : NEVER,
    ExitCode: s.exitCode, Id: cfg.id, Image: cfg.imageName, ImageID: cfg.imageId, IsInfra: false,
    Labels: Object.keys(cfg.labels).length ? cfg.labels : null, Mounts: cfg.mounts.map((m) => m.destination), Names: cfg.names,
    Namespaces: {}, Networks: networksOf(c), Pid: s.pid, Pod: '', PodName: '',
    Ports: cfg.ports.length ? cfg.ports.map((p) => ({ host_ip: p.hostIp ?? '', container_port: p.containerPort, host_port: p.hostPort, range: 1, protocol: p.protocol })) : null,
    Size: null as { rootFsSize: number; rwSize: number } | null,
    StartedAt: s.startedAt ? Math.floor(Date.parse(s.startedAt) / 1000) : NEVER,
    State: s.status === 'stopping' ? 'stopping' : s.status === 'created' && s.startedAt ? 'exited' : s.status,
    Status: statusText(c, now), Created: Math.floor(created / 1000),
  };
}

export function matchFilter(c: Container, f: string): boolean {
  const i = f.indexOf('=');
  if (i < 0) throw new TspodError('USAGE', `invalid filter "${f}": filters must be KEY=VALUE`);
  const key = f.slice(0, i), val = f.slice(i + 1);
  const row = psRow(c);
  switch (key) {
    case 'status': return row.State === val || (val === 'exited' && row.State === 'exited');
    case 'name': return c.config.names.some((n) => new RegExp(val).test(n));
    case 'id': return c.config.id.startsWith(val);
    case 'label': {
      const j = val.indexOf('=');
      return j < 0 ? val in c.config.labels : c.config.labels[val.slice(0, j)] === val.slice(j + 1);
    }
    case 'ancestor': return c.config.imageName === val || c.config.imageId.startsWith(val) || c.config.imageName.startsWith(`${val}:`) || c.config.imageName.endsWith(`/${val}`) || c.config.imageName.endsWith(`/${val}:latest`);
    case 'exited': return row.State === 'exited' && c.state.exitCode === Number(val);
    case 'health': return (c.state.health?.Status || 'none') === val;
    case 'before': case 'since': return true; // handled in the handler: they need the other container
    default: throw new TspodError('USAGE', `invalid filter "${key}"`);
  }
}

/** podman's tabwriter (min width 12, padding 2) without loading it. */
function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(12, ...rows.map((r) => r[i].length + 2)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('').trimEnd() + '\n').join('');
}

/** The fields podman's ps templates see (psReporter): truncated ID/command, Go times, joined names. */
function templateRow(c: Container, now: number, o: PsOptions, size: string, namespaces: object) {
  const cfg = c.config;
  const created = new Date(cfg.created);
  const ago = `${humanDuration(now - created.getTime())} ago`;
  const command = cfg.command.join(' ');
  const status = statusText(c, now);
  return {
    ...psRow(c, now),
    ID: o.noTrunc ? cfg.id : cfg.id.slice(0, 12), ImageID: o.noTrunc ? cfg.imageId : cfg.imageId.slice(0, 12),
    Command: !o.noTrunc && command.length > 17 ? `${command.slice(0, 17)}...` : command,
    Created: created, CreatedAt: created, CreatedHuman: ago, RunningFor: ago,
    Names: cfg.names.join(','), Networks: networksOf(c).join(','), Ports: portsText(c),
    Labels: cfg.labels, // a Go map: podman prints map[k:v]
    Label: (k: string) => cfg.labels[k] ?? '',
    Namespaces: namespaces,
    State: status, Status: status, Size: size,
  };
}

/** podman's --sort: a stable sort of the rows, which come oldest first (created). */
function sortRows(list: Container[], key: string, size?: Map<string, { rootFsSize: number; rwSize: number }>): Container[] {
  const now = Date.now();
  const by: Record<string, (c: Container) => string | number> = {
    command: (c) => c.config.command.join(' '), id: (c) => c.config.id, image: (c) => c.config.imageName,
    names: (c) => c.config.names[0], status: (c) => statusText(c, now), size: (c) => size?.get(c.config.id)?.rootFsSize ?? 0,
    runningfor: (c) => (c.state.startedAt ? Date.parse(c.state.startedAt) : -Infinity),
  };
  const f = by[key];
  if (!f) return list;
  return list.map((c) => [f(c), c] as const).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map((x) => x[1]);
}

/** go-units HumanSizeWithPrecision(n, 3): decimal units, as podman prints sizes. */
export const humanSize = (n: number): string => goSize(n, { precision: 3 });

/** Bytes below dir (files and links, not following them); 0 when missing. */
function dirSize(dir: string, fs: typeof import('node:fs')): number {
  let total = 0;
  let names: string[];
  try { names = fs.readdirSync(dir); } catch { return 0; }
  for (const n of names) {
    const p = `${dir}/${n}`;
    let st;
    try { st = fs.lstatSync(p); } catch { continue; }
    total += st.isDirectory() ? dirSize(p, fs) : st.size;
  }
  return total;
}

/** podman ps --size: the container's own changes (rw) and with the image (rootfs). */
async function sizes(engine: ContainerEngine, list: Container[]): Promise<Map<string, { rootFsSize: number; rwSize: number }>> {
  const fs = await import('node:fs');
  const images = await engine.images() as unknown as { listImages?(): Promise<{ id: string; size: number }[]> };
  const imageSize = new Map((await images.listImages?.() ?? []).map((i) => [i.id, i.size]));
  const out = new Map<string, { rootFsSize: number; rwSize: number }>();
  for (const c of list) {
    const rw = dirSize(engine.upperDir(c.config.id), fs);
    out.set(c.config.id, { rwSize: rw, rootFsSize: rw + (imageSize.get(c.config.imageId) ?? 0) });
  }
  return out;
}

export async function printPs(list: Container[], o: PsOptions, io: Io, size?: Map<string, { rootFsSize: number; rwSize: number }>): Promise<void> {
  const now = Date.now();
  const sizeOf = (c: Container) => size?.get(c.config.id) ?? null;
  const sizeText = (c: Container) => { const z = sizeOf(c); return z ? `${humanSize(z.rwSize)} (virtual ${humanSize(z.rootFsSize)})` : ''; };
  if (o.quiet) {
    io.stdout.write(list.map((c) => (o.noTrunc ? c.config.id : c.config.id.slice(0, 12)) + '\n').join(''));
    return;
  }
  const { isJsonFormat, formatList } = await import('../shared/format.ts');
  if (isJsonFormat(o.format)) {
    io.stdout.write(podmanJson(list.map((c) => ({ ...psRow(c, now), Size: sizeOf(c) }))) + '\n');
    return;
  }
  if (o.format && !/^\s*table\s*$/.test(o.format)) {
    if (!size && /\.Size\b/.test(o.format)) io.stderr.write('ERRO[0000] Size format requires --size option\n');
    const { asStruct } = await import('../../lib/template/index.ts');
    const namespaces = asStruct({ Cgroup: '', IPC: '', MNT: '', NET: '', PIDNS: '', UTS: '', User: '' }, 'entities.ListContainerNamespaces');
    const rows = list.map((c) => templateRow(c, now, o, sizeText(c), namespaces));
    const headers = { ID: 'CONTAINER ID', CreatedHuman: 'CREATED', Pod: 'POD ID', PodName: 'PODNAME' };
    io.stdout.write(await formatList(o.format, rows, '', { headers, noHeading: o.noHeading, name: 'ps' }));
    return;
  }
  const rows = [['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'PORTS', 'NAMES', ...(size ? ['SIZE'] : [])]];
  for (const c of list) {
    // the columns only, not psRow's whole record: this loop is most of `ps -a` with many containers
    let cmd = c.config.command.join(' ');
    if (!o.noTrunc && cmd.length > 17) cmd = cmd.slice(0, 17) + '...';
    const created = `${humanDuration(now - Date.parse(c.config.created))} ago`;
    rows.push([o.noTrunc ? c.config.id : c.config.id.slice(0, 12), c.config.imageName, cmd, created, statusText(c, now), portsText(c), c.config.names.join(','), ...(size ? [sizeText(c)] : [])]);
  }
  if (o.noHeading) rows.shift();
  if (rows.length) io.stdout.write(table(rows));
}

export function psCommand(): CommandModule<PsOptions> {
  return {
    command: 'ps',
    aliases: ['ls', 'list'],
    describe: 'List containers',
    builder: (y) => y
      .option('all', { alias: 'a', type: 'boolean', describe: 'Show all the containers, default is only running containers' })
      .option('quiet', { alias: 'q', type: 'boolean', describe: 'Print the numeric IDs of the containers only' })
      .option('latest', { alias: 'l', type: 'boolean', describe: 'Act on the latest container podman is aware of' })
      .option('last', { alias: 'n', type: 'number', describe: 'Print the n last created containers (all states)' })
      .option('no-trunc', { type: 'boolean', describe: 'Display the extended information' })
      .option('no-heading', { alias: 'noheading', type: 'boolean', describe: 'Do not print headers' })
      .option('watch', { alias: 'w', type: 'number', describe: 'Watch the ps output on an interval in seconds' })
      .option('sort', { type: 'string', default: 'created', describe: 'Sort output by: command, created, id, image, names, runningfor, size, status' })
      .option('size', { alias: 's', type: 'boolean', describe: 'Display the total file sizes' })
      .option('filter', { alias: 'f', type: 'string', describe: 'Filter output based on conditions given' })
      .option('format', { type: 'string', describe: 'Pretty-print containers to JSON or using a Go template' }),
    handler: async (o, io) => {
      if (o.sort !== undefined && !SORT_KEYS.includes(o.sort)) {
        throw new TspodError('USAGE', `invalid argument "${o.sort}" for "--sort" flag: "${o.sort}" is not a valid value.  Choose from: "${SORT_KEYS.join(', ')}"`);
      }
      // the store and the state only: the engine (runtime, overlay, network code) just for --size
      const { openContainerStore, listContainers, inspectContainer } = await import('../../lib/containers/state.ts');
      const store = openContainerStore(o);
      // --watch N: a new listing every N seconds until SIGINT/SIGTERM, as podman
      const watch = o.watch && o.watch > 0 ? o.watch : 0;
      let stopped = false;
      let wake = () => {};
      const onSignal = () => { stopped = true; wake(); };
      if (watch) { process.on('SIGINT', onSignal); process.on('SIGTERM', onSignal); }
      try {
        for (;;) {
          let list = await listContainers(store);
          // newest first to pick -l/-n and to judge before=/since=; printed oldest first, as podman sorts by created
          const created = new Map(list.map((c) => [c, Date.parse(c.config.created)]));
          list.sort((a, b) => created.get(b)! - created.get(a)!);
          const filters = ([] as string[]).concat(o.filter ?? []);
          if (!o.all && !o.latest && o.last === undefined && !filters.some((f) => f.startsWith('status=') || f.startsWith('exited='))) {
            list = list.filter((c) => c.state.status === 'running'); // podman lists a paused one with -a only
          }
          // filters of the same key are ORed, different keys ANDed (podman)
          const byKey = new Map<string, string[]>();
          for (const f of filters) byKey.set(f.split('=')[0], [...(byKey.get(f.split('=')[0]) ?? []), f]);
          for (const fs of byKey.values()) list = list.filter((c) => fs.some((f) => matchFilter(c, f)));
          for (const f of filters) {
            const [key, val] = [f.slice(0, f.indexOf('=')), f.slice(f.indexOf('=') + 1)];
            if (key !== 'before' && key !== 'since') continue;
            const ref = (await inspectContainer(store, val)).config.created;
            list = list.filter((c) => key === 'before' ? Date.parse(c.config.created) < Date.parse(ref) : Date.parse(c.config.created) > Date.parse(ref));
          }
          if (o.latest) list = list.slice(0, 1);
          if (o.last !== undefined && o.last >= 0) list = list.slice(0, o.last);
          list.reverse();
          const size = o.size && !o.quiet ? await sizes(await openEngine(o), list) : undefined;
          if (watch && io.stdout.isTTY) io.stdout.write('\x1b[2J\x1b[1;1H');
          await printPs(o.sort ? sortRows(list, o.sort, size) : list, o, io, size);
          if (!watch || stopped) break;
          await new Promise<void>((r) => { const t = setTimeout(r, watch * 1000); wake = () => { clearTimeout(t); r(); }; });
          if (stopped) break;
        }
      } finally {
        if (watch) { process.off('SIGINT', onSignal); process.off('SIGTERM', onSignal); }
      }
      return 0;
    },
  };
}
