// registries.conf (containers-registries.conf(5)), v2 format plus the v1 [registries.*] tables,
// loaded and merged the way containers/image sysregistriesv2 does:
//   main file: ctx.registriesConf, else $CONTAINERS_REGISTRIES_CONF, else ~/.config/containers/registries.conf
//   when it exists (then only the user's registries.conf.d), else /etc/containers/registries.conf;
//   drop-ins: ctx.registriesDir or $CONTAINERS_REGISTRIES_CONF_DIR alone, else
//   /etc/containers/registries.conf.d then ~/.config/containers/registries.conf.d, *.conf sorted by name.
// A later file overrides: [[registry]] entries by prefix, unqualified-search-registries,
// short-name-mode and credential-helpers when set, [aliases] key by key.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfigToml as parseToml } from './toml.ts';
import { TspodError } from '../errors.ts';
import type { SystemContext } from '../transports/types.ts';
import { homeDir } from './paths.ts';
import { filesKey } from './file-key.ts';
import { isShortName, parseReference } from '../reference/parse.ts';

export type ShortNameMode = 'enforcing' | 'permissive' | 'disabled';
export type PullFromMirror = 'all' | 'digest-only' | 'tag-only';

export interface Endpoint {
  location: string;
  insecure: boolean;
  pullFromMirror?: PullFromMirror;
}

export interface RegistryEntry extends Endpoint {
  prefix: string;
  blocked: boolean;
  mirrorByDigestOnly: boolean;
  mirrors: Endpoint[];
}

export interface AliasValue {
  value: string;
  origin: string;
}

export interface RegistriesConfig {
  registries: RegistryEntry[];
  unqualifiedSearchRegistries: string[];
  /** File that set unqualified-search-registries ('' when no file was found). */
  unqualifiedSearchRegistriesOrigin: string;
  shortNameMode: ShortNameMode;
  credentialHelpers: string[];
  aliases: Map<string, AliasValue>;
  /** Every file read, in order. */
  files: string[];
}

export const SYSTEM_REGISTRIES_CONF = '/etc/containers/registries.conf';
export const SYSTEM_REGISTRIES_CONF_DIR = '/etc/containers/registries.conf.d';

function configError(message: string, cause?: unknown): TspodError {
  return new TspodError('REGISTRIES_CONF', message, { cause });
}

/** The files that make up the configuration, in load order (only those that exist). */
export function registriesConfFiles(ctx: SystemContext = {}): { main: string; dropIns: string[] } {
  const userFile = join(homeDir(), '.config/containers/registries.conf');
  const userDir = join(homeDir(), '.config/containers/registries.conf.d');
  const explicitDir = ctx.registriesDir || process.env.CONTAINERS_REGISTRIES_CONF_DIR || '';
  let main: string;
  let dirs: string[];
  const explicit = ctx.registriesConf || process.env.CONTAINERS_REGISTRIES_CONF || '';
  if (explicit) {
    main = explicit;
    dirs = explicitDir ? [explicitDir] : [SYSTEM_REGISTRIES_CONF_DIR, userDir];
  } else if (existsSync(userFile)) {
    main = userFile;
    dirs = [explicitDir || userDir];
  } else {
    main = SYSTEM_REGISTRIES_CONF;
    dirs = explicitDir ? [explicitDir] : [SYSTEM_REGISTRIES_CONF_DIR, userDir];
  }
  const dropIns: string[] = [];
  for (const d of dirs) {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      continue;
    }
    for (const n of names.filter((n) => n.endsWith('.conf')).sort()) dropIns.push(join(d, n));
  }
  return { main, dropIns };
}

interface Partial {
  registries?: RegistryEntry[];
  usr?: string[];
  shortNameMode?: ShortNameMode;
  credentialHelpers?: string[];
  aliases: Map<string, AliasValue>;
}

