// The commands run most often, parsed without yargs: the hot ones (HOT_COMMANDS below: images, ps,
// inspect, ..., skopeo copy, conmon's `container cleanup`) and the verbs that read their own words
// (RAW_COMMANDS: run, create, exec). Why: a start with the code cache (scripts/build.mjs) costs bare
// node + ~10 ms, and loading yargs, creating its instance and the command tree adds ~12 ms more; the
// target is node + 20 ms (bench/cli-start). No option is defined twice: each command's own builder runs against a recorder
// standing in for yargs' Argv. Whenever this parser cannot be sure to produce what yargs would (help,
// an unknown or unusual option, `--`, a wrong number of arguments, a builder call it does not know),
// parseFast returns undefined and the caller runs yargs, so help, completion and usage errors stay
// yargs' own. test/cmd/fast-path.test.ts compares the result with yargs'.
import { globalOptions } from './shared/global.ts';
import type { CommandModule } from './types.ts';

type Load = () => Promise<CommandModule<any>>;
const ps: Load = async () => (await import('./container/ps.ts')).psCommand();
const containerInspect: Load = async () => (await import('./container/inspect.ts')).containerInspectCommand();
const imageInspect: Load = async () => (await import('./image/inspect.ts')).inspectCommand();
const imageLs: Load = async () => (await import('./image/list.ts')).listCommand('ls');
const volumeLs: Load = async () => (await import('./volume/ls.ts')).volumeLsCommand();
const networkLs: Load = async () => (await import('./network/ls.ts')).networkLsCommand();

/**
 * The hot commands by the words that name them, each with its module loaded on demand: importing
 * commands.ts, and with it every command module, cost more than parsing. The table must give what
 * commands.ts gives (names, aliases, and no word that names two commands): test/cmd/fast-path.test.ts
 * derives it from commands.ts and compares.
 */
export const HOT_COMMANDS: Record<string, Load> = {
  'ps': ps, 'ls': ps, 'list': ps,
  'inspect': async () => (await import('./container/inspect.ts')).inspectCommand(),
  'images': async () => (await import('./image/list.ts')).listCommand('images'),
  'container ps': ps, 'container ls': ps, 'container list': ps,
  'container inspect': containerInspect,
  'container exists': async () => (await import('./container/exists.ts')).existsCommand(),
  'image ls': imageLs, 'image list': imageLs,
  'image inspect': imageInspect,
  'image exists': async () => (await import('./image/exists.ts')).existsCommand(),
  'volume ls': volumeLs, 'volume list': volumeLs,
  'network ls': networkLs, 'network list': networkLs,
  // conmon's exit command after every detached container's end (restart policies run in it)
  'container cleanup': async () => (await import('./container/cleanup.ts')).cleanupCommand(),
  // skopeo's verbs that scripts run most; each is a short process where start-up counts
  'skopeo copy': async () => (await import('./skopeo/copy.ts')).copyCommand(),
  'skopeo inspect': async () => (await import('./skopeo/inspect.ts')).inspectCommand(),
  'skopeo list-tags': async () => (await import('./skopeo/list-tags.ts')).listTagsCommand(),
  'skopeo delete': async () => (await import('./skopeo/delete.ts')).deleteCommand(),
};
/** Groups with a hot subcommand, and the builder of those that have one (skopeo's global flags). */
const HOT_GROUPS = new Set(['container', 'image', 'volume', 'network', 'skopeo']);
const GROUP_BUILDERS: Record<string, () => Promise<(y: any) => unknown>> = {
  skopeo: async () => (await import('./skopeo/shared.ts')).skopeoGlobalOptions,
};

const run: Load = async () => (await import('./container/run.ts')).runCommand();
const create: Load = async () => (await import('./container/create.ts')).createCommand();
const exec: Load = async () => (await import('./container/exec.ts')).execCommand();
/**
 * Verbs that read their own words (options up to the image or container, then the command): yargs
 * only hands them the raw line in argv['--'], so the fast path does the same, sparing `run` the
 * ~10 ms of building the whole yargs tree. Also checked against commands.ts by the test.
 */
export const RAW_COMMANDS: Record<string, Load> = {
  'run': run, 'container run': run, 'create': create, 'container create': create, 'exec': exec, 'container exec': exec,
};

interface Opt { name: string; type: 'string' | 'boolean' | 'number'; array: boolean; keys: string[]; default?: unknown }
interface Pos { name: string; required: boolean; variadic: boolean; typed: boolean }
interface Spec { opts: Opt[]; pos: Pos[]; ok: boolean }

const OPT_KEYS = new Set(['alias', 'type', 'default', 'describe', 'description', 'desc', 'hidden', 'array', 'nargs']);
const POS_KEYS = new Set(['type', 'describe', 'description', 'desc', 'array']);
const camel = (s: string) => s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

