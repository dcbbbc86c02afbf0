// tspod system prune (podman-system-prune(1)): stopped containers, unused networks, dangling images
// (-a: every image no container uses) and with --volumes unused volumes, in rounds until a round
// removes nothing, as podman 4.3. The work is the one of container/image/network/volume prune; the
// reclaimed space counts the containers' changes, the images' sizes and the volumes' data.
import type { CommandModule } from '../types.ts';
import type { Container } from '../../lib/containers/types.ts';
import { TspodError } from '../../lib/errors.ts';
import { confirm } from '../shared/confirm.ts';
import { goDurationNs } from '../../lib/units/index.ts';

interface PruneOptions { all?: boolean; force?: boolean; volumes?: boolean; filter?: string[] }

function warning(o: PruneOptions): string {
  const vol = o.volumes ? '\n\t- all volumes not used by at least one container' : '';
  const images = o.all ? '\t- all images without at least one container associated with them\n\t- all build cache' : '\t- all dangling images\n\t- all dangling build cache';
  return `WARNING! This command removes:\n\t- all stopped containers\n\t- all networks not used by at least one container${vol}\n${images}\n\nAre you sure you want to continue? [y/N] `;
}

/** until= as podman reads it: unix seconds, a time, or a Go duration before now. Returns ms since the epoch. */
export function parseUntil(v: string): number {
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  const ns = goDurationNs(v);
  if (ns !== undefined) return Date.now() - ns / 1e6;
  const t = /^\d{4}-\d\d-\d\d/.test(v) ? Date.parse(v) : NaN;
  if (Number.isNaN(t)) throw new TspodError('INVALID_FILTER', `failed to parse value as time or duration: "${v}"`);
  return t;
}

interface Filters {
  labels: string[];
  notLabels: string[];
  /** ms since the epoch */
  until?: number;
}

/** podman's system prune filters: label, label! and until (what container prune takes). */
function parseFilters(list: string[], volumes: boolean): Filters {
  const f: Filters = { labels: [], notLabels: [] };
  for (const s of list) {
    const i = s.indexOf('=');
    if (i < 0) throw new TspodError('INVALID_FILTER', `filter input must be in the form of filter=value: ${s} is invalid`);
    const key = s.slice(0, i), value = s.slice(i + 1);
    if (key === 'label') f.labels.push(value);
    else if (key === 'label!') {
      if (volumes) throw new TspodError('INVALID_FILTER', '"label!" is an invalid volume filter');
      f.notLabels.push(value);
    } else if (key === 'until') f.until = parseUntil(value);
    else throw new TspodError('INVALID_FILTER', `${key} is an invalid filter`);
  }
  return f;
}

function hasLabel(labels: Record<string, string>, spec: string): boolean {
  const j = spec.indexOf('=');
  return j < 0 ? Object.hasOwn(labels, spec) : labels[spec.slice(0, j)] === spec.slice(j + 1);
}

export function systemPruneCommand(): CommandModule<PruneOptions> {
  return {
    command: 'prune',
    describe: 'Remove unused data',
    builder: (y) => y
      .option('all', { alias: 'a', type: 'boolean', describe: 'Remove all unused data' })
      .option('filter', { type: 'string', array: true, nargs: 1, describe: "Provide filter values (e.g. 'label=<key>=<value>')" })
      .option('force', { alias: 'f', type: 'boolean', describe: 'Do not prompt for confirmation.  The default is false' })
      .option('volumes', { type: 'boolean', describe: 'Prune volumes' })
      .example('$0 system prune', '')
      .example('$0 system prune -a -f --volumes', ''),
    handler: async (o, io) => {
      if (!o.force && !(await confirm(io, warning(o)))) return 0;
      const f = parseFilters(o.filter ?? [], !!o.volumes);
      // the other prunes get the same filters, with until as unix seconds (each parses those)
      const passOn = [...f.labels.map((l) => `label=${l}`), ...(f.until !== undefined ? [`until=${Math.floor(f.until / 1000)}`] : [])];

      const { openEngine } = await import('../container/shared.ts');
      const { openImageStore } = await import('../image/shared.ts');
      const { storagePaths } = await import('../../lib/config/paths.ts');
      const { pruneContainers } = await import('../container/prune.ts');
      const { pruneNetworks } = await import('../network/prune.ts');
      const { pruneImages } = await import('../../lib/storage/prune.ts');
      const { pruneCandidates, pruneVolumes, parseFilters: volumeFilters, volumeDataDir } = await import('../../lib/volumes/index.ts');
      const { treeSize, goHumanSize } = await import('../../lib/storage/usage.ts');
      const engine = await openEngine(o);
      const store = await openImageStore(o);
      const graphRoot = storagePaths(o).graphRoot;

      const containerMatch = (c: Container) => f.labels.every((l) => hasLabel(c.config.labels, l))
        && !f.notLabels.some((l) => hasLabel(c.config.labels, l))
        && (f.until === undefined || Date.parse(c.config.created) < f.until);
      const imageMatch = async (id: string) => {
        if (!f.notLabels.length) return true;
        const labels = (await store.imageConfig(id).catch(() => undefined))?.config?.Labels ?? {};
        return !f.notLabels.some((l) => hasLabel(labels, l));
      };
      const containerIds: string[] = [], volumeNames: string[] = [], imageIds: string[] = [], networks: string[] = [];
      const errors: Error[] = [];
      let reclaimed = 0;
      for (let found = true; found;) {
        found = false;
        // sizes before removal: the changes of each stopped container
        const sizes = new Map((await engine.list()).filter((c) => c.state.status !== 'running').map((c) => [c.config.id, treeSize(engine.upperDir(c.config.id))]));
        await pruneContainers(engine, containerMatch, (c) => {
          containerIds.push(c.config.id);
          reclaimed += sizes.get(c.config.id) ?? 0;
        }, (err) => errors.push(err));
        const imgs = await pruneImages(store, {
          all: o.all, filters: passOn, match: (rec) => imageMatch(rec.id),
          onRemoved: (rec, size) => { imageIds.push(rec.id); reclaimed += size; found = true; },
        });
        errors.push(...imgs.errors);
        await pruneNetworks(graphRoot, [...passOn, ...f.notLabels.map((l) => `label!=${l}`)], (name) => { networks.push(name); found = true; });
        if (o.volumes) {
          const filters = volumeFilters(passOn);
          const volSizes = new Map((await pruneCandidates({ graphRoot, filters })).map((v) => [v.name, treeSize(volumeDataDir(graphRoot, v.name))]));
          for (const name of await pruneVolumes({ graphRoot, filters })) {
            volumeNames.push(name);
            reclaimed += volSizes.get(name) ?? 0;
            found = true;
          }
        }
        if (errors.length) break;
      }
      const section = (title: string, items: string[]) => (items.length ? `${title}\n${items.map((i) => `${i}\n`).join('')}` : '');
      // podman lists containers and volumes in its database's order: by ID, by name
      io.stdout.write(section('Deleted Containers', containerIds.sort()) + section('Deleted Volumes', volumeNames.sort())
        + section('Deleted Images', imageIds) + section('Deleted Networks', networks));
      if (errors.length) {
        for (const e of errors.slice(0, -1)) io.stderr.write(`Error: ${e.message}\n`);
        throw errors[errors.length - 1];
      }
      io.stdout.write(`Total reclaimed space: ${goHumanSize(reclaimed)}\n`);
      return 0;
    },
  };
}
