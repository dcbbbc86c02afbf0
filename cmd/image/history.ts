// tspod history / tspod image history (podman-history(1)).
import type { CommandModule } from '../types.ts';
import { humanSize, openImageStore, renderList, table, timeAgo } from './shared.ts';

interface HistoryOptions { image: string; format?: string; human: boolean; noTrunc?: boolean; quiet?: boolean }

const HEADERS: Record<string, string> = {
  ID: 'ID', Created: 'CREATED', CreatedAt: 'CREATED AT', CreatedSince: 'CREATED', CreatedBy: 'CREATED BY', Size: 'SIZE', Comment: 'COMMENT', Tags: 'TAGS',
};

function rfc3339Seconds(iso: string): string {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? '' : new Date(Math.floor(t / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export function historyCommand(): CommandModule<HistoryOptions> {
  return {
    command: 'history <image>',
    describe: 'Show history of a specified image',
    builder: (y) => y
      .positional('image', { type: 'string', describe: 'Image name or ID' })
      .option('format', { type: 'string', describe: 'Change the output to JSON or a Go template' })
      .option('human', { alias: 'H', type: 'boolean', default: true, describe: 'Display sizes and dates in human readable format' })
      .option('no-trunc', { type: 'boolean', describe: 'Do not truncate the output' })
      .option('quiet', { alias: 'q', type: 'boolean', describe: 'Display the numeric IDs only' })
      .example('$0 history --format json alpine', ''),
    handler: async (opts, io) => {
      const store = await openImageStore(opts);
      const { imageHistory } = await import('../../lib/storage/report.ts');
      const rec = await store.lookupImage(opts.image);
      const rows = await imageHistory(store, rec);
      const id = (s: string) => (s === '<missing>' || opts.noTrunc ? s : s.slice(0, 12));
      if (opts.quiet) {
        for (const r of rows) io.stdout.write(id(r.id) + '\n');
        return 0;
      }
      if (opts.format !== undefined && /^\s*(?:json|\{\{\s*json\s*\.\s*\}\})\s*$/.test(opts.format)) {
        const json = rows.map((r) => ({
          id: r.id, created: r.created, CreatedBy: r.createdBy, size: r.size, ...(r.comment ? { comment: r.comment } : {}),
          Created: rfc3339Seconds(r.created),
        }));
        // Go's encoder escapes <, > and & (the "<missing>" IDs)
        io.stdout.write(JSON.stringify(json).replace(/[<>&]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`) + '\n');
        return 0;
      }
      const now = Date.now();
      const created = (c: string) => (opts.human ? timeAgo(c, now) : rfc3339Seconds(c));
      const by = (s: string) => (!opts.noTrunc && s.length > 45 ? s.slice(0, 42) + '...' : s);
      if (opts.format) {
        const trows = rows.map((r) => ({
          ID: id(r.id), Created: created(r.created), CreatedSince: timeAgo(r.created, now), CreatedAt: rfc3339Seconds(r.created),
          CreatedBy: by(r.createdBy), Size: humanSize(r.size), Comment: r.comment, Tags: r.tags,
        }));
        io.stdout.write(await renderList(opts.format, trows, HEADERS, false, 'history'));
        return 0;
      }
      const body = rows.map((r) => [id(r.id), created(r.created), by(r.createdBy), humanSize(r.size), r.comment]);
      io.stdout.write(table([['ID', 'CREATED', 'CREATED BY', 'SIZE', 'COMMENT'], ...body]));
      return 0;
    },
  };
}
