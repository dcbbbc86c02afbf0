// tspod images / tspod image ls|list (podman-images(1)).
import type { CommandModule } from '../types.ts';
import { TspodError } from '../../lib/errors.ts';
import { goTime, humanSize, openImageStore, renderList, table, timeAgo } from './shared.ts';

interface ListOptions {
  image?: string;
  all?: boolean;
  digests?: boolean;
  filter?: string | string[];
  format?: string;
  history?: boolean;
  noTrunc?: boolean;
  noheading?: boolean;
  quiet?: boolean;
  sort: string;
}

const HEADERS: Record<string, string> = {
  ID: 'IMAGE ID', Id: 'IMAGE ID', Repository: 'REPOSITORY', Tag: 'TAG', Digest: 'DIGEST', Created: 'CREATED', CreatedAt: 'CREATED AT',
  CreatedSince: 'CREATED', Size: 'SIZE', VirtualSize: 'VIRTUAL SIZE', SharedSize: 'SHARED SIZE', Containers: 'CONTAINERS',
  History: 'HISTORY', Names: 'NAMES', ReadOnly: 'READONLY', Dangling: 'DANGLING', Labels: 'LABELS', ParentId: 'PARENT ID',
};

const SORTS = ['created', 'id', 'repository', 'size', 'tag'];

