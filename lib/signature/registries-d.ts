// containers-registries.d(5): where signatures of docker:// images live. Every *.yaml file of the
// directory is read; a namespace defined twice is an error. Lookup goes from the most specific
// scope (repo:tag, repo, parent namespaces, host, *.domain) to default-docker, field by field,
// like containers/image docker/registries_d.go.
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TspodError } from '../errors.ts';

export interface RegistryNamespace {
  lookaside?: string;
  lookasideStaging?: string;
  useSigstoreAttachments?: boolean;
}

export interface RegistriesD {
  defaultDocker?: RegistryNamespace;
  docker: Record<string, RegistryNamespace>;
}

export function defaultRegistriesDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const dirs: string[] = [];
  if (env.HOME) dirs.push(join(env.HOME, '.config', 'containers', 'registries.d'));
  dirs.push('/etc/containers/registries.d');
  return dirs;
}

function parseNamespace(v: unknown, file: string, where: string): RegistryNamespace {
  if (v === null || v === undefined) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new TspodError('INVALID_REGISTRIES_D', `invalid registries.d file "${file}": ${where} is not a mapping`);
  const o = v as Record<string, unknown>;
  const str = (k: string) => {
    if (o[k] === undefined || o[k] === null) return undefined;
    if (typeof o[k] !== 'string') throw new TspodError('INVALID_REGISTRIES_D', `invalid registries.d file "${file}": ${where}.${k} must be a string`);
    return o[k] as string;
  };
  const ns: RegistryNamespace = {
    // "sigstore"/"sigstore-staging" are the names these had before the sigstore project existed.
    lookaside: str('lookaside') ?? str('sigstore'),
    lookasideStaging: str('lookaside-staging') ?? str('sigstore-staging'),
  };
  if (o['use-sigstore-attachments'] !== undefined) {
    if (typeof o['use-sigstore-attachments'] !== 'boolean') {
      throw new TspodError('INVALID_REGISTRIES_D', `invalid registries.d file "${file}": ${where}.use-sigstore-attachments must be true or false`);
    }
    ns.useSigstoreAttachments = o['use-sigstore-attachments'] as boolean;
  }
  return ns;
}

/** Read the directory (--registries.d, else the user's if it exists, else /etc/containers/registries.d). */
export async function loadRegistriesD(dir?: string, env: NodeJS.ProcessEnv = process.env): Promise<RegistriesD> {
  const d = dir ?? defaultRegistriesDirs(env).find((p) => existsSync(p));
  const out: RegistriesD = { docker: {} };
  if (!d) return out;
  let names: string[];
  try {
    names = (await readdir(d)).filter((n) => n.endsWith('.yaml')).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' && dir === undefined) return out;
    throw new TspodError('INVALID_REGISTRIES_D', `reading registries.d directory "${d}": ${(e as Error).message}`);
  }
  const parseYaml = await yamlParse();
  let defaultFrom: string | undefined;
  const from: Record<string, string> = {};
  for (const n of names) {
    const file = join(d, n);
    let doc: unknown;
    try {
      doc = parseYaml(await readFile(file, 'utf8'));
    } catch (e) {
      throw new TspodError('INVALID_REGISTRIES_D', `parsing registries.d file "${file}": ${(e as Error).message}`);
    }
    if (doc === null || doc === undefined) continue;
    if (typeof doc !== 'object' || Array.isArray(doc)) throw new TspodError('INVALID_REGISTRIES_D', `invalid registries.d file "${file}": not a mapping`);
    const o = doc as Record<string, unknown>;
    if (o['default-docker'] !== undefined) {
      if (defaultFrom) throw new TspodError('INVALID_REGISTRIES_D', `error parsing signature storage configuration: "default-docker" defined both in "${defaultFrom}" and "${file}"`);
      defaultFrom = file;
      out.defaultDocker = parseNamespace(o['default-docker'], file, 'default-docker');
    }
    if (o.docker !== undefined && o.docker !== null) {
      if (typeof o.docker !== 'object' || Array.isArray(o.docker)) throw new TspodError('INVALID_REGISTRIES_D', `invalid registries.d file "${file}": docker is not a mapping`);
      for (const [scope, v] of Object.entries(o.docker as object)) {
        if (from[scope]) throw new TspodError('INVALID_REGISTRIES_D', `error parsing signature storage configuration: "docker" namespace "${scope}" defined both in "${from[scope]}" and "${file}"`);
        from[scope] = file;
        out.docker[scope] = parseNamespace(v, file, `docker["${scope}"]`);
      }
    }
  }
  return out;
}

/** Scopes from most to least specific, as policyConfigurationIdentity/Namespaces give them. */
function scopesOf(identity: string, namespaces: string[]): string[] {
  return [identity, ...namespaces];
}

function pick<T>(cfg: RegistriesD, identity: string, namespaces: string[], get: (ns: RegistryNamespace) => T | undefined): T | undefined {
  for (const s of scopesOf(identity, namespaces)) {
    const ns = cfg.docker[s];
    if (ns) {
      const v = get(ns);
      if (v !== undefined) return v;
    }
  }
  return cfg.defaultDocker ? get(cfg.defaultDocker) : undefined;
}

/** The lookaside base URL for reading (write=false) or writing signatures, undefined if none is configured. */
export function lookasideBase(cfg: RegistriesD, identity: string, namespaces: string[], write: boolean): string | undefined {
  return pick(cfg, identity, namespaces, (ns) => (write ? ns.lookasideStaging ?? ns.lookaside : ns.lookaside));
}

export function useSigstoreAttachments(cfg: RegistriesD, identity: string, namespaces: string[]): boolean {
  return pick(cfg, identity, namespaces, (ns) => ns.useSigstoreAttachments) ?? false;
}

/** yaml's parse, whether the bundle hands us the ESM namespace or the CommonJS default export. */
export async function yamlParse(): Promise<(text: string) => unknown> {
  const mod = (await import('yaml')) as unknown as { parse?: (t: string) => unknown; default?: { parse: (t: string) => unknown } };
  return mod.parse ?? mod.default!.parse;
}