function addOption(spec: Spec, name: string, o: Record<string, any>): void {
  const type = o.type;
  const ok = Object.keys(o).every((k) => OPT_KEYS.has(k)) && ['string', 'boolean', 'number'].includes(type)
    && (o.nargs === undefined || o.nargs === 1) && (!o.array || (type === 'string' && o.nargs === 1));
  if (!ok) {
    spec.ok = false;
    return;
  }
  const names = [name, ...([] as string[]).concat(o.alias ?? [])];
  const keys = [...new Set(names.flatMap((n) => [n, camel(n)]))];
  spec.opts.push({ name, type, array: !!o.array, keys, ...('default' in o ? { default: o.default } : {}) });
}

/** Runs a builder against a stand-in for yargs' Argv that records options and positionals. */
function record(spec: Spec, builder: (y: any) => unknown): void {
  const known: Record<string, (...a: any[]) => void> = {
    option: (name: string, o: object) => addOption(spec, name, { ...o }),
    positional: (name: string, o: Record<string, unknown>) => {
      const p = spec.pos.find((x) => x.name === name);
      if (!p || !Object.keys(o).every((k) => POS_KEYS.has(k)) || o.type !== 'string') spec.ok = false;
      else p.typed = true;
    },
    example: () => {},
    // help text and usage-error handling: both stay yargs' (the fast path leaves errors to it)
    hide: () => {},
    fail: () => {},
    // this parser has no dot notation anyway; anything else it does not do
    parserConfiguration: (c: Record<string, unknown>) => {
      const same: Record<string, unknown> = { 'populate--': true, 'halt-at-non-option': false, 'boolean-negation': false, 'dot-notation': false };
      if (!Object.entries(c).every(([k, v]) => same[k] === v)) spec.ok = false;
    },
  };
  const y: any = new Proxy({}, {
    get: (_t, prop) => {
      // read by builders that continue yargs' own settings; none here
      if (prop === 'getInternalMethods') return undefined;
      return (...args: unknown[]) => {
        if (typeof prop === 'string' && Object.hasOwn(known, prop)) known[prop](...args);
        else spec.ok = false;
        return y;
      };
    },
  });
  builder(y);
}

/** Positionals from a command string such as "inspect <images..>" or "images [image]". */
function commandSpec(mod: CommandModule<any>): Spec | undefined {
  const words = (Array.isArray(mod.command) ? mod.command[0] : mod.command).trim().split(/\s+/).slice(1);
  const pos: Pos[] = [];
  for (const w of words) {
    const m = /^([<[])([a-z][\w-]*)(\.\.)?[>\]]$/i.exec(w);
    if (!m) return undefined;
    pos.push({ name: m[2], required: m[1] === '<', variadic: !!m[3], typed: false });
  }
  return { opts: [], pos, ok: true };
}

export interface FastCommand {
  mod: CommandModule<any>;
  argv: Record<string, unknown>;
  /** run/create/exec relay a container's stdio (terminals, pipes): they need node's streams */
  streams: boolean;
}

