// Go text/template for --format, with podman's extra functions and input munging.
// renderTemplate(format, value) is the one call most commands need; compiled templates are cached.
import { executeTemplate } from './exec.ts';
import { BUILTIN_FUNCS, type TemplateFunc } from './funcs.ts';
import { parseTemplate, type ParsedTemplate } from './parse.ts';

export { asStruct, formatValue, sprintf } from './fmt.ts';
export { goJson, toJsonValue, truth, withJsonForm, FuncError, type TemplateFunc } from './funcs.ts';

export interface TemplateOptions {
  /** Name used in error messages ("template: NAME:1: ..."); podman uses the command name. */
  name?: string;
  /** Extra functions, merged over the builtins. */
  funcs?: Record<string, TemplateFunc>;
}

export interface CompiledTemplate {
  readonly name: string;
  readonly source: string;
  execute(value: unknown): string;
}

/** Podman's escapedReplacer: the two-character texts \t and \n become a tab and a newline. */
export function unescapeFormat(format: string): string {
  return format.replace(/\\t/g, '\t').replace(/\\n/g, '\n');
}

const cache = new Map<string, CompiledTemplate>();
const CACHE_MAX = 256;

/** Parse once (cached by name + source); throws TspodError TEMPLATE (exit 125) on syntax errors. */
export function compileTemplate(source: string, opts: TemplateOptions = {}): CompiledTemplate {
  const name = opts.name ?? 'format';
  const key = opts.funcs ? '' : `${name}\0${source}`;
  const hit = key && cache.get(key);
  if (hit) return hit;
  const funcs = opts.funcs ? { ...BUILTIN_FUNCS, ...opts.funcs } : BUILTIN_FUNCS;
  const parsed: ParsedTemplate = parseTemplate(name, source, (n) => Object.prototype.hasOwnProperty.call(funcs, n));
  const t: CompiledTemplate = { name, source, execute: (value) => executeTemplate(parsed, value, funcs) };
  if (key) {
    if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
    cache.set(key, t);
  }
  return t;
}

/**
 * Render a Go template against value. Literal "\t" and "\n" in format are turned into a tab and a
 * newline first, as podman does. No newline is added.
 */
export function renderTemplate(format: string, value: unknown, opts: TemplateOptions = {}): string {
  return compileTemplate(unescapeFormat(format), opts).execute(value);
}