function parseLocation(input: unknown, what: string): string {
  if (typeof input !== 'string') throw configError(`invalid ${what}: must be a string`);
  const trimmed = input.replace(/\/+$/, '');
  if (trimmed === '') throw configError('invalid location: cannot be empty');
  if (/^https?:\/\//.test(trimmed)) throw configError(`invalid location '${input}': URI schemes are not supported`);
  return trimmed;
}

const domainRe = /^(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?$/;

function parsePullFromMirror(v: unknown, file: string): PullFromMirror | undefined {
  if (v === undefined || v === '') return undefined;
  if (v === 'all' || v === 'digest-only' || v === 'tag-only') return v;
  throw configError(`unsupported pull-from-mirror value "${String(v)}"`);
}

function parseRegistry(raw: any, file: string): RegistryEntry {
  const location = raw.location === undefined || raw.location === '' ? '' : parseLocation(raw.location, 'location');
  let prefix = raw.prefix ? parseLocation(raw.prefix, 'prefix') : location;
  if (!prefix) throw configError(`invalid location: cannot be empty`);
  if (prefix.startsWith('*') && !prefix.startsWith('*.')) throw configError(`invalid prefix '${prefix}' for wildcarded prefix`);
  if (prefix.startsWith('*.') && location) throw configError(`location ${location} cannot be set when prefix "${prefix}" contains a wildcard`);
  const mirrorByDigestOnly = raw['mirror-by-digest-only'] === true;
  const mirrors: Endpoint[] = (Array.isArray(raw.mirror) ? raw.mirror : []).map((m: any) => {
    const pfm = parsePullFromMirror(m['pull-from-mirror'], file);
    if (mirrorByDigestOnly && pfm && pfm !== 'digest-only') {
      throw configError(`cannot set mirror usage mirror-by-digest-only for the registry (${prefix}) and pull-from-mirror for per-mirror (${m.location}) at the same time`);
    }
    return { location: parseLocation(m.location, 'mirror location'), insecure: m.insecure === true, ...(pfm ? { pullFromMirror: pfm } : {}) };
  });
  prefix = prefix || location;
  return { prefix, location: location || prefix, insecure: raw.insecure === true, blocked: raw.blocked === true, mirrorByDigestOnly, mirrors };
}

/** Parse one file; errors read like containers/image's: loading [drop-in ]registries configuration "F": ... */
function loadFile(file: string, dropIn: boolean): Partial {
  const text = readFileSync(file, 'utf8'); // ENOENT is handled by the caller
  try {
    const p = parseFile(file, text);
    validateAliases(p.aliases);
    return p;
  } catch (err) {
    if (!(err instanceof TspodError)) throw err;
    throw configError(`loading ${dropIn ? 'drop-in ' : ''}registries configuration "${file}": ${err.message}`, err);
  }
}

function parseFile(file: string, text: string): Partial {
  let doc: any;
  try {
    doc = parseToml(text);
  } catch (err) {
    throw configError((err as Error).message.split('\n')[0], err);
  }
  const out: Partial = { aliases: new Map() };
  const v1 = doc.registries && typeof doc.registries === 'object' && !Array.isArray(doc.registries) ? doc.registries : undefined;
  const v1Search: string[] = v1?.search?.registries ?? [];
  const v1Insecure: string[] = v1?.insecure?.registries ?? [];
  const v1Block: string[] = v1?.block?.registries ?? [];
  const v1NonEmpty = v1Search.length + v1Insecure.length + v1Block.length > 0;
  const v2Regs: any[] = Array.isArray(doc.registry) ? doc.registry : [];
  const usr: unknown = doc['unqualified-search-registries'];
  if (v1NonEmpty) {
    if (v2Regs.length || (Array.isArray(usr) && usr.length)) throw configError(`mixing sysregistry v1/v2 is not supported`);
    const map = new Map<string, RegistryEntry>();
    const get = (loc: string) => {
      const l = parseLocation(loc, 'location');
      let r = map.get(l);
      if (!r) map.set(l, (r = { prefix: l, location: l, insecure: false, blocked: false, mirrorByDigestOnly: false, mirrors: [] }));
      return r;
    };
    for (const b of v1Block) get(b).blocked = true;
    for (const i of v1Insecure) get(i).insecure = true;
    out.registries = [...map.values()];
    out.usr = v1Search.map((s) => parseLocation(s, 'unqualified-search-registries entry'));
  } else {
    if (v2Regs.length) out.registries = v2Regs.map((r) => parseRegistry(r, file));
    if (usr !== undefined) {
      if (!Array.isArray(usr)) throw configError(`unqualified-search-registries must be an array`);
      out.usr = usr.map((s) => {
        const r = parseLocation(s, 'unqualified-search-registries entry');
        if (!domainRe.test(r)) throw configError(`Invalid unqualified-search-registries entry "${r}"`);
        return r;
      });
    }
  }
  const mode = doc['short-name-mode'];
  if (mode !== undefined && mode !== '') {
    if (mode !== 'enforcing' && mode !== 'permissive' && mode !== 'disabled') throw configError(`invalid short-name mode: "${String(mode)}"`);
    out.shortNameMode = mode;
  }
  if (Array.isArray(doc['credential-helpers'])) out.credentialHelpers = doc['credential-helpers'].map(String);
  if (doc.aliases && typeof doc.aliases === 'object') {
    for (const [k, v] of Object.entries(doc.aliases)) out.aliases.set(k, { value: String(v), origin: file });
  }
  // Conflicting insecure/blocked settings for one location are an error in containers/image too.
  const byLoc = new Map<string, RegistryEntry>();
  for (const r of out.registries ?? []) {
    const o = byLoc.get(r.location);
    if (o && o.insecure !== r.insecure) throw configError(`registry '${r.location}' is defined multiple times with conflicting 'insecure' setting`);
    if (o && o.blocked !== r.blocked) throw configError(`registry '${r.location}' is defined multiple times with conflicting 'blocked' setting`);
    byLoc.set(r.location, r);
  }
  return out;
}

const cache = new Map<string, RegistriesConfig>();

/** Drop cached configurations (tests, long-running callers). */
export function invalidateRegistriesCache(): void {
  cache.clear();
}

/** The merged configuration for ctx. Cached per file set; throws TspodError REGISTRIES_CONF on bad files. */
export function loadRegistriesConfig(ctx: SystemContext = {}): RegistriesConfig {
  const { main, dropIns } = registriesConfFiles(ctx);
  const key = filesKey([main, ...dropIns]);
  const hit = cache.get(key);
  if (hit) return hit;
  const conf: RegistriesConfig = {
    registries: [], unqualifiedSearchRegistries: [], unqualifiedSearchRegistriesOrigin: '', shortNameMode: 'permissive',
    credentialHelpers: ['containers-auth.json'], aliases: new Map(), files: [],
  };
  const regs = new Map<string, RegistryEntry>();
  const merge = (file: string, p: Partial) => {
    conf.files.push(file);
    if (p.registries) for (const r of p.registries) regs.set(r.prefix, r);
    if (p.usr) {
      conf.unqualifiedSearchRegistries = p.usr;
      conf.unqualifiedSearchRegistriesOrigin = file;
    }
    if (p.shortNameMode) conf.shortNameMode = p.shortNameMode;
    if (p.credentialHelpers) conf.credentialHelpers = p.credentialHelpers;
    for (const [k, v] of p.aliases) conf.aliases.set(k, v);
  };
  try {
    merge(main, loadFile(main, false));
    conf.unqualifiedSearchRegistriesOrigin ||= main;
  } catch (err) {
    const explicit = ctx.registriesConf || process.env.CONTAINERS_REGISTRIES_CONF;
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    if (explicit) throw configError(`loading registries configuration "${main}": open ${main}: no such file or directory`, err);
  }
  for (const f of dropIns) merge(f, loadFile(f, true));
  conf.registries = [...regs.values()].sort((a, b) => (a.prefix < b.prefix ? -1 : a.prefix > b.prefix ? 1 : 0));
  cache.set(key, conf);
  return conf;
}

/** containers/image validateShortName / parseShortNameValue, with its messages. */
function validateAliases(aliases: Map<string, AliasValue>): void {
  const fail = (msg: string): never => {
    throw configError(`validating short-name aliases: ${msg}`);
  };
  for (const [k, v] of aliases) {
    let key;
    try {
      key = parseReference(k);
    } catch (err) {
      return fail(`cannot parse short name: "${k}": ${(err as Error).message}`);
    }
    if (key.digest) fail(`invalid short name "${k}": must not contain digest`);
    if (key.tag) fail(`invalid short name "${k}": must not contain tag`);
    if (!isShortName(k)) fail(`invalid short name "${k}": must not contain registry`);
    if (!v.value) continue; // an empty value in a later file removes the alias
    let val;
    try {
      val = parseReference(v.value);
    } catch (err) {
      return fail(`parsing alias "${v.value}": ${(err as Error).message}`);
    }
    if (val.digest) fail(`invalid alias "${v.value}": must not contain digest`);
    if (val.tag) fail(`invalid alias "${v.value}": must not contain tag`);
    if (isShortName(v.value) || !val.registry) fail(`invalid alias "${v.value}": must contain registry and repository`);
  }
}

/**
 * containers/image refMatchesPrefix: ref equals prefix, or continues it with ':', '/' or '@';
 * a "*.example.com" prefix matches any sub-domain host.
 */
export function refMatchesPrefix(ref: string, prefix: string): boolean {
  if (prefix.startsWith('*.')) {
    const slash = ref.indexOf('/');
    const host = slash === -1 ? ref : ref.slice(0, slash);
    return host.endsWith(prefix.slice(1));
  }
  if (ref.length < prefix.length) return false;
  if (ref.length === prefix.length) return ref === prefix;
  if (!ref.startsWith(prefix)) return false;
  const c = ref[prefix.length];
  return c === ':' || c === '/' || c === '@';
}

/** The [[registry]] entry with the longest matching prefix, if any. */
export function findRegistry(ref: string, ctx: SystemContext = {}): RegistryEntry | undefined {
  let best: RegistryEntry | undefined;
  let bestLen = 0;
  for (const r of loadRegistriesConfig(ctx).registries) {
    if (refMatchesPrefix(ref, r.prefix) && r.prefix.length > bestLen) {
      best = r;
      bestLen = r.prefix.length;
    }
  }
  return best;
}

function rewrite(ref: string, prefix: string, location: string): string {
  if (prefix.startsWith('*.')) return ref; // wildcard entries have no location of their own
  return location + ref.slice(prefix.length);
}

export interface MirrorInfo {
  /** The reference rewritten to the mirror's location. */
  location: string;
  insecure: boolean;
}

export interface RegistryInfo {
  /** The reference rewritten by the matching entry's prefix -> location. */
  location: string;
  insecure: boolean;
  blocked: boolean;
  /** Mirrors usable for this reference (pull-from-mirror / mirror-by-digest-only applied), in order. */
  mirrors: MirrorInfo[];
  /** The matching [[registry]] prefix, if any. */
  prefix?: string;
}

/**
 * What registries.conf says about a fully-qualified reference ("docker.io/library/busybox:latest",
 * "host:5000/ns/img@sha256:..."), or about a bare host.
 */
export function registryFor(fullName: string, ctx: SystemContext = {}): RegistryInfo {
  const reg = findRegistry(fullName, ctx);
  if (!reg) return { location: fullName, insecure: false, blocked: false, mirrors: [] };
  const isDigest = fullName.includes('@');
  const mirrors = reg.mirrors
    .filter((m) => {
      const mode = reg.mirrorByDigestOnly ? 'digest-only' : m.pullFromMirror ?? 'all';
      return mode === 'all' || (mode === 'digest-only' ? isDigest : !isDigest);
    })
    .map((m) => ({ location: rewrite(fullName, reg.prefix, m.location), insecure: m.insecure }));
  return { location: rewrite(fullName, reg.prefix, reg.location), insecure: reg.insecure, blocked: reg.blocked, mirrors, prefix: reg.prefix };
}

export interface PullSource {
  /** The rewritten reference to pull from. */
  reference: string;
  insecure: boolean;
  mirror: boolean;
}

/** Where to pull fullName from, in order: usable mirrors, then the primary location. */
export function pullSources(fullName: string, ctx: SystemContext = {}): PullSource[] {
  const r = registryFor(fullName, ctx);
  return [...r.mirrors.map((m) => ({ reference: m.location, insecure: m.insecure, mirror: true })), { reference: r.location, insecure: r.insecure, mirror: false }];
}

/** Whether registries.conf marks host (host[:port]) insecure. */
export function isInsecureRegistry(host: string, ctx: SystemContext = {}): boolean {
  return findRegistry(host, ctx)?.insecure ?? false;
}

/** Whether registries.conf blocks pulling this reference. */
export function isBlocked(fullName: string, ctx: SystemContext = {}): boolean {
  return findRegistry(fullName, ctx)?.blocked ?? false;
}

export function unqualifiedSearchRegistries(ctx: SystemContext = {}): string[] {
  return loadRegistriesConfig(ctx).unqualifiedSearchRegistries;
}
