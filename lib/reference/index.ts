// Image names: parsing/normalisation (parse.ts) and short-name resolution through registries.conf,
// after containers/image pkg/shortnames: an alias wins (the user's short-name-aliases.conf cache first,
// then [aliases] of registries.conf), else one candidate per unqualified-search registry; several
// candidates without a TTY are an error in enforcing mode and all tried in permissive mode.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse as parseToml, stringify as stringifyToml } from 'smol-toml';
import { TspodError } from '../errors.ts';
import type { SystemContext } from '../transports/types.ts';
import { homeDir } from '../config/paths.ts';
import { loadRegistriesConfig, type AliasValue } from '../config/registries.ts';
import { rootlessUid } from '../rootless/index.ts';
import {
  isShortName, parseNamed, parseReference, trimNamed, withDefaultTag, withDigest, withTag, type NamedReference,
} from './parse.ts';

export * from './parse.ts';

export interface ShortNameResolution {
  /** Full references with a tag or digest, in the order to try. */
  candidates: string[];
  /** Podman's line printed before pulling ('' when nothing to say). */
  description: string;
  /** Whether the input was a short name at all. */
  shortName: boolean;
  /** True when several candidates exist and a TTY is attached: let the user pick (chooseCandidate). */
  needsPrompt: boolean;
  /** The short name without tag/digest, for recordShortNameAlias after a prompted pull. */
  userInput?: string;
}

function shortNameError(message: string): TspodError {
  return new TspodError('SHORT_NAME', message);
}

function quote(s: string): string {
  return JSON.stringify(s);
}

/** Where the user's machine-written aliases live (containers/image shortNameAliasesConfPath). */
export function shortNameAliasesConfPath(): string {
  if (process.env.TSPOD_SHORT_NAME_ALIASES_CONF) return process.env.TSPOD_SHORT_NAME_ALIASES_CONF;
  if (rootlessUid() === undefined) return '/var/cache/containers/short-name-aliases.conf';
  return join(process.env.XDG_CACHE_HOME || join(homeDir(), '.cache'), 'containers/short-name-aliases.conf');
}

function readAliasCache(path: string): Map<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return new Map();
  }
  let doc: any;
  try {
    doc = parseToml(text);
  } catch (err) {
    throw new TspodError('REGISTRIES_CONF', `loading short-name aliases "${path}": ${(err as Error).message.split('\n')[0]}`);
  }
  const m = new Map<string, string>();
  for (const [k, v] of Object.entries(doc.aliases ?? {})) m.set(k, String(v));
  return m;
}

/** The alias for a short name (no tag/digest) and where it came from, if any. */
export function resolveShortNameAlias(name: string, ctx: SystemContext = {}): AliasValue | undefined {
  const cachePath = shortNameAliasesConfPath();
  const cached = readAliasCache(cachePath);
  const c = cached.get(name);
  if (c) return { value: c, origin: cachePath };
  if (cached.has(name)) return undefined; // an explicit blank entry hides the config alias
  const a = loadRegistriesConfig(ctx).aliases.get(name);
  return a && a.value ? a : undefined;
}

function reattach(alias: NamedReference, from: NamedReference): NamedReference {
  let r = alias;
  if (from.tag) r = withTag(r, from.tag);
  if (from.digest) r = withDigest(r, from.digest);
  return withDefaultTag(r);
}

/**
 * Resolve an image name to the full references a pull should try, in order. A fully-qualified name
 * yields itself (":latest" added when untagged). Throws TspodError SHORT_NAME with podman's messages
 * when no alias or search registry exists, or when ambiguous in enforcing mode without a TTY.
 */