export function listCommand(name = 'ls'): CommandModule<ListOptions> {
  return {
    command: `${name} [image]`,
    aliases: name === 'ls' ? ['list'] : [],
    describe: 'List images in local storage',
    builder: (y) => y
      .positional('image', { type: 'string', describe: 'Show only images matching this reference' })
      .option('all', { alias: 'a', type: 'boolean', describe: 'Show all images (default hides intermediate images)' })
      .option('digests', { type: 'boolean', describe: 'Show digests' })
      .option('filter', { alias: 'f', type: 'string', describe: 'Filter output based on conditions provided (repeatable)' })
      .option('format', { type: 'string', describe: 'Change the output format to JSON or a Go template' })
      .option('history', { type: 'boolean', describe: 'Display the image name history' })
      .option('no-trunc', { type: 'boolean', describe: 'Do not truncate output' })
      .option('noheading', { alias: 'n', type: 'boolean', describe: 'Do not print column headings' })
      .option('quiet', { alias: 'q', type: 'boolean', describe: 'Display only image IDs' })
      .option('sort', { type: 'string', default: 'created', describe: 'Sort by created, id, repository, size, tag' })
      .example('$0 images --format json', '')
      .example('$0 images --filter dangling=true', ''),
    handler: async (opts, io) => {
      if (!SORTS.includes(opts.sort)) throw new TspodError('USAGE', `"${opts.sort}" is not a valid option for --sort; valid: ${SORTS.join(', ')}`);
      const store = await openImageStore(opts);
      const { compileFilters, imageSize, repoDigests, repoTag } = await import('../../lib/storage/report.ts');
      let images = await store.listImages();
      const filters = ([] as string[]).concat(opts.filter ?? []);
      if (opts.image) filters.push(`reference=${opts.image}`);
      const usage = store.containerUsage();
      const containersOf = (id: string) => usage.get(id)?.length ?? 0;
      const match = filters.length ? await compileFilters(filters, { store, images, containersOf, config: (id) => store.imageConfig(id) }) : async () => true;
      const { imagesWithChildren, isIntermediate } = await import('../../lib/storage/report.ts');
      // without -a, intermediate images (no names, but children) are hidden; only read configs when one may exist
      const parents = opts.all || images.every((r) => r.names.length) ? new Set<string>() : await imagesWithChildren(images, (id) => store.imageConfig(id));
      const kept = [];
      for (const r of images) if ((opts.all || !isIntermediate(r, parents)) && (await match(r))) kept.push(r);
      images = kept;
      const now = Date.now();
      const rows = images.flatMap((r) => {
        const size = imageSize(store, r);
        const named = r.names.map((n) => repoTag(n));
        // as podman: a NAME@DIGEST row ("<none>" tag) only when the image has no tagged name
        const tagged = named.filter((n) => n.tag !== '<none>');
        const shown = tagged.length ? tagged : named.length ? [named[0]] : [{ repository: '<none>', tag: '<none>' }];
        return shown.map(({ repository, tag }) => ({ rec: r, repository, tag, size, containers: containersOf(r.id) }));
      });
      const cmp: Record<string, (a: typeof rows[0], b: typeof rows[0]) => number> = {
        created: (a, b) => Date.parse(b.rec.created) - Date.parse(a.rec.created),
        id: (a, b) => (a.rec.id < b.rec.id ? -1 : a.rec.id > b.rec.id ? 1 : 0),
        repository: (a, b) => (a.repository < b.repository ? -1 : a.repository > b.repository ? 1 : 0),
        size: (a, b) => a.size - b.size,
        tag: (a, b) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0),
      };
      rows.sort(cmp[opts.sort]);
      const id = (r: { id: string }) => (opts.noTrunc ? `sha256:${r.id}` : r.id.slice(0, 12));
      if (opts.quiet) {
        const seen = new Set<string>();
        for (const row of rows) if (!seen.has(row.rec.id)) { seen.add(row.rec.id); io.stdout.write(id(row.rec) + '\n'); }
        return 0;
      }
      if (opts.format !== undefined && /^\s*(?:json|\{\{\s*json\s*\.\s*\}\})\s*$/.test(opts.format)) {
        const out = rows.map((row) => {
          const r = row.rec;
          return {
            Id: r.id, ParentId: '', RepoTags: null, RepoDigests: repoDigests(r), Size: row.size, SharedSize: 0, VirtualSize: row.size,
            Labels: null as Record<string, string> | null, Containers: row.containers, Names: r.names.length ? r.names : undefined,
            Digest: r.digest, History: r.namesHistory.length ? r.namesHistory : undefined,
            Created: Math.floor(Date.parse(r.created) / 1000), CreatedAt: new Date(Math.floor(Date.parse(r.created) / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
          };
        });
        for (const o of out) o.Labels = (await store.imageConfig(o.Id)).config?.Labels ?? null;
        io.stdout.write(JSON.stringify(out, null, 4) + '\n');
        return 0;
      }
      if (opts.format) {
        const trows = [];
        for (const row of rows) {
          const r = row.rec;
          trows.push({
            ID: id(r), Id: id(r), Repository: row.repository, Tag: row.tag, Digest: r.digest,
            Created: timeAgo(r.created, now), CreatedSince: timeAgo(r.created, now), CreatedAt: goTime(r.created),
            Size: humanSize(row.size), VirtualSize: humanSize(row.size), SharedSize: humanSize(0), Containers: row.containers,
            Dangling: r.names.length === 0, ReadOnly: false, History: r.namesHistory.join(', '), Names: r.names,
            Labels: (await store.imageConfig(r.id)).config?.Labels ?? {}, ParentId: '', RepoDigests: repoDigests(r),
          });
        }
        io.stdout.write(await renderList(opts.format, trows, HEADERS, !!opts.noheading));
        return 0;
      }
      const header = ['REPOSITORY', 'TAG', ...(opts.digests ? ['DIGEST'] : []), 'IMAGE ID', 'CREATED', 'SIZE', ...(opts.history ? ['HISTORY'] : [])];
      const body = rows.map((row) => [
        row.repository, row.tag, ...(opts.digests ? [row.rec.digest] : []), id(row.rec), timeAgo(row.rec.created, now), humanSize(row.size),
        ...(opts.history ? [row.rec.namesHistory.join(', ') || '<none>'] : []),
      ]);
      io.stdout.write(table(opts.noheading ? body : [header, ...body]));
      return 0;
    },
  };
}
