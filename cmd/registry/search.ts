// tspod search: podman-search(1). A term with a registry ("host:5000/busy", "host:5000/") lists the
// registry's /v2/_catalog and keeps the repositories containing the rest; a bare term searches
// each unqualified-search registry (docker.io through its v1 search API). --list-tags lists the
// tags of one repository instead.
import type { CommandModule, GlobalOptions, Io } from '../types.ts';
import { TspodError } from '../../lib/errors.ts';
import type { SystemContext } from '../../lib/transports/types.ts';
import { authfileOption, isInsecure, registryContext, tlsOptions, type AuthFileOptions, type TlsOptions } from './shared.ts';

export interface SearchOptions extends AuthFileOptions, TlsOptions {
  term: string;
  limit?: number;
  format?: string;
  noTrunc?: boolean;
  listTags?: boolean;
  filter?: string[];
  compatible?: boolean;
  creds?: string;
}

export interface SearchResult {
  Index: string;
  Name: string;
  Description: string;
  Stars: number;
  Official: string;
  Automated: string;
  Tag: string;
}

const DESCRIPTION_WIDTH = 44;

/** "host:5000/a/b" -> registry + query; a first part without '.', ':' or "localhost" is no registry. */
export function splitSearchTerm(term: string): { registry?: string; query: string } {
  const i = term.indexOf('/');
  if (i < 0) return { query: term };
  const first = term.slice(0, i);
  if (first.includes('.') || first.includes(':') || first === 'localhost') return { registry: first, query: term.slice(i + 1) };
  return { query: term };
}

interface Filter { stars: number; official?: boolean; automated?: boolean }

function parseFilters(filters: string[] = []): Filter {
  const f: Filter = { stars: 0 };
  for (const raw of filters.flatMap((x) => x.split(','))) {
    const [k, v = ''] = raw.split('=');
    const bool = () => {
      if (v !== 'true' && v !== 'false') throw new TspodError('INVALID_ARGUMENT', `invalid filter "${raw}", should be true or false`);
      return v === 'true';
    };
    if (k === 'stars') {
      if (!/^\d+$/.test(v)) throw new TspodError('INVALID_ARGUMENT', `incorrect value type for stars filter: "${v}"`);
      f.stars = Number(v);
    } else if (k === 'is-official') f.official = bool();
    else if (k === 'is-automated') f.automated = bool();
    else throw new TspodError('INVALID_ARGUMENT', `invalid filter type "${k}"`);
  }
  return f;
}

async function client(registry: string, ctx: SystemContext) {
  const { RegistryClient } = await import('../../lib/registry/client.ts');
  return new RegistryClient({ registry, insecure: await isInsecure(registry, ctx), ctx });
}

async function searchRegistry(registry: string, query: string, limit: number, ctx: SystemContext): Promise<SearchResult[]> {
  const c = await client(registry, ctx);
  try {
    const row = (name: string, o: Partial<SearchResult> = {}): SearchResult =>
      ({ Index: registry, Name: name, Description: '', Stars: 0, Official: '', Automated: '', Tag: '', ...o });
    if (registry === 'docker.io') {
      const { RegistryClient } = await import('../../lib/registry/client.ts');
      const index = new RegistryClient({ registry: 'index.docker.io', ctx });
      try {
        const hits = await index.searchIndex(query, limit);
        return hits.map((h) => row(`docker.io/${h.name.includes('/') ? h.name : `library/${h.name}`}`, {
          Description: h.description ?? '', Stars: h.star_count ?? 0, Official: h.is_official ? '[OK]' : '', Automated: h.is_automated ? '[OK]' : '',
        }));
      } finally {
        await index.close();
      }
    }
    const repos = await c.catalog();
    return repos.filter((r) => r.includes(query)).slice(0, limit).map((r) => row(`${registry}/${r}`));
  } finally {
    await c.close();
  }
}