export function resolveShortNameDetailed(name: string, ctx: SystemContext = {}): ShortNameResolution {
  const ref = parseReference(name);
  if (!isShortName(name)) {
    return { candidates: [withDefaultTag(parseNamed(name)).toString()], description: '', shortName: false, needsPrompt: false };
  }
  const conf = loadRegistriesConfig(ctx);
  const repo = trimNamed(ref).toString();
  const alias = resolveShortNameAlias(repo, ctx);
  if (alias) {
    return {
      candidates: [reattach(parseNamed(alias.value), ref).toString()],
      description: `Resolved ${quote(repo)} as an alias (${alias.origin})`,
      shortName: true, needsPrompt: false, userInput: repo,
    };
  }
  const usrs = conf.unqualifiedSearchRegistries;
  if (usrs.length === 0) {
    if (conf.unqualifiedSearchRegistriesOrigin) {
      throw shortNameError(`short-name ${quote(name)} did not resolve to an alias and no unqualified-search registries are defined in ${quote(conf.unqualifiedSearchRegistriesOrigin)}`);
    }
    throw shortNameError(`short-name ${quote(name)} did not resolve to an alias and no containers-registries.conf(5) was found`);
  }
  const candidates = usrs.map((reg) => {
    try {
      return withDefaultTag(parseNamed(`${reg}/${name}`)).toString();
    } catch (err) {
      throw new TspodError('INVALID_REFERENCE', `creating reference with unqualified-search registry ${quote(reg)}: ${(err as Error).message}`);
    }
  });
  const res: ShortNameResolution = {
    candidates, shortName: true, needsPrompt: false, userInput: repo,
    description: `Resolving ${quote(repo)} using unqualified-search registries (${conf.unqualifiedSearchRegistriesOrigin})`,
  };
  if (conf.shortNameMode === 'disabled' || candidates.length === 1) return res;
  const tty = ctx.interactive ?? Boolean(process.stdin.isTTY && process.stdout.isTTY);
  if (!tty) {
    if (conf.shortNameMode === 'permissive') return res;
    throw shortNameError('short-name resolution enforced but cannot prompt without a TTY');
  }
  res.needsPrompt = true;
  return res;
}

/** Candidate full names in order (the contract other parts use). */
export function resolveShortName(name: string, ctx: SystemContext = {}): string[] {
  return resolveShortNameDetailed(name, ctx).candidates;
}

/**
 * Names to look up in local storage for a (short) name, in order (containers/image ResolveLocally):
 * the alias, then localhost/, then each unqualified-search registry. No TTY rules apply.
 */
export function resolveLocalCandidates(name: string, ctx: SystemContext = {}): string[] {
  const ref = parseReference(name);
  if (!isShortName(name)) return [withDefaultTag(parseNamed(name)).toString()];
  const out: string[] = [];
  const alias = resolveShortNameAlias(trimNamed(ref).toString(), ctx);
  if (alias) out.push(reattach(parseNamed(alias.value), ref).toString());
  for (const reg of ['localhost', ...loadRegistriesConfig(ctx).unqualifiedSearchRegistries]) {
    out.push(withDefaultTag(parseNamed(`${reg}/${name}`)).toString());
  }
  return [...new Set(out)];
}

/**
 * Ask the user to pick one candidate on a TTY (podman's "? Please select an image" prompt, as a
 * numbered list here). Resolves to the chosen full name.
 */
export async function chooseCandidate(
  candidates: string[],
  io: { stdin: NodeJS.ReadableStream; stdout: NodeJS.WritableStream },
): Promise<string> {
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: io.stdin, output: io.stdout });
  try {
    io.stdout.write('? Please select an image:\n');
    candidates.forEach((c, i) => io.stdout.write(`  ${i + 1}) ${c}\n`));
    for (;;) {
      const answer = (await rl.question(`Enter a number [1-${candidates.length}]: `)).trim();
      const n = Number(answer || '1');
      if (Number.isInteger(n) && n >= 1 && n <= candidates.length) return candidates[n - 1];
    }
  } finally {
    rl.close();
  }
}

/** Record name=value (value without tag/digest) in the user's short-name-aliases.conf, under a lock. */
export async function recordShortNameAlias(name: string, value: string): Promise<void> {
  if (!isShortName(name)) throw shortNameError(`${quote(name)} is not a short name`);
  const key = trimNamed(parseReference(name)).toString();
  const val = trimNamed(parseNamed(value)).toString();
  const path = shortNameAliasesConfPath();
  const { withLock } = await import('../lock/index.ts');
  mkdirSync(dirname(path), { recursive: true });
  await withLock(`${path}.lock`, () => {
    const aliases = readAliasCache(path);
    aliases.set(key, val);
    const tmp = `${path}.tmp-${process.pid}`;
    writeFileSync(tmp, stringifyToml({ aliases: Object.fromEntries(aliases) }) + '\n', { mode: 0o644 });
    renameSync(tmp, path);
  });
}