/** The command and the argv yargs would give its handler, or undefined to let yargs parse. */
export async function parseFast(args: string[]): Promise<FastCommand | undefined> {
  const globals: Spec = { opts: [], pos: [], ok: true };
  record(globals, globalOptions);
  // the command words; options before them must be global ones (yargs sees only those there)
  const path: string[] = [];
  let load: Load | undefined;
  let rawLoad: Load | undefined;
  let first = -1;
  let i = 0;
  // a group's own options (skopeo's) are also taken between the group and the verb
  const group: Spec = { opts: [], pos: [], ok: true };
  for (; i < args.length && !load && !rawLoad; i++) {
    const a = args[i];
    if (a.startsWith('-')) {
      const m = /^--([^=]+)(=?)/.exec(a);
      const o = m ? [...globals.opts, ...group.opts].find((x) => x.keys.includes(m[1])) : undefined;
      if (!o) return undefined;
      if (!m![2] && o.type !== 'boolean') i++;
      continue;
    }
    if (first < 0) first = i;
    path.push(a);
    const key = path.join(' ');
    load = Object.hasOwn(HOT_COMMANDS, key) ? HOT_COMMANDS[key] : undefined;
    rawLoad = Object.hasOwn(RAW_COMMANDS, key) ? RAW_COMMANDS[key] : undefined;
    if (!load && !rawLoad && !(path.length === 1 && HOT_GROUPS.has(a))) return undefined;
    if (path.length === 1 && Object.hasOwn(GROUP_BUILDERS, a)) record(group, await GROUP_BUILDERS[a]());
  }
  if (!group.ok) return undefined;
  let mod: CommandModule<any>;
  let spec: Spec | undefined;
  let scan = args;
  const argv: Record<string, unknown> = { _: path, $0: 'tspod' };
  if (rawLoad) {
    // help (and -h, which yargs may take as help) and a missing image are yargs' to report
    const after = args.slice(i);
    if (after.some((a) => a === '--help' || /^-[a-zA-Z]*h[a-zA-Z]*$/.test(a)) || !after.some((a) => !a.startsWith('-'))) return undefined;
    mod = await rawLoad();
    spec = { opts: [], pos: [], ok: true };
    scan = args.slice(0, first);
    argv['--'] = args.slice(first);
  } else if (load) {
    mod = await load();
    spec = commandSpec(mod);
    if (!spec) return undefined;
    spec.opts.push(...group.opts);
    record(spec, mod.builder);
  } else return undefined;
  // an option defined again later (skopeo's --tmpdir over tspod's) replaces the first, as in yargs,
  // when it is the same kind of option; anything else is yargs' to sort out
  const all = [...globals.opts, ...spec.opts];
  const opts = all.filter((o, n) => !all.slice(n + 1).some((later) => later.name === o.name));
  for (const o of all) {
    const last = opts.find((x) => x.name === o.name)!;
    if (last.type !== o.type || last.array !== o.array || String(last.keys) !== String(o.keys)) return undefined;
  }
  const byKey = new Map<string, Opt>();
  for (const o of opts) for (const k of o.keys) {
    if (byKey.has(k)) return undefined;
    byKey.set(k, o);
  }
  if (!spec.ok || !globals.ok) return undefined;

  const given = new Map<Opt, unknown[]>();
  const words: string[] = [];
  const set = (o: Opt, raw: string | boolean): boolean => {
    let v: unknown = raw;
    if (o.type === 'boolean') {
      if (raw === 'true' || raw === 'false') v = raw === 'true';
      else if (raw !== true) return false;
    } else if (o.type === 'number') {
      if (typeof raw !== 'string' || !/^-?\d+(\.\d+)?$/.test(raw)) return false;
      v = Number(raw);
    } else if (typeof raw !== 'string') return false;
    const list = given.get(o) ?? [];
    if (list.length && o.type !== 'string') return false;
    list.push(v);
    given.set(o, list);
    return true;
  };
  for (let i = 0; i < scan.length; i++) {
    const a = scan[i];
    if (!a.startsWith('-')) {
      words.push(a);
      continue;
    }
    const long = /^--([^=]+)(?:=([\s\S]*))?$/.exec(a);
    if (long) {
      const o = byKey.get(long[1]);
      if (!o) return undefined;
      if (long[2] !== undefined) {
        if (!set(o, long[2])) return undefined;
        continue;
      }
      if (o.type === 'boolean') {
        // yargs would take a following "true"/"false" as the value
        if (/^(true|false)$/.test(scan[i + 1] ?? '') || !set(o, true)) return undefined;
        continue;
      }
      const next = scan[++i];
      if (next === undefined || next.startsWith('-') || !set(o, next)) return undefined;
      continue;
    }
    // -a, -aq (booleans only), -f VALUE
    const letters = a.slice(1);
    if (!/^[a-zA-Z]+$/.test(letters)) return undefined;
    if (letters.length === 1 && byKey.get(letters)?.type !== 'boolean') {
      const o = byKey.get(letters);
      const next = scan[++i];
      if (!o || next === undefined || next.startsWith('-') || !set(o, next)) return undefined;
      continue;
    }
    for (const l of letters) {
      const o = byKey.get(l);
      if (!o || o.type !== 'boolean' || !set(o, true)) return undefined;
    }
    if (/^(true|false)$/.test(scan[i + 1] ?? '')) return undefined;
  }

  // positionals after the command words
  const rest = rawLoad ? [] : words.slice(path.length);
  const required = spec.pos.filter((p) => p.required).length;
  const variadic = spec.pos.some((p) => p.variadic);
  if (rest.length < required || (!variadic && rest.length > spec.pos.length)) return undefined;
  for (const [i, p] of spec.pos.entries()) {
    if (!p.typed) return undefined;
    const v = p.variadic ? rest.slice(i) : rest[i];
    if (v === undefined) continue;
    argv[p.name] = v;
    argv[camel(p.name)] = v;
  }
  for (const o of opts) {
    const list = given.get(o);
    let v: unknown;
    if (list) v = o.array || list.length > 1 ? list : list[0];
    else if ('default' in o) v = o.default;
    else continue;
    for (const k of o.keys) argv[k] = v;
  }
  return { mod, argv, streams: !!rawLoad };
}