export function searchCommand(): CommandModule<SearchOptions> {
  return {
    command: 'search <term>',
    describe: 'Search registry for image',
    builder: (y) =>
      tlsOptions(authfileOption(y))
        .positional('term', { type: 'string', describe: 'search term, optionally prefixed with a registry (host:port/term, host:port/)' })
        .option('limit', { type: 'number', describe: 'Limit the number of results' })
        .option('format', { type: 'string', describe: 'Change the output format to JSON or a Go template' })
        .option('no-trunc', { type: 'boolean', describe: 'Do not truncate the output' })
        .option('list-tags', { type: 'boolean', describe: 'List the tags of the input registry' })
        .option('filter', { alias: 'f', type: 'string', array: true, describe: 'Filter output based on conditions provided (stars=N, is-official, is-automated)' })
        .option('compatible', { type: 'boolean', describe: 'List stars, official and automated columns (Docker compatibility)' })
        .option('creds', { type: 'string', describe: 'Credentials (USERNAME:PASSWORD) to use for authenticating to a registry' })
        .example('$0 search --limit 3 127.0.0.1:5000/busy', '')
        .example('$0 search 127.0.0.1:5000/', '')
        .example('$0 search --list-tags 127.0.0.1:5000/busybox', '')
        .example('$0 search --format "table {{.Index}} {{.Name}}" registry.fedoraproject.org/fedora', ''),
    handler: async (opts, io) => search(opts, io),
  };
}

async function search(opts: SearchOptions & GlobalOptions, io: Io): Promise<number> {
  const ctx = registryContext(opts, io);
  if (opts.limit !== undefined && (!Number.isInteger(opts.limit) || opts.limit < 0)) throw new TspodError('INVALID_ARGUMENT', `invalid --limit ${opts.limit}`);
  const filter = parseFilters(opts.filter);
  const { formatList } = await import('../shared/format.ts');
  const { registry, query } = splitSearchTerm(opts.term);

  if (opts.listTags) {
    if (opts.filter?.length) throw new TspodError('INVALID_ARGUMENT', 'filters are not applicable to list tags result');
    if (!registry || !query) throw new TspodError('INVALID_ARGUMENT', `reference "${query}" must be a docker reference`);
    const c = await client(registry, ctx);
    let tags: string[];
    try {
      tags = await c.listTags(query);
    } catch (err) {
      throw new TspodError((err as TspodError).code ?? 'REGISTRY', `getting repository tags: ${(err as Error).message}`, { cause: err, hint: (err as TspodError).hint });
    } finally {
      await c.close();
    }
    if (opts.limit) tags = tags.slice(0, opts.limit);
    const name = `${registry}/${query}`;
    if (opts.format && /^\s*(json|\{\{\s*json\s*\.?\s*\}\})\s*$/.test(opts.format)) {
      const { goJson } = await import('../../lib/template/index.ts');
      io.stdout.write(goJson([{ Name: name, Tags: tags }], '    ') + '\n');
      return 0;
    }
    if (!tags.length) return 0;
    io.stdout.write(await formatList(opts.format, tags.map((t) => ({ Name: name, Tag: t })), 'table {{.Name}}\t{{.Tag}}', { name: 'search' }));
    return 0;
  }

  let registries: string[];
  if (registry) registries = [registry];
  else {
    const { unqualifiedSearchRegistries } = await import('../../lib/config/registries.ts');
    registries = unqualifiedSearchRegistries(ctx);
    if (!registries.length) throw new TspodError('INVALID_ARGUMENT', 'no registries found in registries.conf, a registry must be provided');
  }
  const limit = opts.limit || 25;
  const results: SearchResult[] = [];
  const errors: string[] = [];
  let firstErr: TspodError | undefined;
  for (const r of registries) {
    try {
      results.push(...(await searchRegistry(r, query, limit, ctx)));
    } catch (err) {
      errors.push(`couldn't search registry "${r}": ${(err as Error).message}`);
      firstErr ??= err as TspodError;
    }
  }
  if (errors.length === registries.length) {
    throw new TspodError(firstErr?.code ?? 'REGISTRY', errors.join('; '), { cause: firstErr, hint: firstErr?.hint });
  }
  for (const e of errors) io.stderr.write(`Warning: ${e}\n`);
  const kept = results
    .filter((r) => r.Stars >= filter.stars)
    .filter((r) => filter.official === undefined || (r.Official === '[OK]') === filter.official)
    .filter((r) => filter.automated === undefined || (r.Automated === '[OK]') === filter.automated)
    .map((r) => ({ ...r, Description: !opts.noTrunc && r.Description.length > DESCRIPTION_WIDTH ? r.Description.slice(0, DESCRIPTION_WIDTH) + '...' : r.Description }));
  if (!kept.length && !(opts.format && /json/.test(opts.format))) return 0;
  const def = opts.compatible ? 'table {{.Name}}\t{{.Description}}\t{{.Stars}}\t{{.Official}}\t{{.Automated}}' : 'table {{.Name}}\t{{.Description}}';
  io.stdout.write(await formatList(opts.format, kept, def, { name: 'search' }));
  return 0;
}
